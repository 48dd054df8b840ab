/**
 * Test support: a real, migrated SQLite database in a fresh temporary directory with every SQLite
 * repository on it, and a one-call seed of a user, a project and a run. Used by the store and domain
 * tests; nothing in the server imports it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SeededRun, type StoreFixture, seedRun } from "../store-fixture.ts";
import { SqliteArtifactRepository } from "./artifact.repository.ts";
import { SqliteAuditRepository } from "./audit.repository.ts";
import { SqliteDatabase } from "./database.ts";
import { SqliteEmailTokenRepository } from "./email-token.repository.ts";
import { SqliteIdentityRepository } from "./identity.repository.ts";
import { SqliteJobRepository } from "./job.repository.ts";
import { SqliteRunRepository } from "./run.repository.ts";
import { SqliteRunReadRepository } from "./run-read.repository.ts";
import { SqliteSweepRepository } from "./sweep.repository.ts";
import { SqliteTeamRepository } from "./team.repository.ts";

export interface SqliteFixture {
  readonly dir: string;
  readonly db: SqliteDatabase;
  readonly identity: SqliteIdentityRepository;
  readonly teams: SqliteTeamRepository;
  readonly runs: SqliteRunRepository;
  readonly runReads: SqliteRunReadRepository;
  readonly artifacts: SqliteArtifactRepository;
  readonly sweeps: SqliteSweepRepository;
  readonly jobs: SqliteJobRepository;
  readonly audit: SqliteAuditRepository;
  readonly emailTokens: SqliteEmailTokenRepository;
  /** Creates user `u`, its project `p` and run `r`. */
  seedRun(): Promise<SeededRun>;
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
    teams: new SqliteTeamRepository(db),
    runs,
    runReads: new SqliteRunReadRepository(db),
    artifacts: new SqliteArtifactRepository(db),
    sweeps: new SqliteSweepRepository(db),
    jobs: new SqliteJobRepository(db),
    audit: new SqliteAuditRepository(db),
    emailTokens: new SqliteEmailTokenRepository(db),
    seedRun: () => seedRun(identity, runs),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SQLite fixture as the store contract suites take it (`store-fixture.ts`). */
export async function sqliteStoreFixture(label: string): Promise<StoreFixture> {
  const fixture = createSqliteFixture(label);
  return { ...fixture, close: async () => fixture.close() };
}
