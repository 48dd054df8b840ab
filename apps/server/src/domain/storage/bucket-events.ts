/**
 * Consumes the bucket's object-created notifications (`BUCKET_QUEUE=sqs://…`): each S3 event names
 * the objects just written; each one that means something is recorded through the upload confirmer,
 * and the message is deleted only after every record it carries is committed. A message that cannot
 * be understood, or that keeps failing, goes to the dead letters (with a log line) and is deleted, so
 * it cannot block the queue; a transient failure leaves it to come back after its visibility timeout.
 *
 * Accepted bodies: S3 event notifications (`{"Records": [{"eventName": "ObjectCreated:Put",
 * "s3": {"bucket": {"name"}, "object": {"key"}}}]}`, keys URL-encoded with `+` for spaces), the same
 * wrapped in an SNS notification (`{"Type": "Notification", "Message": "<the S3 event as text>"}`),
 * and S3's `s3:TestEvent` (acknowledged and dropped).
 */
import type { JobRepository } from "../../stores/job-repository.ts";
import type { QueueMessage } from "../../stores/queue/sqs.queue.ts";
import type { UploadConfirmer } from "./upload-confirmer.ts";

export interface NoticeQueue {
  receive(
    max: number,
    waitSeconds: number,
    visibilitySeconds: number,
    signal?: AbortSignal,
  ): Promise<QueueMessage[]>;
  delete(receiptHandle: string): Promise<void>;
}

export interface BucketEventsOptions {
  readonly queue: NoticeQueue;
  readonly uploads: UploadConfirmer;
  readonly jobs: JobRepository;
  /** The bucket whose notices count, and the key prefix Ballast's objects live under ("" for none). */
  readonly bucket: string;
  readonly prefix: string;
  /** Long-poll wait per receive (SQS allows up to 20 s). */
  readonly waitSeconds?: number;
  /** Receives after which a failing message is dead-lettered. */
  readonly maxReceives?: number;
  readonly log: (line: string) => void;
}

const VISIBILITY_SECONDS = 60;

export class BadNotice extends Error {}

/** The object keys (relative to `prefix`) of the ObjectCreated records in a notification body. */
export function createdKeys(body: string, bucket: string, prefix: string): string[] {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new BadNotice("the message is not JSON");
  }
  const record = event as Record<string, unknown> | null;
  if (record && record.Type === "Notification" && typeof record.Message === "string") {
    return createdKeys(record.Message, bucket, prefix);
  }
  if (record && record.Event === "s3:TestEvent") return [];
  const records = record?.Records;
  if (!Array.isArray(records)) throw new BadNotice("the message has no Records array (not an S3 event)");
  const keys: string[] = [];
  const base = prefix === "" ? "" : `${prefix}/`;
  for (const item of records as Record<string, unknown>[]) {
    const name = String(item?.eventName ?? "");
    if (!/^(s3:)?ObjectCreated:/.test(name)) continue;
    const s3 = item?.s3 as { bucket?: { name?: unknown }; object?: { key?: unknown } } | undefined;
    const key = s3?.object?.key;
    if (typeof key !== "string") throw new BadNotice("an ObjectCreated record has no s3.object.key");
    if (s3?.bucket?.name !== bucket) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(key.replaceAll("+", " "));
    } catch {
      throw new BadNotice("an object key is not URL-encoded");
    }
    if (decoded.startsWith(base)) keys.push(decoded.slice(base.length));
  }
  return keys;
}

export class BucketEventConsumer {
  private readonly options: BucketEventsOptions;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  readonly counts = { messages: 0, recorded: 0, deadLettered: 0, failed: 0 };

  constructor(options: BucketEventsOptions) {
    this.options = options;
  }

  start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    this.loop = (async () => {
      while (!abort.signal.aborted) {
        try {
          await this.pollOnce(abort.signal);
        } catch (error) {
          if (abort.signal.aborted) break;
          this.options.log(`bucket events: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 5_000).unref());
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    this.abort = undefined;
    await this.loop;
  }

  /** One receive and the handling of what it brought. */
  async pollOnce(signal?: AbortSignal): Promise<void> {
    const messages = await this.options.queue.receive(
      10,
      this.options.waitSeconds ?? 20,
      VISIBILITY_SECONDS,
      signal,
    );
    for (const message of messages) await this.handle(message);
  }

  private async handle(message: QueueMessage): Promise<void> {
    const { queue, uploads, log } = this.options;
    this.counts.messages += 1;
    let keys: string[];
    try {
      keys = createdKeys(message.body, this.options.bucket, this.options.prefix);
    } catch (error) {
      if (!(error instanceof BadNotice)) throw error;
      await this.deadLetter(message, error.message);
      return;
    }
    try {
      for (const key of keys) if (await uploads.confirm(key)) this.counts.recorded += 1;
    } catch (error) {
      this.counts.failed += 1;
      if (message.receiveCount >= (this.options.maxReceives ?? 5)) {
        await this.deadLetter(message, `failed ${message.receiveCount} times: ${(error as Error).message}`);
        return;
      }
      // Left undeleted: SQS delivers it again after the visibility timeout.
      log(`bucket events: will retry a message (${(error as Error).message})`);
      return;
    }
    await queue.delete(message.receiptHandle);
  }

  private async deadLetter(message: QueueMessage, reason: string): Promise<void> {
    await this.options.jobs.deadLetter({ source: "sqs", body: message.body, error: reason, now: Date.now() });
    await this.options.queue.delete(message.receiptHandle);
    this.counts.deadLettered += 1;
    this.options.log(`bucket events: dead-lettered a message: ${reason}`);
  }
}
