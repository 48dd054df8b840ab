/**
 * The internal queue's store (`BUCKET_QUEUE=internal://`, DESIGN.md "Around them"): background jobs
 * kept in the metadata database, so nothing is lost on restart, and shared by every replica — a job is
 * leased to one worker at a time and comes back when a worker dies holding it. Also the dead-letter
 * record for queue messages that could not be processed. Times are Unix milliseconds.
 */

export interface JobRecord {
  readonly id: number;
  /** What the job does (the worker's dispatch key), e.g. `confirm-upload`. */
  readonly kind: string;
  /** What it is about; (kind, key) is unique, so enqueueing the same work twice makes one job. */
  readonly key: string;
  /** JSON text with the job's parameters. */
  readonly payload: string;
  readonly attempts: number;
  readonly runAt: number;
  readonly createdAt: number;
}

export interface DeadLetterRecord {
  readonly id: number;
  /** Where the message came from: `sqs`, or a job kind. */
  readonly source: string;
  readonly body: string;
  readonly error: string;
  readonly createdAt: number;
}

export interface JobRepository {
  /**
   * Adds the job unless one with the same kind and key exists; then the existing one is kept and runs
   * no later than `runAt`. Returns true when a new job was added.
   */
  enqueue(job: { kind: string; key: string; payload: string; runAt: number; now: number }): Promise<boolean>;
  /**
   * Leases up to `limit` jobs that are due (runAt ≤ now) and not leased, oldest due first, until
   * `now + leaseMs`: no other worker gets them until then. Each lease counts as an attempt.
   */
  claim(now: number, limit: number, leaseMs: number): Promise<JobRecord[]>;
  /** Removes a finished job. */
  complete(id: number): Promise<void>;
  /** Releases a leased job to run again at `runAt`, noting why. */
  retry(id: number, runAt: number, error: string): Promise<void>;
  /** Jobs waiting (leased or not), and how many of them are due at `now`. */
  depth(now: number): Promise<{ total: number; due: number }>;
  deadLetter(letter: { source: string; body: string; error: string; now: number }): Promise<void>;
  deadLetters(afterId: number, limit: number): Promise<DeadLetterRecord[]>;
}
