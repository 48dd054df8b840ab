/**
 * The server's configuration, parsed once from flags and the environment. Nothing else in the
 * server reads `process.env`. Names follow what W&B Server's chart hands its app container
 * (reference/deployment-spec.md §3.5), so the seeds' Helm and Terraform inputs map straight through.
 */
import { resolve } from "node:path";
import {
  type BucketSettings,
  type Parsed,
  parseBucket,
  parseMysql,
  parseQueue,
  type QueueSettings,
} from "./backend-config.ts";
import { type IdentitySettings, parseIdentity } from "./identity-config.ts";
import { type CacheSettings, parseCacheSettings } from "./stores/cache/cache-settings.ts";
import type { MysqlSettings } from "./stores/mysql/database.ts";

export type { BucketSettings, QueueSettings } from "./backend-config.ts";
export type { IdentitySettings } from "./identity-config.ts";
export type { CacheSettings, RedisSettings } from "./stores/cache/cache-settings.ts";
export type { MysqlSettings } from "./stores/mysql/database.ts";

export interface ServerConfig {
  readonly port: number;
  readonly listenHost: string;
  /**
   * Public base URL, no trailing slash; used in signed URLs and printed links. Undefined when HOST is
   * not set: the server then uses http://localhost:<the port it bound>.
   */
  readonly publicUrl: string | undefined;
  readonly dataDir: string;
  readonly license: string | undefined;
  readonly limits: Readonly<{
    graphqlBodyBytes: number;
    fileStreamBodyBytes: number;
    graphqlMaxDepth: number;
    graphqlMaxAliases: number;
    uploadUrlTtlSeconds: number;
    downloadUrlTtlSeconds: number;
  }>;
  /** A run with no file_stream request for this long (and not complete) is marked crashed. */
  readonly runHeartbeatTimeoutSeconds: number;
  /** Requests handled at once; more are answered 429 with Retry-After (the client backs off and retries). */
  readonly maxConcurrentRequests: number;
  /** How long a web sign-in lasts (the session cookie's lifetime), in hours. */
  readonly sessionLengthHours: number;
  /** BALLAST_METRICS: serve Prometheus metrics on /metrics (docs/operations.md). */
  readonly metricsEnabled: boolean;
  /**
   * On SIGTERM, how long the server keeps serving with /readyz answering 503, so load balancers
   * stop sending it requests before it stops listening (docs/operations.md).
   */
  readonly shutdownDrainSeconds: number;
  /** How often a replica looks for /system-admin settings changed through another replica. */
  readonly settingsRefreshSeconds: number;
  /** BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS: how often the audit log is exported to the bucket (0: never). */
  readonly auditExportIntervalSeconds: number;
  /** MYSQL: the metadata and metric database; undefined means embedded SQLite in dataDir. */
  readonly mysql: MysqlSettings | undefined;
  /**
   * BUCKET (+ AWS_REGION, AWS_S3_KMS_ID; AZURE_STORAGE_KEY): the object store; undefined means local
   * disk in dataDir.
   */
  readonly bucket: BucketSettings | undefined;
  /** AZURE_STORAGE_KEY, for an az:// bucket entered in /system-admin rather than in BUCKET. */
  readonly azureStorageKey: string | undefined;
  /** BUCKET_QUEUE: where object-created notices come from (internal:// by default). */
  readonly queue: QueueSettings;
  /** REDIS (undefined: the in-process cache) and BALLAST_CACHE_MB (the in-process cache's size). */
  readonly cache: CacheSettings;
  /** OIDC_*, LDAP_*, SMTP_* and the management console's BALLAST_CONSOLE_* (identity-config.ts). */
  readonly identity: IdentitySettings;
}

export interface ConfigInput {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags?: Readonly<{
    port?: string | undefined;
    dataDir?: string | undefined;
    host?: string | undefined;
  }>;
  readonly cwd?: string;
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

const MIB = 1024 * 1024;

/** Parses and validates everything, listing every problem with its fix; never returns half a config. */
export function loadConfig(input: ConfigInput): ServerConfig {
  const { env } = input;
  const flags = input.flags ?? {};
  const problems: string[] = [];

  const portText = flags.port ?? env.PORT ?? "8080";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    problems.push(`PORT / --port must be an integer from 0 to 65535 (got "${portText}"); e.g. PORT=8080`);
  }

  const dataDir = resolve(input.cwd ?? process.cwd(), flags.dataDir ?? env.BALLAST_DATA_DIR ?? "./data");

  const listenHost = env.BALLAST_LISTEN_HOST ?? "0.0.0.0";

  const hostText = flags.host ?? env.HOST;
  let publicUrl = hostText?.replace(/\/+$/, "");
  if (hostText !== undefined)
    try {
      const url = new URL(hostText);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
      if (url.search || url.hash || url.username || url.password) throw new Error("extra parts");
      publicUrl = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
    } catch {
      problems.push(
        `HOST must be the public base URL users reach Ballast at, http(s)://host[:port][/path] with no query (got "${hostText}"); e.g. HOST=https://ballast.example.com`,
      );
    }

  const heartbeatText = env.BALLAST_RUN_HEARTBEAT_TIMEOUT_SECONDS ?? "300";
  const runHeartbeatTimeoutSeconds = Number(heartbeatText);
  if (!Number.isFinite(runHeartbeatTimeoutSeconds) || runHeartbeatTimeoutSeconds < 60) {
    problems.push(
      `BALLAST_RUN_HEARTBEAT_TIMEOUT_SECONDS must be a number of seconds ≥ 60 (the client heartbeats every 30 s); got "${heartbeatText}"`,
    );
  }

  const concurrencyText = env.BALLAST_MAX_CONCURRENT_REQUESTS ?? "512";
  const maxConcurrentRequests = Number(concurrencyText);
  if (!Number.isSafeInteger(maxConcurrentRequests) || maxConcurrentRequests < 1) {
    problems.push(
      `BALLAST_MAX_CONCURRENT_REQUESTS must be a positive integer (got "${concurrencyText}"); e.g. 512`,
    );
  }

  const sessionText = env.BALLAST_SESSION_LENGTH_HOURS ?? "720";
  const sessionLengthHours = Number(sessionText);
  if (!/^\d+(\.\d+)?$/.test(sessionText) || sessionLengthHours <= 0 || sessionLengthHours > 24 * 366) {
    problems.push(
      `BALLAST_SESSION_LENGTH_HOURS must be a number of hours above 0 and at most 8784 (got "${sessionText}"); e.g. 720 for 30 days`,
    );
  }

  const metricsText = env.BALLAST_METRICS ?? "on";
  if (metricsText !== "on" && metricsText !== "off") {
    problems.push(`BALLAST_METRICS must be "on" or "off" (got "${metricsText}"); off hides /metrics`);
  }

  const drainText = env.BALLAST_SHUTDOWN_DRAIN_SECONDS ?? "0";
  const shutdownDrainSeconds = Number(drainText);
  if (!/^\d+(\.\d+)?$/.test(drainText) || shutdownDrainSeconds > 300) {
    problems.push(
      `BALLAST_SHUTDOWN_DRAIN_SECONDS must be a number of seconds from 0 to 300 (got "${drainText}"); e.g. 10 behind a load balancer`,
    );
  }

  const refreshText = env.BALLAST_SETTINGS_REFRESH_SECONDS ?? "30";
  const settingsRefreshSeconds = Number(refreshText);
  if (!/^\d+$/.test(refreshText) || settingsRefreshSeconds < 1 || settingsRefreshSeconds > 3600) {
    problems.push(
      `BALLAST_SETTINGS_REFRESH_SECONDS must be a whole number of seconds from 1 to 3600 (got "${refreshText}"); e.g. 30`,
    );
  }

  const auditExportText = env.BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS ?? "300";
  const auditExportIntervalSeconds = Number(auditExportText);
  if (!/^\d+$/.test(auditExportText) || auditExportIntervalSeconds > 86_400) {
    problems.push(
      `BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS must be a whole number of seconds from 0 (no export) to 86400 (got "${auditExportText}"); e.g. 300`,
    );
  }

  /** Runs a backend parser when its variable is set, collecting its problems. */
  const backend = <T>(text: string | undefined, parse: (text: string) => Parsed<T>): T | undefined => {
    if (text === undefined || text === "") return undefined;
    const parsed = parse(text);
    if (parsed.problems) {
      problems.push(...parsed.problems);
      return undefined;
    }
    return parsed.value;
  };
  const mysql = backend(env.MYSQL, (text) => parseMysql(text, env));
  const bucket = backend(env.BUCKET, (text) => parseBucket(text, env));
  const queue = backend(env.BUCKET_QUEUE, (text) => parseQueue(text, env)) ?? { kind: "internal" };
  if (env.BUCKET_QUEUE?.startsWith("sqs://") && !env.BUCKET) {
    problems.push(
      "BUCKET_QUEUE=sqs://… carries the bucket's object-created notices, so it needs BUCKET=s3://…; unset BUCKET_QUEUE for local disk",
    );
  }
  if (queue.kind === "sqs" && bucket !== undefined && bucket.provider !== "s3") {
    problems.push(
      "BUCKET_QUEUE=sqs://… carries an S3 bucket's object-created notices; with a GCS bucket or an Azure container leave BUCKET_QUEUE unset (internal://), which looks up each signed upload itself",
    );
  }
  if (env.AWS_S3_KMS_ID && !env.BUCKET) {
    problems.push("AWS_S3_KMS_ID applies to an S3 bucket; set BUCKET=s3://… or unset AWS_S3_KMS_ID");
  }

  const cacheParsed = parseCacheSettings(env);
  if (cacheParsed.problems) problems.push(...cacheParsed.problems);
  const cache = cacheParsed.value ?? { redis: undefined, memoryMb: 0 };

  const identity = parseIdentity(env);
  if (identity.problems) problems.push(...identity.problems);

  if (problems.length > 0 || identity.value === undefined) throw new ConfigError(problems);

  return Object.freeze({
    port,
    listenHost,
    publicUrl,
    dataDir,
    license: env.LICENSE,
    limits: Object.freeze({
      // `wandb verify` posts a 10^7-byte GraphQL body; leave room above it.
      graphqlBodyBytes: 32 * MIB,
      // wandb-core caps a file_stream request near 10 MiB (x_file_stream_max_bytes).
      fileStreamBodyBytes: 64 * MIB,
      graphqlMaxDepth: 24,
      graphqlMaxAliases: 200,
      uploadUrlTtlSeconds: 24 * 3600,
      downloadUrlTtlSeconds: 3600,
    }),
    runHeartbeatTimeoutSeconds,
    maxConcurrentRequests,
    sessionLengthHours,
    metricsEnabled: metricsText === "on",
    shutdownDrainSeconds,
    settingsRefreshSeconds,
    auditExportIntervalSeconds,
    mysql: mysql && Object.freeze(mysql),
    bucket: bucket && Object.freeze(bucket),
    azureStorageKey: env.AZURE_STORAGE_KEY || undefined,
    queue: Object.freeze(queue),
    cache: Object.freeze({ ...cache, redis: cache.redis && Object.freeze(cache.redis) }),
    identity: Object.freeze(identity.value),
  });
}
