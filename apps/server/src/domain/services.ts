import type { ServerConfig } from "../config.ts";
import type { Cache } from "../stores/cache/cache.ts";
import type { JobRepository } from "../stores/job-repository.ts";
import type { ObjectStore } from "../stores/objects/object-store.ts";
import type {
  ArtifactRepository,
  IdentityRepository,
  RunReadRepository,
  RunRepository,
} from "../stores/repositories.ts";
import type { SweepRepository } from "../stores/sweep-repository.ts";
import { AccessService } from "./access/access.service.ts";
import type { SystemAdmin } from "./admin/system-admin.ts";
import { ArtifactService } from "./artifacts/artifact.service.ts";
import { AuthService } from "./auth/auth.service.ts";
import { IdentityService } from "./identity/identity.service.ts";
import { RunService } from "./runs/run.service.ts";
import { RunReadService } from "./runs/run-read.service.ts";
import { UploadConfirmer } from "./storage/upload-confirmer.ts";
import { objectStored } from "./storage/uploads.ts";
import { SweepService } from "./sweeps/sweep.service.ts";

/** The stores the domain depends on, each behind its contract (stores/repositories.ts, object-store.ts). */
export interface Stores {
  readonly identity: IdentityRepository;
  readonly runs: RunRepository;
  readonly runReads: RunReadRepository;
  readonly artifacts: ArtifactRepository;
  readonly sweeps: SweepRepository;
  readonly objects: ObjectStore;
  /** The internal queue (background jobs) and dead letters. */
  readonly jobs: JobRepository;
  /**
   * Hot reads (API-key look-ups, chart series), in process or in Redis; never the only copy, and a
   * miss whenever it cannot answer. Absent: nothing is cached (tools and tests).
   */
  readonly cache?: Cache;
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
  /** Records uploads made straight to the bucket (start() runs its worker). */
  readonly uploads: UploadConfirmer;
  /** `/system-admin`: the instance overview and the file storage settings (absent in tools and tests). */
  readonly system: SystemAdmin | undefined;
}

export interface ServiceOptions {
  /** Whether signed uploads get look-up jobs (the internal queue); default: BUCKET_QUEUE is internal. */
  readonly pollSignedUploads?: () => boolean;
  readonly system?: SystemAdmin;
}

export function createServices(config: ServerConfig, given: Stores, options: ServiceOptions = {}): Services {
  // `services` is assigned below; the confirmer only records once the server handles requests.
  let services: Services | undefined;
  const uploads = new UploadConfirmer({
    objects: given.objects,
    jobs: given.jobs,
    record: async (key, stored) => {
      if (services) await objectStored(services, key, stored);
    },
    pollSignedUploads: options.pollSignedUploads ?? (() => config.queue.kind === "internal"),
    log: (line) => console.error(line),
  });
  const stores: Stores = { ...given, objects: uploads.watching() };
  const identity = new IdentityService(stores);
  const auth = new AuthService(stores, { sessionLengthHours: config.sessionLengthHours });
  const access = new AccessService(stores);
  const runs = new RunService(config, stores, access, uploads);
  const runReads = new RunReadService(config, stores, access);
  const artifacts = new ArtifactService(config, stores, access);
  const sweeps = new SweepService(stores, access);
  services = {
    config,
    stores,
    identity,
    auth,
    access,
    runs,
    runReads,
    artifacts,
    sweeps,
    uploads,
    system: options.system,
  };
  return services;
}
