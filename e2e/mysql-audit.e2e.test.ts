/** The audit log store on a real MariaDB: the same contract as on SQLite. */
import { after } from "node:test";
import { loadConfig } from "../apps/server/src/config.ts";
import { auditRepositoryContract } from "../apps/server/src/stores/audit.contract.ts";
import { MysqlAuditRepository } from "../apps/server/src/stores/mysql/audit.repository.ts";
import { MysqlDatabase } from "../apps/server/src/stores/mysql/database.ts";
import { MysqlIdentityRepository } from "../apps/server/src/stores/mysql/identity.repository.ts";
import { startMariaDb } from "./support/mariadb.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

let databases = 0;
auditRepositoryContract("MariaDB", async () => {
  const url = await mariadb.createDatabase(`audit${++databases}`);
  const settings = loadConfig({ env: { MYSQL: url } }).mysql;
  if (!settings) throw new Error("MYSQL did not parse");
  const db = await MysqlDatabase.open(settings);
  // Twice: every statement of the migrations must be safe to run again (an interrupted migration).
  await db.migrate();
  await db.run("DELETE FROM schema_migrations WHERE name = '0008_audit_log.sql'");
  await db.migrate();
  return {
    audit: new MysqlAuditRepository(db),
    identity: new MysqlIdentityRepository(db),
    seedRun: () => Promise.reject(new Error("the audit contract seeds no runs")),
    close: () => db.close(),
  };
});
