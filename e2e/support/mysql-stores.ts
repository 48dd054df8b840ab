/**
 * The MySQL repositories on a fresh, migrated database of a test's private MariaDB, with a seed of
 * user `u`, project `p` and run `r` (the shape of apps/server/src/stores/store-fixture.ts).
 */
import { loadConfig } from "../../apps/server/src/config.ts";
import { MysqlArtifactRepository } from "../../apps/server/src/stores/mysql/artifact.repository.ts";
import { MysqlAuditRepository } from "../../apps/server/src/stores/mysql/audit.repository.ts";
import { MysqlDatabase } from "../../apps/server/src/stores/mysql/database.ts";
import { MysqlEmailTokenRepository } from "../../apps/server/src/stores/mysql/email-token.repository.ts";
import { MysqlIdentityRepository } from "../../apps/server/src/stores/mysql/identity.repository.ts";
import { MysqlJobRepository } from "../../apps/server/src/stores/mysql/job.repository.ts";
import { MysqlSweepRepository } from "../../apps/server/src/stores/mysql/sweep.repository.ts";
import { MysqlTeamRepository } from "../../apps/server/src/stores/mysql/team.repository.ts";
import type { SeededRun } from "../../apps/server/src/stores/store-fixture.ts";
import type { MariaDb } from "./mariadb.ts";

let databases = 0;

export async function openMysqlStores(mariadb: MariaDb, label: string) {
  const url = await mariadb.createDatabase(`${label}${++databases}`);
  const settings = loadConfig({ env: { MYSQL: url } }).mysql;
  if (!settings) throw new Error("MYSQL did not parse");
  const db = await MysqlDatabase.open(settings);
  await db.migrate();
  const identity = new MysqlIdentityRepository(db);
  return {
    db,
    identity,
    teams: new MysqlTeamRepository(db),
    artifacts: new MysqlArtifactRepository(db),
    sweeps: new MysqlSweepRepository(db),
    jobs: new MysqlJobRepository(db),
    audit: new MysqlAuditRepository(db),
    emailTokens: new MysqlEmailTokenRepository(db),
    /** User `u`, project `p`, and a run row `r` written directly (the run store is tested on its own). */
    async seedRun(): Promise<SeededRun> {
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
      if (!run) throw new Error("the seeded run vanished");
      return { userId: user.id, entityId: user.defaultEntityId, projectId: project.id, runId: run.id };
    },
    close: () => db.close(),
  };
}
