/** SqliteAuditRepository on a real, migrated SQLite file: the shared contract. */
import { auditRepositoryContract } from "../audit.contract.ts";
import { sqliteStoreFixture } from "./test-fixture.ts";

auditRepositoryContract("SQLite", () => sqliteStoreFixture("audit"));
