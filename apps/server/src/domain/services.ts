import type { ServerConfig } from "../config.ts";
import type { ObjectStore } from "../stores/objects/object-store.ts";
import type { SqliteArtifactRepository } from "../stores/sqlite/artifact.repository.ts";
import type { SqliteIdentityRepository } from "../stores/sqlite/identity.repository.ts";
import type { SqliteRunRepository } from "../stores/sqlite/run.repository.ts";
import { AccessService } from "./access/access.service.ts";
import { ArtifactService } from "./artifacts/artifact.service.ts";
import { IdentityService } from "./identity/identity.service.ts";
import { RunService } from "./runs/run.service.ts";

/**
 * The store interfaces the domain depends on. Each repository's public methods are its contract;
 * a production implementation (MySQL) provides the same methods.
 */
export interface Stores {
  readonly identity: Pick<SqliteIdentityRepository, keyof SqliteIdentityRepository>;
  readonly runs: Pick<SqliteRunRepository, keyof SqliteRunRepository>;
  readonly artifacts: Pick<SqliteArtifactRepository, keyof SqliteArtifactRepository>;
  readonly objects: ObjectStore;
}

export interface Services {
  readonly config: ServerConfig;
  readonly stores: Stores;
  readonly identity: IdentityService;
  readonly access: AccessService;
  readonly runs: RunService;
  readonly artifacts: ArtifactService;
}

export function createServices(config: ServerConfig, stores: Stores): Services {
  const identity = new IdentityService(stores);
  const access = new AccessService(stores);
  const runs = new RunService(config, stores, access);
  const artifacts = new ArtifactService(config, stores, access);
  return { config, stores, identity, access, runs, artifacts };
}
