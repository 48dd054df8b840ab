/** SqliteIdentityRepository on a real, migrated SQLite file: the shared contract. */
import { identityRepositoryContract } from "../identity.contract.ts";
import { sqliteStoreFixture } from "./test-fixture.ts";

identityRepositoryContract("SQLite", () => sqliteStoreFixture("identity"));
