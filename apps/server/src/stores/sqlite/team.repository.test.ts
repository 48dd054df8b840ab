/** SqliteTeamRepository on a real, migrated SQLite file: the shared contract. */
import { teamRepositoryContract } from "../team.contract.ts";
import { sqliteStoreFixture } from "./test-fixture.ts";

teamRepositoryContract("SQLite", () => sqliteStoreFixture("teams"));
