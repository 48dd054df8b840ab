/** The invitation and password-reset link store on a real MariaDB: the same contract as on SQLite. */
import { after } from "node:test";
import { loadConfig } from "../apps/server/src/config.ts";
import { emailTokenRepositoryContract } from "../apps/server/src/stores/email-token.contract.ts";
import { MysqlDatabase } from "../apps/server/src/stores/mysql/database.ts";
import { MysqlEmailTokenRepository } from "../apps/server/src/stores/mysql/email-token.repository.ts";
import { MysqlIdentityRepository } from "../apps/server/src/stores/mysql/identity.repository.ts";
import { startMariaDb } from "./support/mariadb.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

emailTokenRepositoryContract("MariaDB", async () => {
  const url = await mariadb.createDatabase("emailtokens");
  const settings = loadConfig({ env: { MYSQL: url } }).mysql;
  if (!settings) throw new Error("MYSQL did not parse");
  const db = await MysqlDatabase.open(settings);
  await db.migrate();
  return {
    emailTokens: new MysqlEmailTokenRepository(db),
    identity: new MysqlIdentityRepository(db),
    close: () => db.close(),
  };
});
