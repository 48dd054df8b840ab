/** SqliteEmailTokenRepository on a real, migrated SQLite file: the shared contract. */
import { emailTokenRepositoryContract } from "../email-token.contract.ts";
import { SqliteEmailTokenRepository } from "./email-token.repository.ts";
import { createSqliteFixture } from "./test-fixture.ts";

emailTokenRepositoryContract("SQLite", async () => {
  const fixture = createSqliteFixture("email-tokens");
  return {
    emailTokens: new SqliteEmailTokenRepository(fixture.db),
    identity: fixture.identity,
    close: async () => fixture.close(),
  };
});
