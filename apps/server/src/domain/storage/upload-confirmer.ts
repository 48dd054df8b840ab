/**
 * Records uploads that clients made straight to the bucket (S3 presigned URLs), which the server
 * never sees: the W&B client PUTs a run file and never says it finished. Two sources of notices:
 *
 * - `internal://` (the default): each signed upload URL handed out enqueues a `confirm-upload` job
 *   (stores/job-repository.ts). The worker looks the object up with a back-off (1 s, 2 s, 4 s … 60 s)
 *   until it appears, then records it; the job is dropped once the URL has expired unused.
 * - `sqs://`: the bucket's object-created notifications (domain/storage/bucket-events.ts) call
 *   `confirm` for each key; no polling jobs are made.
 *
 * Either way `confirm` is idempotent: recording the same object twice changes nothing.
 */

import type { Readable } from "node:stream";
import type { JobRecord, JobRepository } from "../../stores/job-repository.ts";
import type {
  ObjectStore,
  PutOptions,
  SignedRequest,
  StoredObject,
} from "../../stores/objects/object-store.ts";

export const CONFIRM_UPLOAD = "confirm-upload";

/** Keys whose upload means something to record (multipart parts are checked when joined). */
const RECORDED_KEY = /^(runs\/\d+\/files\/|artifacts\/\d+\/(objects|manifests)\/)/;

const MAX_BACKOFF_MS = 60_000;
/** Back-off cap for a look-up or record that failed (the store or database is down, or it is a bug). */
const MAX_FAILURE_BACKOFF_MS = 10 * 60_000;
/**
 * A job still failing this long after its URL's look-up window closed is dead-lettered: an outage
 * of a day is not one to wait out silently, and a job that can never be recorded must not be
 * retried forever.
 */
const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;
/** How long after its URL expired a never-used upload is still looked for (clock skew, slow PUTs). */
const EXPIRY_GRACE_MS = 5 * 60_000;
const LEASE_MS = 60_000;
const BATCH = 32;
const PARALLEL = 8;
const IDLE_POLL_MS = 500;

export interface UploadConfirmerOptions {
  readonly objects: ObjectStore;
  readonly jobs: JobRepository;
  /** Records what the key means (domain/storage/uploads.ts objectStored). */
  readonly record: (key: string, stored: StoredObject) => Promise<void>;
  /**
   * Enqueue polling jobs for signed uploads (false when SQS notifications do it). Asked at each
   * signing: `/system-admin` may change the queue while the server runs.
   */
  readonly pollSignedUploads: () => boolean;
  readonly log?: (line: string) => void;
}

export class UploadConfirmer {
  private readonly options: UploadConfirmerOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  /** Confirmed uploads and jobs given up, since start (for /metrics and tests). */
  readonly counts = { confirmed: 0, expired: 0, failed: 0 };

  constructor(options: UploadConfirmerOptions) {
    this.options = options;
  }

  /**
   * The object store the domain uses: the same store, whose `signUpload` also enqueues the polling
   * job for keys that mean something, when the store does not see uploads itself.
   */
  watching(): ObjectStore {
    const { objects } = this.options;
    // Asked per upload, not once: the store behind `objects` may change while the server runs.
    return new WatchedObjectStore(objects, async (key, ttlSeconds) => {
      if (!objects.recordsUploads && this.options.pollSignedUploads()) await this.watch(key, ttlSeconds);
    });
  }

  /** Enqueues the look-ups for an upload URL valid for `ttlSeconds`. */
  async watch(key: string, ttlSeconds: number): Promise<void> {
    if (!RECORDED_KEY.test(key)) return;
    const now = Date.now();
    await this.options.jobs.enqueue({
      kind: CONFIRM_UPLOAD,
      key,
      payload: JSON.stringify({ until: now + ttlSeconds * 1000 + EXPIRY_GRACE_MS }),
      runAt: now + 1000,
      now,
    });
  }

  /** Looks the object up and records it when present; true when it was there. */
  async confirm(key: string): Promise<boolean> {
    if (!RECORDED_KEY.test(key)) return false;
    const stored = await this.options.objects.describe(key);
    if (!stored) return false;
    await this.options.record(key, stored);
    this.counts.confirmed += 1;
    return true;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce(Date.now())
        .then((handled) => this.schedule(handled === BATCH ? 0 : IDLE_POLL_MS))
        .catch((error: unknown) => {
          this.options.log?.(`upload confirmer: ${(error as Error).message}`);
          this.schedule(5_000);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** Handles the due jobs once; returns how many were claimed. */
  async runOnce(now: number): Promise<number> {
    const jobs = await this.options.jobs.claim(now, BATCH, LEASE_MS);
    const work = jobs.filter((job) => job.kind === CONFIRM_UPLOAD);
    for (let i = 0; i < work.length; i += PARALLEL) {
      await Promise.all(work.slice(i, i + PARALLEL).map((job) => this.handle(job, now)));
    }
    return jobs.length;
  }

  private async handle(job: JobRecord, now: number): Promise<void> {
    const { jobs } = this.options;
    const until = Number((JSON.parse(job.payload) as { until?: unknown }).until);
    try {
      if (await this.confirm(job.key)) {
        await jobs.complete(job.id);
        return;
      }
      const next = now + Math.min(1000 * 2 ** (job.attempts - 1), MAX_BACKOFF_MS);
      if (!Number.isFinite(until) || next > until) {
        // The URL expired unused: the client never uploaded (or gave up); nothing to record.
        this.counts.expired += 1;
        await jobs.complete(job.id);
        return;
      }
      await jobs.retry(job.id, next, "not uploaded yet");
    } catch (error) {
      this.counts.failed += 1;
      const message = (error as Error).message;
      this.options.log?.(`upload confirmer: ${job.key}: ${message}`);
      await this.failed(job, until, now, message).catch(() => {
        // The database is down too: the job stays leased and comes back when its lease ends.
      });
    }
  }

  /** Backs a failing job off, or dead-letters it once it has failed for a day past its window. */
  private async failed(job: JobRecord, until: number, now: number, message: string): Promise<void> {
    const { jobs } = this.options;
    if (!Number.isFinite(until) || now > until + GIVE_UP_AFTER_MS) {
      await jobs.deadLetter({
        source: CONFIRM_UPLOAD,
        body: JSON.stringify({ key: job.key, payload: job.payload, attempts: job.attempts }),
        error: message,
        now,
      });
      await jobs.complete(job.id);
      this.options.log?.(
        `upload confirmer: ${job.key}: gave up after ${job.attempts} attempts; dead-lettered`,
      );
      return;
    }
    await jobs.retry(job.id, now + Math.min(1000 * 2 ** (job.attempts - 1), MAX_FAILURE_BACKOFF_MS), message);
  }
}

/** An ObjectStore that enqueues a look-up for every upload it signs; everything else passes through. */
class WatchedObjectStore implements ObjectStore {
  private readonly inner: ObjectStore;
  private readonly watch: (key: string, ttlSeconds: number) => Promise<void>;

  constructor(inner: ObjectStore, watch: (key: string, ttlSeconds: number) => Promise<void>) {
    this.inner = inner;
    this.watch = watch;
  }

  get recordsUploads(): boolean {
    return this.inner.recordsUploads;
  }

  async signUpload(key: string, ttlSeconds: number): Promise<SignedRequest> {
    const signed = await this.inner.signUpload(key, ttlSeconds);
    await this.watch(key, ttlSeconds);
    return signed;
  }

  describe(key: string) {
    return this.inner.describe(key);
  }
  put(key: string, body: Readable, options?: PutOptions) {
    return this.inner.put(key, body, options);
  }
  get(key: string, range?: { start: number; end: number }) {
    return this.inner.get(key, range);
  }
  stat(key: string) {
    return this.inner.stat(key);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  compose(key: string, parts: readonly string[]) {
    return this.inner.compose(key, parts);
  }
  signDownload(key: string, ttlSeconds: number) {
    return this.inner.signDownload(key, ttlSeconds);
  }
}
