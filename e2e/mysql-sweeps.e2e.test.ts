/** The sweep store on a real MariaDB: the same contract as on SQLite. */
import { after } from "node:test";
import { loadConfig } from "../apps/server/src/config.ts";
import { MysqlDatabase } from "../apps/server/src/stores/mysql/database.ts";
import { MysqlIdentityRepository } from "../apps/server/src/stores/mysql/identity.repository.ts";
import { MysqlSweepRepository } from "../apps/server/src/stores/mysql/sweep.repository.ts";
import { sweepRepositoryContract } from "../apps/server/src/stores/sweep.contract.ts";
import { startMariaDb } from "./support/mariadb.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

let databases = 0;
sweepRepositoryContract("MariaDB", async () => {
  const url = await mariadb.createDatabase(`sweeps${++databases}`);
  const settings = loadConfig({ env: { MYSQL: url } }).mysql;
  if (!settings) throw new Error("MYSQL did not parse");
  const db = await MysqlDatabase.open(settings);
  await db.migrate();
  const identity = new MysqlIdentityRepository(db);
  return {
    sweeps: new MysqlSweepRepository(db),
    // The sweep contract needs a user, a project and one run row named "r".
    async seedRun() {
      const user =
        (await identity.findUserByUsername("u")) ??
        (await identity.createUser({ username: "u", email: "u@example.com", isAdmin: false, now: 1 }));
      const project = await identity.getOrCreateProject(user.defaultEntityId, "p", 1);
      await db.run(
        `INSERT INTO runs (project_id, name, user_id, tags, config, summary, created_at, updated_at, heartbeat_at)
         VALUES (?, 'r', ?, '[]', '{}', '{}', 1, 1, 1) ON DUPLICATE KEY UPDATE id = id`,
        [project.id, user.id],
      );
      const run = await db.get<{ id: number }>("SELECT id FROM runs WHERE project_id = ? AND name = 'r'", [
        project.id,
      ]);
      return { userId: user.id, entityId: user.defaultEntityId, projectId: project.id, runId: run?.id ?? 0 };
    },
    close: () => db.close(),
  };
});
