/**
 * Test support shared by the store contract suites (`stores/*.contract.ts`): the repositories of one
 * engine on a fresh, migrated database, and a seed of a user, a project and a run. The SQLite
 * fixture is `sqlite/test-fixture.ts`, the MySQL one `mysql/test-fixture.ts`. A contract asks for
 * the part it needs (`Pick<StoreFixture, …>`) so an engine's stores can be checked one by one.
 * Nothing in the server imports this.
 */
import type { AuditRepository } from "./audit-repository.ts";
import type { JobRepository } from "./job-repository.ts";
import type {
  ArtifactRepository,
  IdentityRepository,
  RunReadRepository,
  RunRepository,
} from "./repositories.ts";
import type { SweepRepository } from "./sweep-repository.ts";
import type { TeamRepository } from "./team-repository.ts";

export interface SeededRun {
  readonly userId: number;
  readonly entityId: number;
  readonly projectId: number;
  readonly runId: number;
}

export interface StoreFixture {
  readonly identity: IdentityRepository;
  readonly teams: TeamRepository;
  readonly runs: RunRepository;
  readonly runReads: RunReadRepository;
  readonly artifacts: ArtifactRepository;
  readonly sweeps: SweepRepository;
  readonly jobs: JobRepository;
  readonly audit: AuditRepository;
  /** Creates user `u`, its project `p` and run `r` (once; later calls return the same ids). */
  seedRun(): Promise<SeededRun>;
  close(): Promise<void>;
}

/** Makes a fresh fixture (a new, empty database) per call. */
export type FixtureFactory<K extends keyof StoreFixture> = () => Promise<
  Pick<StoreFixture, K | "seedRun" | "close">
>;

/** seedRun for any engine: user `u` with its personal entity, project `p`, run `r`. */
export async function seedRun(identity: IdentityRepository, runs: RunRepository): Promise<SeededRun> {
  const user =
    (await identity.findUserByUsername("u")) ??
    (await identity.createUser({ username: "u", email: "u@example.com", isAdmin: false, now: 1 }));
  const project = await identity.getOrCreateProject(user.defaultEntityId, "p", 1);
  const { run } = await runs.upsertRun({
    projectId: project.id,
    name: "r",
    userId: user.id,
    fields: {},
    defaultDisplayName: () => "r",
    now: 1,
  });
  return { userId: user.id, entityId: user.defaultEntityId, projectId: project.id, runId: run.id };
}
