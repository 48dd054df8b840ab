/**
 * Test support: a real, migrated SQLite database in a fresh temporary directory with every SQLite
 * repository on it, and a one-call seed of a user, a project and a run. Used by the store and domain
 * tests; nothing in the server imports it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteArtifactRepository } from "./artifact.repository.ts";
import { SqliteDatabase } from "./database.ts";
import { SqliteIdentityRepository } from "./identity.repository.ts";
import { SqliteJobRepository } from "./job.repository.ts";
import { SqliteRunRepository } from "./run.repository.ts";
import { SqliteRunReadRepository } from "./run-read.repository.ts";
import { SqliteSweepRepository } from "./sweep.repository.ts";

export interface SqliteFixture {
  readonly dir: string;
  readonly db: SqliteDatabase;
  readonly identity: SqliteIdentityRepository;
  readonly runs: SqliteRunRepository;
  readonly runReads: SqliteRunReadRepository;
  readonly artifacts: SqliteArtifactRepository;
  readonly sweeps: SqliteSweepRepository;
  readonly jobs: SqliteJobRepository;
  /** Creates user `u`, its project `p` and run `r`. */
  seedRun(): Promise<{ userId: number; projectId: number; runId: number }>;
  close(): void;
}

export function createSqliteFixture(label: string): SqliteFixture {
  const dir = mkdtempSync(join(tmpdir(), `ballast-${label}-`));
  const db = new SqliteDatabase(join(dir, "ballast.sqlite"));
  db.migrate();
  const identity = new SqliteIdentityRepository(db);
  const runs = new SqliteRunRepository(db);
  return {
    dir,
    db,
    identity,
    runs,
    runReads: new SqliteRunReadRepository(db),
    artifacts: new SqliteArtifactRepository(db),
    sweeps: new SqliteSweepRepository(db),
    jobs: new SqliteJobRepository(db),
    async seedRun() {
      const user = await identity.createUser({
        username: "u",
        email: "u@example.com",
        isAdmin: false,
        now: 1,
      });
      const project = await identity.getOrCreateProject(user.defaultEntityId, "p", 1);
      const { run } = await runs.upsertRun({
        projectId: project.id,
        name: "r",
        userId: user.id,
        fields: {},
        defaultDisplayName: () => "r",
        now: 1,
      });
      return { userId: user.id, projectId: project.id, runId: run.id };
    },
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
