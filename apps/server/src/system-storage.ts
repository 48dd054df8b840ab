/**
 * Where objects go and where upload notices come from, changeable while the server runs
 * (`/system-admin`, domain/admin/system-admin.ts). The environment wins: BUCKET and BUCKET_QUEUE,
 * when set, are the chart's to change, and the admin sees them read-only. Otherwise the admin's
 * settings (stored in the database, so every replica and every restart sees them) apply; otherwise
 * the local disk and the internal queue.
 *
 * A change is checked by reaching what it names before anything is stored: a probe object is
 * written, described and deleted in the bucket (credentials, KMS key and write permission all show),
 * and the queue's attributes are read. Then it is stored and applied: new objects go to the new
 * bucket while the objects written before stay readable (stores/objects/switching.store.ts), and
 * the notification consumer is replaced. Other replicas read the stored settings every
 * BALLAST_SETTINGS_REFRESH_SECONDS (30 by default) and apply a change they find.
 */
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { AppError } from "@ballast/core";
import {
  type BucketSettings,
  type Parsed,
  parseBucket,
  parseQueue,
  type QueueSettings,
  redactUrl,
} from "./backend-config.ts";
import type { ServerConfig } from "./config.ts";
import type {
  SettingSource,
  StorageSettingsInput,
  SystemAdmin,
  SystemOverview,
} from "./domain/admin/system-admin.ts";
import type { Services } from "./domain/services.ts";
import { BucketEventConsumer } from "./domain/storage/bucket-events.ts";
import { bucketReadiness } from "./stores/objects/bucket.readiness.ts";
import type { CorsCheck } from "./stores/objects/bucket-cors.ts";
import type { BucketStore, ObjectStore } from "./stores/objects/object-store.ts";
import { SwitchingObjectStore } from "./stores/objects/switching.store.ts";
import type { SqsQueue } from "./stores/queue/sqs.queue.ts";
import type { ReadinessCheck } from "./stores/readiness.ts";
import type { IdentityRepository } from "./stores/repositories.ts";

const STORAGE_KINDS = { s3: "s3", az: "azure", gs: "gcs" } as const;

/** The settings key holding the admin's storage settings (StorageSettingsInput as JSON). */
export const STORAGE_SETTING = "system_storage";
const VERSION = "0.1.0";
const CHECK_TIMEOUT_MS = 10_000;

/**
 * The cloud SDKs (AWS S3 and SQS, Azure Blob Storage, Google Cloud Storage), loaded on first use:
 * each adds tens of MB to a process, and the embedded default (local disk, internal queue) needs
 * none of them.
 */
type S3Driver = typeof import("./stores/objects/s3.store.ts");
type AzureDriver = typeof import("./stores/objects/azure.store.ts");
type GcsDriver = typeof import("./stores/objects/gcs.store.ts");
type SqsDriver = typeof import("./stores/queue/sqs.queue.ts");
let s3Driver: Promise<S3Driver> | undefined;
let azureDriver: Promise<AzureDriver> | undefined;
let gcsDriver: Promise<GcsDriver> | undefined;
let sqsDriver: Promise<SqsDriver> | undefined;
const loadS3 = () => (s3Driver ??= import("./stores/objects/s3.store.ts"));
const loadAzure = () => (azureDriver ??= import("./stores/objects/azure.store.ts"));
const loadGcs = () => (gcsDriver ??= import("./stores/objects/gcs.store.ts"));
const loadSqs = () => (sqsDriver ??= import("./stores/queue/sqs.queue.ts"));

async function openBucketStore(bucket: BucketSettings): Promise<BucketStore> {
  if (bucket.provider === "az") {
    const { AzureObjectStore } = await loadAzure();
    return new AzureObjectStore({
      account: bucket.account,
      accountKey: bucket.accountKey,
      container: bucket.container,
      prefix: bucket.prefix,
      endpoint: bucket.endpoint,
    });
  }
  if (bucket.provider === "gs") {
    const { GcsObjectStore } = await loadGcs();
    return new GcsObjectStore({ bucket: bucket.bucket, prefix: bucket.prefix, endpoint: bucket.endpoint });
  }
  const { S3ObjectStore } = await loadS3();
  return new S3ObjectStore({
    bucket: bucket.bucket,
    prefix: bucket.prefix,
    region: bucket.region,
    endpoint: bucket.endpoint,
    credentials: bucket.credentials,
    kmsKeyId: bucket.kmsKeyId,
  });
}

async function openQueue(queue: QueueSettings): Promise<SqsQueue | undefined> {
  if (queue.kind !== "sqs") return undefined;
  const { SqsQueue } = await loadSqs();
  return new SqsQueue({ queue: queue.queue, region: queue.region, endpoint: queue.endpoint });
}

/** What StorageControl starts with: the settings in force and the clients they need, opened. */
interface Initial {
  readonly text: string | undefined;
  readonly stored: StorageSettingsInput | undefined;
  readonly bucket: BucketSettings | undefined;
  readonly queue: QueueSettings;
  readonly store: BucketStore | undefined;
  readonly sqs: SqsQueue | undefined;
}

/** The admin's settings parsed like the environment; an az:// bucket's key is AZURE_STORAGE_KEY's. */
function parseStorage(
  input: StorageSettingsInput,
  azureStorageKey: string | undefined,
): Parsed<{
  bucket: BucketSettings | undefined;
  queue: QueueSettings;
}> {
  const env = {
    AWS_REGION: input.region.trim(),
    AWS_S3_KMS_ID: input.kmsKeyId.trim(),
    AZURE_STORAGE_KEY: azureStorageKey,
  };
  const problems: string[] = [];
  let bucket: BucketSettings | undefined;
  if (input.bucket.trim() !== "") {
    const parsed = parseBucket(input.bucket.trim(), env);
    if (parsed.problems) problems.push(...parsed.problems);
    else bucket = parsed.value;
  } else if (env.AWS_S3_KMS_ID !== "") {
    problems.push("A KMS key applies to an S3 bucket; enter the bucket or clear the KMS key");
  }
  const queueText = input.queue.trim() === "" ? "internal://" : input.queue.trim();
  const queue = parseQueue(queueText, env);
  if (queue.problems) problems.push(...queue.problems);
  else if (queue.value.kind === "sqs" && bucket?.provider !== "s3") {
    problems.push(
      bucket
        ? "An sqs:// notification subscription carries an S3 bucket's notices; with a GCS bucket or an Azure container leave it empty"
        : "An sqs:// notification subscription carries a bucket's notices: enter the bucket too",
    );
  }
  // The messages name the environment variables; here they are fields of the form.
  const named = problems.map((problem) =>
    problem
      .replace(/\bBUCKET_QUEUE\b/g, "The notification subscription")
      .replace(/\bBUCKET\b/g, "The bucket")
      .replace(/\bAWS_REGION\b/g, "The region")
      .replace(/\bAWS_S3_KMS_ID\b/g, "The KMS key"),
  );
  if (named.length > 0 || queue.value === undefined) return { problems: named };
  return { value: { bucket, queue: queue.value } };
}

export interface StorageControlOptions {
  readonly config: ServerConfig;
  readonly identity: IdentityRepository;
  /** The store used when no bucket is configured (the local disk). */
  readonly localStore: ObjectStore;
  readonly localReadiness: ReadinessCheck;
  readonly database: { readonly engine: "sqlite" | "mysql"; readonly label: string };
  readonly log?: (line: string) => void;
}

export class StorageControl {
  readonly objects: SwitchingObjectStore;
  private readonly options: StorageControlOptions;
  private bucket: BucketSettings | undefined;
  private queue: QueueSettings;
  private input: StorageSettingsInput;
  private bucketSource: SettingSource;
  private queueSource: SettingSource;
  private objectsCheck: ReadinessCheck;
  private sqs: SqsQueue | undefined;
  private consumer: BucketEventConsumer | undefined;
  private services: Services | undefined;
  private started = false;
  /** The bucket store new objects go to; undefined on the local disk. */
  private bucketStore: BucketStore | undefined;
  /** The last verdict on the bucket's CORS rules (undefined: local disk, or not checked yet). */
  private cors: CorsCheck | undefined;
  /** Stores opened here, closed with the server (a switched-away store may still serve reads). */
  private readonly opened: BucketStore[] = [];
  /** The stored settings text in force here, to see when another replica changed it. */
  private appliedText: string | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Changes are applied one at a time (an admin's update, or a refresh from the database). */
  private applying: Promise<unknown> = Promise.resolve();

  private constructor(options: StorageControlOptions, initial: Initial) {
    this.options = options;
    const { config } = options;
    const { stored } = initial;
    this.bucketSource = config.bucket ? "environment" : stored?.bucket ? "settings" : "default";
    this.queueSource = config.queue.kind !== "internal" ? "environment" : stored ? "settings" : "default";
    this.bucket = initial.bucket;
    this.queue = initial.queue;
    this.input = stored ?? { bucket: "", region: "", kmsKeyId: "", queue: "internal://" };
    this.appliedText = initial.text;
    this.sqs = initial.sqs;
    this.bucketStore = initial.store;
    if (initial.store) this.opened.push(initial.store);
    this.objects = new SwitchingObjectStore(initial.store ?? options.localStore);
    this.objectsCheck = initial.store ? bucketReadiness(initial.store) : options.localReadiness;
  }

  static async open(options: StorageControlOptions): Promise<StorageControl> {
    const { config } = options;
    const text = await options.identity.getSetting(STORAGE_SETTING);
    let stored: StorageSettingsInput | undefined;
    if (text !== undefined) {
      try {
        stored = JSON.parse(text) as StorageSettingsInput;
      } catch {
        options.log?.("system-admin storage settings are not JSON; ignored");
      }
    }
    const parsed = stored ? parseStorage(stored, config.azureStorageKey) : undefined;
    if (parsed?.problems) {
      options.log?.(`system-admin storage settings ignored: ${parsed.problems.join("; ")}`);
    }
    const bucket = config.bucket ?? parsed?.value?.bucket;
    const queue = config.queue.kind !== "internal" ? config.queue : (parsed?.value?.queue ?? config.queue);
    const store = bucket ? await openBucketStore(bucket) : undefined;
    const sqs = await openQueue(queue);
    return new StorageControl(options, { text, stored, bucket, queue, store, sqs });
  }

  /** The object store's readiness, following the store in use. */
  readiness(): ReadinessCheck {
    return { name: "objects", check: (signal) => this.objectsCheck.check(signal) };
  }

  /** The queue's readiness (SQS), following the queue in use; absent checks pass. */
  queueReadiness(): ReadinessCheck {
    return {
      name: "queue",
      check: async (signal) => {
        await this.sqs?.readiness().check(signal);
      },
    };
  }

  /** Upload look-ups are enqueued only with the internal queue (SQS notices do it otherwise). */
  pollSignedUploads(): boolean {
    return this.queue.kind === "internal";
  }

  /**
   * Starts the notification consumer (SQS) once the services exist, and the periodic look at the
   * stored settings that applies a change made through another replica.
   */
  start(services: Services): void {
    this.services = services;
    this.started = true;
    this.startConsumer();
    void this.checkCors();
    const seconds = this.options.config.settingsRefreshSeconds;
    this.refreshTimer = setInterval(() => {
      void this.refresh().catch((error: unknown) =>
        this.options.log?.(
          `system-admin: reading the stored file storage settings failed: ${describeError(error)}`,
        ),
      );
    }, seconds * 1000);
    this.refreshTimer.unref();
  }

  /**
   * Applies the stored settings when another replica changed them (that replica reached the bucket
   * and the queue before storing them, so they are applied without a second probe). Settings the
   * environment owns never change here.
   */
  async refresh(): Promise<boolean> {
    if (this.bucketSource === "environment" || this.queueSource === "environment") return false;
    return this.serialized(async () => {
      const text = await this.options.identity.getSetting(STORAGE_SETTING);
      if (text === undefined || text === this.appliedText) return false;
      this.appliedText = text;
      let next: StorageSettingsInput;
      try {
        next = JSON.parse(text) as StorageSettingsInput;
      } catch {
        this.options.log?.("system-admin: the stored file storage settings are not JSON; ignored");
        return false;
      }
      const parsed = parseStorage(next, this.options.config.azureStorageKey);
      if (parsed.problems) {
        this.options.log?.(
          `system-admin: stored file storage settings ignored: ${parsed.problems.join("; ")}`,
        );
        return false;
      }
      const { bucket, queue } = parsed.value;
      const store = bucket ? await openBucketStore(bucket) : undefined;
      const sqs = await openQueue(queue);
      await this.apply(next, text, bucket, queue, store, sqs);
      this.options.log?.(
        `system-admin: applied the file storage set on another replica: ${bucket ? redactUrl(next.bucket) : "the local disk"} with ${queue.kind === "sqs" ? `sqs://${queue.queue}` : "the internal queue"}`,
      );
      return true;
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.applying.then(work, work);
    this.applying = result.catch(() => undefined);
    return result;
  }

  /**
   * Judges the bucket's CORS rules for the web UI on HOST's origin and logs a warning with the exact
   * fix when they are missing; never blocks or refuses (the W&B clients do not need CORS).
   */
  async checkCors(): Promise<CorsCheck | undefined> {
    const store = this.bucketStore;
    if (!store) {
      this.cors = undefined;
      return undefined;
    }
    const publicUrl = this.options.config.publicUrl;
    const verdict: CorsCheck =
      publicUrl === undefined
        ? { status: "unknown", reason: "HOST is not set, so the origin the web UI is served from is unknown" }
        : await store.checkCors(new URL(publicUrl).origin, AbortSignal.timeout(CHECK_TIMEOUT_MS));
    this.cors = verdict;
    if (verdict.status === "missing") this.options.log?.(`warning: ${verdict.problem}.\n${verdict.fix}`);
    else if (verdict.status === "unknown")
      this.options.log?.(
        `note: bucket CORS not checked: ${verdict.reason}; \`ballast verify\` checks it from outside`,
      );
    return verdict;
  }

  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.refreshTimer);
    await this.consumer?.stop();
  }

  close(): void {
    this.sqs?.close();
    for (const store of this.opened) store.close();
  }

  private startConsumer(): void {
    const services = this.services;
    this.consumer =
      this.sqs && this.bucket?.provider === "s3" && this.queue.kind === "sqs" && services
        ? new BucketEventConsumer({
            queue: this.sqs,
            uploads: services.uploads,
            jobs: services.stores.jobs,
            bucket: this.bucket.bucket,
            prefix: this.bucket.prefix,
            waitSeconds: this.queue.waitSeconds,
            log: (line) => console.error(line),
          })
        : undefined;
    if (this.started) this.consumer?.start();
  }

  admin(): SystemAdmin {
    return {
      overview: () => this.overview(),
      updateStorage: (input, actor) => this.update(input, actor.username),
    };
  }

  private async overview(): Promise<SystemOverview> {
    const services = this.services;
    const now = Date.now();
    const jobs = services ? await services.stores.jobs.depth(now) : { total: 0, due: 0 };
    const deadLetters = services ? (await services.stores.jobs.deadLetters(0, 1000)).length : 0;
    const bucket = this.bucket;
    const fromEnv = this.bucketSource === "environment";
    return {
      version: VERSION,
      license: { present: (this.options.config.license ?? "") !== "" },
      storage: {
        kind: bucket ? STORAGE_KINDS[bucket.provider] : "local-disk",
        bucket: fromEnv ? "(set by BUCKET)" : redactUrl(this.input.bucket),
        region: bucket?.provider === "s3" ? bucket.region : "",
        kmsKeyId: bucket?.provider === "s3" ? (bucket.kmsKeyId ?? "") : "",
        queue: this.queue.kind === "sqs" ? `sqs://${this.queue.queue}` : "internal://",
        source: { bucket: this.bucketSource, queue: this.queueSource },
        editable: { bucket: !fromEnv, queue: this.queueSource !== "environment" },
        cors: this.cors ?? null,
      },
      database: this.options.database,
      queue: {
        kind: this.queue.kind,
        jobs,
        deadLetters,
        uploads: services ? { ...services.uploads.counts } : { confirmed: 0, expired: 0, failed: 0 },
      },
      users: services ? await services.stores.identity.countUsers() : 0,
    };
  }

  private update(input: StorageSettingsInput, actor: string): Promise<SystemOverview> {
    return this.serialized(() => this.updateNow(input, actor));
  }

  private async updateNow(input: StorageSettingsInput, actor: string): Promise<SystemOverview> {
    if (this.bucketSource === "environment" || this.queueSource === "environment") {
      throw new AppError(
        "FAILED_PRECONDITION",
        "The file storage is set by the server's environment (BUCKET, BUCKET_QUEUE: the chart's global.bucket); change it there.",
      );
    }
    // A masked secret sent back unchanged means "keep the stored one".
    const bucketText =
      input.bucket.includes(":***@") && redactUrl(this.input.bucket) === input.bucket
        ? this.input.bucket
        : input.bucket;
    const next = { ...input, bucket: bucketText };
    const parsed = parseStorage(next, this.options.config.azureStorageKey);
    if (parsed.problems) throw new AppError("INVALID_ARGUMENT", parsed.problems.join("; "));
    const { bucket, queue } = parsed.value;
    const store = bucket ? await openBucketStore(bucket) : undefined;
    const sqs = await openQueue(queue);
    const problems = [...(store ? await probeBucket(store) : []), ...(sqs ? await probeQueue(sqs) : [])];
    if (problems.length > 0) {
      sqs?.close();
      store?.close();
      throw new AppError("INVALID_ARGUMENT", problems.join("; "));
    }
    const text = JSON.stringify(next);
    await this.options.identity.setSetting(STORAGE_SETTING, text);
    this.options.log?.(
      `system-admin: ${actor} set the file storage to ${bucket ? redactUrl(next.bucket) : "the local disk"} with ${queue.kind === "sqs" ? `sqs://${queue.queue}` : "the internal queue"}`,
    );
    await this.apply(next, text, bucket, queue, store, sqs);
    return this.overview();
  }

  /** Puts settings in force: new objects go to the new store; earlier objects stay readable where they are. */
  private async apply(
    next: StorageSettingsInput,
    text: string,
    bucket: BucketSettings | undefined,
    queue: QueueSettings,
    store: BucketStore | undefined,
    sqs: SqsQueue | undefined,
  ): Promise<void> {
    this.appliedText = text;
    if (store) this.opened.push(store);
    this.objects.switchTo(store ?? this.options.localStore);
    this.objectsCheck = store ? bucketReadiness(store) : this.options.localReadiness;
    this.bucketStore = store;
    this.bucket = bucket;
    this.input = next;
    this.bucketSource = bucket ? "settings" : "default";
    this.queueSource = "settings";
    await this.consumer?.stop();
    this.sqs?.close();
    this.sqs = sqs;
    this.queue = queue;
    this.startConsumer();
    await this.checkCors();
  }
}

/**
 * Reaches the bucket and the SQS queue the environment names (BUCKET, BUCKET_QUEUE), so a server
 * whose storage cannot work stops at start with every problem listed, as it does for MYSQL,
 * instead of handing out upload URLs that fail. Nothing is written. Settings entered in
 * /system-admin were reached when they were entered, and are not checked again here.
 */
export async function checkEnvironmentStorage(config: ServerConfig): Promise<string[]> {
  const checks: Promise<string | undefined>[] = [];
  const { bucket, queue } = config;
  if (bucket) {
    checks.push(
      (async () => {
        const store = await openBucketStore(bucket);
        try {
          await store.checkBucket(AbortSignal.timeout(CHECK_TIMEOUT_MS));
          return undefined;
        } catch (error) {
          const reason =
            error instanceof AppError && error.code === "UNAVAILABLE"
              ? "it did not answer; check that its endpoint can be reached from the server"
              : ourMessage(error);
          return `BUCKET: ${store.description} cannot be used: ${reason}`;
        } finally {
          store.close();
        }
      })(),
    );
  }
  if (queue.kind === "sqs") {
    checks.push(
      (async () => {
        const sqs = await openQueue(queue);
        try {
          await sqs?.readiness().check(AbortSignal.timeout(CHECK_TIMEOUT_MS));
          return undefined;
        } catch (error) {
          return `BUCKET_QUEUE: the SQS queue ${redactUrl(queue.queue)} cannot be used: ${ourMessage(error)}; check the queue's name or URL, AWS_REGION and the server's AWS credentials (sqs:GetQueueAttributes)`;
        } finally {
          sqs?.close();
        }
      })(),
    );
  }
  return (await Promise.all(checks)).filter((problem): problem is string => problem !== undefined);
}

/** An error's message when it is one of ours (written to be shown), else its code or name. */
function ourMessage(error: unknown): string {
  if (error instanceof AppError) return error.message;
  if (error instanceof Error && error.name === "ReadinessError") return error.message;
  return describeError(error);
}

/** Writes, describes and deletes a small object: reachability, credentials, KMS and write permission. */
async function probeBucket(store: BucketStore): Promise<string[]> {
  const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
  try {
    await store.checkBucket(signal);
  } catch (error) {
    return [`The bucket cannot be reached with these settings: ${describeError(error)}`];
  }
  const key = `ballast-check/${randomBytes(8).toString("hex")}`;
  const body = Buffer.from("ballast storage check\n");
  try {
    await store.put(key, Readable.from([body]));
    const described = await store.describe(key);
    if (described?.size !== body.length) return ["The bucket accepted a write but did not return it"];
  } catch (error) {
    return [`The bucket refused a test write: ${describeError(error)}`];
  } finally {
    await store.delete(key).catch(() => undefined);
  }
  return [];
}

async function probeQueue(queue: SqsQueue): Promise<string[]> {
  try {
    await queue.readiness().check(AbortSignal.timeout(CHECK_TIMEOUT_MS));
    return [];
  } catch (error) {
    return [`The notification queue cannot be reached: ${describeError(error)}`];
  }
}

/** The error's name or code, never its text (it may carry hosts or keys). */
function describeError(error: unknown): string {
  const named = error as { name?: unknown; Code?: unknown; code?: unknown; message?: unknown };
  const code = [named.Code, named.code, named.name].find(
    (value): value is string =>
      typeof value === "string" && /^[A-Za-z0-9_.]{1,60}$/.test(value) && value !== "Error",
  );
  if (code) return code;
  const message = typeof named.message === "string" ? named.message : "";
  return message.startsWith("objects:") || message.startsWith("queue:") ? redactUrl(message) : "no answer";
}
