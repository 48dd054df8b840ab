import { jobRepositoryContract } from "../job.contract.ts";
import { SqliteJobRepository } from "./job.repository.ts";
import { createSqliteFixture } from "./test-fixture.ts";

jobRepositoryContract("SQLite", async () => {
  const fixture = createSqliteFixture("jobs");
  return { jobs: new SqliteJobRepository(fixture.db), close: async () => fixture.close() };
});
