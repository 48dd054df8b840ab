import type { ServerConfig } from "../config.ts";
import type { ObjectStore } from "../stores/objects/object-store.ts";
import type {
  ArtifactRepository,
  IdentityRepository,
  RunReadRepository,
  RunRepository,
} from "../stores/repositories.ts";
import type { SweepRepository } from "../stores/sweep-repository.ts";
import { AccessService } from "./access/access.service.ts";
import { ArtifactService } from "./artifacts/artifact.service.ts";
import { AuthService } from "./auth/auth.service.ts";
import { IdentityService } from "./identity/identity.service.ts";
import { RunService } from "./runs/run.service.ts";
import { RunReadService } from "./runs/run-read.service.ts";
import { SweepService } from "./sweeps/sweep.service.ts";

/** The stores the domain depends on, each behind its contract (stores/repositories.ts, object-store.ts). */
export interface Stores {
  readonly identity: IdentityRepository;
  readonly runs: RunRepository;
  readonly runReads: RunReadRepository;
  readonly artifacts: ArtifactRepository;
  readonly sweeps: SweepRepository;
  readonly objects: ObjectStore;
}

export interface Services {
  readonly config: ServerConfig;
  readonly stores: Stores;
  readonly identity: IdentityService;
  readonly auth: AuthService;
  readonly access: AccessService;
  readonly runs: RunService;
  readonly runReads: RunReadService;
  readonly artifacts: ArtifactService;
  readonly sweeps: SweepService;
}

export function createServices(config: ServerConfig, stores: Stores): Services {
  const identity = new IdentityService(stores);
  const auth = new AuthService(stores, { sessionLengthHours: config.sessionLengthHours });
  const access = new AccessService(stores);
  const runs = new RunService(config, stores, access);
  const runReads = new RunReadService(config, stores, access);
  const artifacts = new ArtifactService(config, stores, access);
  const sweeps = new SweepService(stores, access);
  return { config, stores, identity, auth, access, runs, runReads, artifacts, sweeps };
}
