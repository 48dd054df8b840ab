import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { ConfigError, type ServerConfig } from "./config.ts";
import { createServices, type Services, type Stores } from "./domain/services.ts";
import type { Cache } from "./stores/cache/cache.ts";
import { RedisSettingsError } from "./stores/cache/cache-settings.ts";
import { openCache } from "./stores/cache/open-cache.ts";
import { LocalDiskObjectStore } from "./stores/objects/local-disk.store.ts";
import { UrlSigner } from "./stores/objects/url-signer.ts";
import { directoryReadiness, type ReadinessCheck } from "./stores/readiness.ts";
import { SqliteArtifactRepository } from "./stores/sqlite/artifact.repository.ts";
import { SqliteAuditRepository } from "./stores/sqlite/audit.repository.ts";
import { SqliteDatabase } from "./stores/sqlite/database.ts";
import { SqliteEmailTokenRepository } from "./stores/sqlite/email-token.repository.ts";
import { SqliteIdentityRepository } from "./stores/sqlite/identity.repository.ts";
import { SqliteJobRepository } from "./stores/sqlite/job.repository.ts";
import { SqliteRunRepository } from "./stores/sqlite/run.repository.ts";
import { SqliteRunReadRepository } from "./stores/sqlite/run-read.repository.ts";
import { sqliteReadiness } from "./stores/sqlite/sqlite.readiness.ts";
import { SqliteSweepRepository } from "./stores/sqlite/sweep.repository.ts";
import { SqliteTeamRepository } from "./stores/sqlite/team.repository.ts";
import { checkEnvironmentStorage, StorageControl } from "./system-storage.ts";

export interface Embedded {
  readonly services: Services;
  readonly signer: UrlSigner;
  /** The metadata database: what it is (for messages; no secrets), and its metrics. */
  readonly database: {
    readonly label: string;
    readonly metrics: DatabaseMetrics;
    close(): void;
  };
  /** What /readyz checks: the database, the object store, (with SQS) the queue and (with Redis) the cache. */
  readonly readiness: readonly ReadinessCheck[];
  /** The object store and the notification consumer (the server starts it), changeable at run time. */
  readonly storage: StorageControl;
  close(): void;
}

export interface DatabaseMetrics {
  readonly files?: Readonly<Record<string, string>>;
  readonly pool?: () => { size: number; inUse: number; idle: number; waiting: number };
}

/** The metadata and metric repositories on one database engine. */
export interface Metadata {
  readonly engine: "sqlite" | "mysql";
  readonly label: string;
  readonly repositories: Omit<Stores, "objects" | "cache">;
  readonly readiness: ReadinessCheck;
  readonly metrics: DatabaseMetrics;
  close(): void;
}

/**
 * Opens the stores: SQLite at `<dataDir>/ballast.sqlite`; objects under `<dataDir>/objects`, or in
 * the bucket of BUCKET (S3, GCS or Azure). Applies pending migrations first. Safe to open from a second process (the
 * CLI) while a server runs.
 */
export async function openEmbedded(config: ServerConfig, publicUrl = config.publicUrl): Promise<Embedded> {
  // First, so settings Redis refuses stop the start before anything else is open; and closed
  // again if the rest fails (an open Redis connection would keep a failed process from exiting).
  const cache = await openCache(config.cache).catch((error: unknown) => {
    throw error instanceof RedisSettingsError ? new ConfigError(error.problems) : error;
  });
  try {
    return await openStores(config, publicUrl, cache);
  } catch (error) {
    cache.close();
    throw error;
  }
}

async function openStores(
  config: ServerConfig,
  publicUrl: string | undefined,
  cache: Cache,
): Promise<Embedded> {
  // The database and the environment's bucket and queue are reached side by side, so a start that
  // fails lists every problem at once.
  const [opened, storageProblems] = await Promise.all([
    openMetadata(config).then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error }),
    ),
    checkEnvironmentStorage(config),
  ]);
  if (opened.error !== undefined && !(opened.error instanceof ConfigError)) throw opened.error;
  const problems = [
    ...(opened.error instanceof ConfigError ? opened.error.problems : []),
    ...storageProblems,
  ];
  if (problems.length > 0 || opened.value === undefined) {
    opened.value?.close();
    throw new ConfigError(problems);
  }
  const metadata = opened.value;
  const { identity } = metadata.repositories;
  // One signing secret per installation, created on first start and shared by every process.
  const secret = await identity.getOrInitSetting("url_signing_secret", randomBytes(32).toString("hex"));
  const signer = new UrlSigner(Buffer.from(secret, "hex"), publicUrl ?? `http://localhost:${config.port}`);
  const storage = await StorageControl.open({
    config,
    identity,
    localStore: new LocalDiskObjectStore(config.dataDir, signer),
    // A directory access check, not a probe object: nothing is written, so nothing can leak into
    // users' storage or be left behind; an unwritable objects directory is what breaks uploads.
    localReadiness: directoryReadiness(
      "objects",
      join(config.dataDir, "objects"),
      "objects: the local object directory",
    ),
    database: { engine: metadata.engine, label: metadata.label },
    log: (line) => console.error(line),
  });
  const services = createServices(
    config,
    { ...metadata.repositories, objects: storage.objects, cache },
    {
      pollSignedUploads: () => storage.pollSignedUploads(),
      system: storage.admin(),
      ...(publicUrl === undefined ? {} : { publicUrl }),
    },
  );
  return {
    services,
    signer,
    database: { label: metadata.label, metrics: metadata.metrics, close: () => metadata.close() },
    readiness: [
      metadata.readiness,
      storage.readiness(),
      ...(config.queue.kind === "sqs" ? [storage.queueReadiness()] : []),
      ...[cache.readiness()].filter((check) => check !== undefined),
    ],
    storage,
    close: () => {
      storage.close();
      cache.close();
      services.runs.close();
      metadata.close();
    },
  };
}

/** MySQL when MYSQL is set (never a silent SQLite then), else SQLite under the data directory; migrated. */
async function openMetadata(config: ServerConfig): Promise<Metadata> {
  if (config.mysql) {
    // Loaded only when used: the MySQL driver adds ~25 MB to every process that imports it.
    const { openMysqlMetadata } = await import("./mysql-metadata.ts");
    return openMysqlMetadata(config.mysql);
  }
  const database = new SqliteDatabase(join(config.dataDir, "ballast.sqlite"), {
    backgroundCheckpoints: true,
  });
  database.migrate();
  return {
    engine: "sqlite",
    label: `the SQLite database ${database.path}`,
    repositories: {
      identity: new SqliteIdentityRepository(database),
      teams: new SqliteTeamRepository(database),
      runs: new SqliteRunRepository(database),
      runReads: new SqliteRunReadRepository(database),
      artifacts: new SqliteArtifactRepository(database),
      sweeps: new SqliteSweepRepository(database),
      jobs: new SqliteJobRepository(database),
      audit: new SqliteAuditRepository(database),
      emailTokens: new SqliteEmailTokenRepository(database),
    },
    readiness: sqliteReadiness(database),
    metrics: { files: { database: database.path, wal: `${database.path}-wal` } },
    close: () => database.close(),
  };
}
