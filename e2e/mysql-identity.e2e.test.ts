/** The identity and team stores on a real MariaDB: the same contracts as on SQLite. */
import { after } from "node:test";
import { loadConfig } from "../apps/server/src/config.ts";
import { identityRepositoryContract } from "../apps/server/src/stores/identity.contract.ts";
import { MysqlDatabase } from "../apps/server/src/stores/mysql/database.ts";
import { MysqlIdentityRepository } from "../apps/server/src/stores/mysql/identity.repository.ts";
import { MysqlTeamRepository } from "../apps/server/src/stores/mysql/team.repository.ts";
import { teamRepositoryContract } from "../apps/server/src/stores/team.contract.ts";
import { startMariaDb } from "./support/mariadb.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

let databases = 0;
identityRepositoryContract("MariaDB", async () => {
  const url = await mariadb.createDatabase(`identity${++databases}`);
  const settings = loadConfig({ env: { MYSQL: url } }).mysql;
  if (!settings) throw new Error("MYSQL did not parse");
  const db = await MysqlDatabase.open(settings);
  await db.migrate();
  return {
    identity: new MysqlIdentityRepository(db),
    seedRun: () => Promise.reject(new Error("the identity contract seeds no runs")),
    close: () => db.close(),
  };
});

teamRepositoryContract("MariaDB", async () => {
  const url = await mariadb.createDatabase(`teams${++databases}`);
  const settings = loadConfig({ env: { MYSQL: url } }).mysql;
  if (!settings) throw new Error("MYSQL did not parse");
  const db = await MysqlDatabase.open(settings);
  await db.migrate();
  return {
    identity: new MysqlIdentityRepository(db),
    teams: new MysqlTeamRepository(db),
    seedRun: () => Promise.reject(new Error("the team contract seeds no runs")),
    close: () => db.close(),
  };
});
