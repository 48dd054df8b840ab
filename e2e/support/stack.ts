/**
 * The backends a client suite's server runs on, chosen by BALLAST_E2E_STACK:
 *
 * - `embedded` (the default): SQLite and objects on disk in the server's data dir, internal queue.
 * - `production`: MariaDB for metadata and metrics; MinIO for objects (SigV4 signatures and
 *   presigned-URL expiry checked, SSE-KMS with a key id, a path prefix); Redis as the cache; moto's
 *   SQS for the bucket's object-created notifications, which MinIO sends through a relay (see
 *   sqs.ts). The same suites, unchanged, then prove the production backends with the real clients.
 * - `azure`: MariaDB and Redis as above; objects in an Azure Blob Storage container on Azurite
 *   (Shared Key and SAS signatures and expiry checked, a path prefix); the internal queue, which
 *   looks up each signed upload (Azure's notifications are not SQS).
 * - `gcs`: MariaDB and Redis; objects in a GCS bucket on fake-gcs-server (a path prefix; URLs
 *   signed with a service-account key of the test's own, which the emulator does not verify —
 *   e2e/gcs-object-store.e2e.test.ts does); the internal queue.
 */
import { PutBucketNotificationConfigurationCommand } from "@aws-sdk/client-s3";
import { startAzurite } from "./azurite.ts";
import { startFakeGcs } from "./fake-gcs.ts";
import { type MariaDb, startMariaDb } from "./mariadb.ts";
import { type Minio, startMinio } from "./minio.ts";
import { type Redis, startRedis } from "./redis.ts";
import { relayBucketEvents, type SqsEmulator, startSqsEmulator } from "./sqs.ts";
import {
  azureObjects,
  type ObjectsView,
  openMysqlStore,
  openStore,
  type StoreView,
  s3Objects,
} from "./store.ts";

const STACKS = ["embedded", "production", "azure", "gcs"] as const;
export type StackName = (typeof STACKS)[number];

export function stackName(): StackName {
  const name = process.env.BALLAST_E2E_STACK ?? "embedded";
  const known = STACKS.find((stack) => stack === name);
  if (!known) throw new Error(`BALLAST_E2E_STACK=${name}: use ${STACKS.join(", ")}`);
  return known;
}

export interface Stack {
  readonly name: StackName;
  /** The server's configuration for these backends (empty for the embedded stack). */
  readonly env: Readonly<Record<string, string>>;
  /** What a server on this stack stored, read behind its back. Close it after use. */
  store(dataDir: string): Promise<StoreView>;
  /**
   * Throws unless the server at `url` runs on this stack's backends, so a suite can never pass on
   * the embedded default while it claims the production stack.
   */
  assertServing(url: string): Promise<void>;
  dispose(): Promise<void>;
}

export async function startStack(label: string): Promise<Stack> {
  const name = stackName();
  if (name === "embedded") {
    return { name, env: {}, store: openStore, assertServing: async () => {}, dispose: async () => {} };
  }
  if (name === "azure" || name === "gcs") return startCloudStack(name, label);
  const started: { dispose(): Promise<void> }[] = [];
  try {
    const [mariadb, redis, sqs] = await Promise.all([
      keep(started, startMariaDb()),
      keep(started, startRedis()),
      keep(started, startSqsEmulator()),
    ]);
    let queueUrl = "";
    const relay = await keep(
      started,
      relayBucketEvents(sqs, () => queueUrl).then((r) => ({ ...r, dispose: r.close })),
    );
    queueUrl = await sqs.createQueue(`ballast-${label}`);
    const minio = await keep<Minio>(started, startMinio({ webhook: relay.url }));
    await minio.client.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: minio.bucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            { QueueArn: `arn:minio:sqs:${minio.region}:BALLAST:webhook`, Events: ["s3:ObjectCreated:*"] },
          ],
        },
      }),
    );
    const mysqlUrl = await mariadb.createDatabase(label.replace(/\W/g, "_"));
    const prefix = `suites/${label}`;
    const env = productionEnv({ mariadb, minio, redis, sqs, mysqlUrl, queueUrl, prefix });
    return {
      name,
      env,
      store: () => openMysqlStore(mysqlUrl, s3Objects(minio.client, minio.bucket, prefix)),
      assertServing: (url) => assertBackends(url, ["database", "objects", "queue", "cache"]),
      async dispose() {
        await disposeAll(started);
      },
    };
  } catch (error) {
    await disposeAll(started);
    throw error;
  }
}

/** MariaDB, Redis and the objects in an Azure container or a GCS bucket (emulated). */
async function startCloudStack(name: "azure" | "gcs", label: string): Promise<Stack> {
  const started: { dispose(): Promise<void> }[] = [];
  try {
    const [mariadb, redis] = await Promise.all([keep(started, startMariaDb()), keep(started, startRedis())]);
    const mysqlUrl = await mariadb.createDatabase(label.replace(/\W/g, "_"));
    const prefix = `suites/${label}`;
    let bucketEnv: Record<string, string>;
    let objects: ObjectsView;
    if (name === "azure") {
      const azurite = await keep(started, startAzurite());
      bucketEnv = {
        BUCKET: `az://${azurite.host}/${azurite.account}/${azurite.containerName}/${prefix}`,
        AZURE_STORAGE_KEY: azurite.accountKey,
      };
      objects = azureObjects(azurite.container, prefix);
    } else {
      const gcs = await keep(started, startFakeGcs());
      bucketEnv = {
        BUCKET: `gs://${new URL(gcs.endpoint).host}/${gcs.bucket}/${prefix}`,
        GOOGLE_APPLICATION_CREDENTIALS: gcs.keyFile,
      };
      objects = {
        async bytes(key) {
          const bytes = await gcs.objectBytes(`${prefix}/${key}`);
          if (!bytes) throw new Error(`object ${key} is not in the bucket`);
          return bytes;
        },
        keys: async (under) =>
          (await gcs.objectNames(`${prefix}/${under}`)).map((name_) => name_.slice(prefix.length + 1)),
      };
    }
    return {
      name,
      env: { MYSQL: mysqlUrl, REDIS: redis.url, ...bucketEnv },
      store: () => openMysqlStore(mysqlUrl, objects),
      // The suites read the objects back from the bucket itself, so a server writing anywhere
      // else fails them.
      assertServing: (url) => assertBackends(url, ["database", "objects", "cache"]),
      async dispose() {
        await disposeAll(started);
      },
    };
  } catch (error) {
    await disposeAll(started);
    throw error;
  }
}

/**
 * Throws unless /readyz passes each of `checks` and /metrics has the MySQL pool gauges (the pool
 * exists only on MySQL; the cache check only with REDIS, the queue check only with SQS).
 */
async function assertBackends(url: string, required: readonly string[]): Promise<void> {
  const ready = (await (await fetch(`${url}/readyz`)).json()) as { checks?: Record<string, { ok: boolean }> };
  const checks = Object.entries(ready.checks ?? {})
    .filter(([, check]) => check.ok)
    .map(([name]) => name);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  if (!required.every((name) => checks.includes(name)) || !metrics.includes("ballast_db_pool_connections")) {
    throw new Error(`the server is not on the ${stackName()} stack: ready checks ${checks.join(", ")}`);
  }
}

function productionEnv(parts: {
  mariadb: MariaDb;
  minio: Minio;
  redis: Redis;
  sqs: SqsEmulator;
  mysqlUrl: string;
  queueUrl: string;
  prefix: string;
}): Record<string, string> {
  const { minio, sqs } = parts;
  const host = new URL(minio.endpoint).host;
  return {
    MYSQL: parts.mysqlUrl,
    BUCKET: `s3://${minio.accessKeyId}:${minio.secretAccessKey}@${host}/${minio.bucket}/${parts.prefix}`,
    AWS_REGION: minio.region,
    AWS_S3_KMS_ID: minio.kmsKeyId,
    REDIS: parts.redis.url,
    BUCKET_QUEUE: `sqs://${parts.queueUrl}`,
    // The SQS client's credentials come from the SDK's default chain (IRSA on EKS; here, env).
    AWS_ACCESS_KEY_ID: sqs.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sqs.secretAccessKey,
    BALLAST_QUEUE_WAIT_SECONDS: "1",
  };
}

async function keep<T extends { dispose(): Promise<void> }>(
  started: { dispose(): Promise<void> }[],
  starting: Promise<T>,
): Promise<T> {
  const value = await starting;
  started.push(value);
  return value;
}

async function disposeAll(started: { dispose(): Promise<void> }[]): Promise<void> {
  // Reverse order: MinIO stops before the relay it posts to, the relay before the queue.
  for (const part of started.reverse()) await part.dispose().catch(() => {});
}
