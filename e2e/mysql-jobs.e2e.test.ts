/** The internal queue's store on a real MariaDB: the same contract as on SQLite. */
import { after } from "node:test";
import { loadConfig } from "../apps/server/src/config.ts";
import { jobRepositoryContract } from "../apps/server/src/stores/job.contract.ts";
import { MysqlDatabase } from "../apps/server/src/stores/mysql/database.ts";
import { MysqlJobRepository } from "../apps/server/src/stores/mysql/job.repository.ts";
import { startMariaDb } from "./support/mariadb.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

jobRepositoryContract("MariaDB", async () => {
  const url = await mariadb.createDatabase("jobs");
  const settings = loadConfig({ env: { MYSQL: url } }).mysql;
  if (!settings) throw new Error("MYSQL did not parse");
  const db = await MysqlDatabase.open(settings);
  await db.migrate();
  return { jobs: new MysqlJobRepository(db), close: () => db.close() };
});
