import { createHash, type Hash } from "node:crypto";
import type { Readable } from "node:stream";
import { AppError } from "@ballast/core";
import type { CorsCheck } from "./bucket-cors.ts";

export interface StoredObject {
  readonly size: number;
  /** Base64 MD5 of the content, the digest W&B manifests use. */
  readonly md5Base64: string;
  readonly md5Hex: string;
}

export interface PutOptions {
  /** Base64 MD5 the body must have (from `Content-MD5` or a content-addressed key); mismatch is refused. */
  readonly expectedMd5Base64?: string | undefined;
}

export interface SignedRequest {
  readonly url: string;
  /** `Name:Value` strings the client must send with the request (W&B `uploadHeaders` format). */
  readonly headers: readonly string[];
}

/**
 * Where run files and artifact contents live. Keys are `/`-separated relative paths checked by
 * `assertSafeObjectKey`. Implementations: local disk (embedded default), S3 and Azure Blob Storage.
 */
export interface ObjectStore {
  /**
   * True when clients' uploads pass through the server (local disk: the /storage handler records each
   * one before answering). False when clients PUT straight to the store (S3 presigned URLs): then
   * uploads are recorded by the object-created notices of the queue (domain/storage/upload-confirmer.ts)
   * and checked with `describe` where a missing record would refuse the client (artifact commit).
   */
  readonly recordsUploads: boolean;
  /** The size and MD5 of a stored object, or undefined when absent. May read the whole object. */
  describe(key: string): Promise<StoredObject | undefined>;
  /** Streams `body` into the object; resolves only once the object is durable. */
  put(key: string, body: Readable, options?: PutOptions): Promise<StoredObject>;
  /** The object's bytes, or undefined when absent. `range` is inclusive, as in HTTP. */
  get(
    key: string,
    range?: { start: number; end: number },
  ): Promise<{ body: Readable; size: number } | undefined>;
  stat(key: string): Promise<{ size: number } | undefined>;
  delete(key: string): Promise<void>;
  /** Joins `parts` in order into `key` (multipart completion) and removes the parts. */
  compose(key: string, parts: readonly string[]): Promise<StoredObject>;
  /** A URL the client may PUT the object's bytes to without other credentials. */
  signUpload(key: string, ttlSeconds: number): Promise<SignedRequest>;
  /** A URL anyone holding it may GET the object from, until it expires. */
  signDownload(key: string, ttlSeconds: number): Promise<string>;
}

/** An ObjectStore in a cloud bucket (S3, Azure Blob Storage), which clients reach through signed URLs. */
export interface BucketStore extends ObjectStore {
  /** What it is, for messages: `the S3 bucket b`, `the Azure container acct/c`. */
  readonly description: string;
  /** Reaches the bucket with the server's credentials, writing nothing (for /readyz). */
  checkBucket(signal: AbortSignal): Promise<void>;
  /** The bucket's CORS rules judged for the web UI on `origin` (bucket-cors.ts). */
  checkCors(origin: string, signal: AbortSignal): Promise<CorsCheck>;
  /** Releases the client's sockets. */
  close(): void;
}

const MAX_KEY_LENGTH = 1024;

/** True for `a/b/c` keys whose segments are plain names: no traversal, no absolute path, no NUL or `\`. */
export function isSafeObjectKey(key: string): boolean {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return false;
  for (const segment of key.split("/")) {
    if (segment === "" || segment === "." || segment === "..") return false;
  }
  return true;
}

/** A StoredObject from a finished MD5 hash of `size` bytes. */
export function storedObject(md5: Hash, size: number): StoredObject {
  const digest = md5.digest();
  return { size, md5Base64: digest.toString("base64"), md5Hex: digest.toString("hex") };
}

/** Refuses (DIGEST_MISMATCH) bytes whose MD5 is not the expected one, when one is expected. */
export function checkDigest(stored: StoredObject, expected: string | undefined): void {
  if (expected !== undefined && expected !== stored.md5Base64) {
    throw new AppError(
      "DIGEST_MISMATCH",
      `The uploaded bytes have MD5 ${stored.md5Base64}, not the expected ${expected}.`,
    );
  }
}

/** Reads a stream to its end and gives its size and MD5. */
export async function hashStream(body: Readable): Promise<StoredObject> {
  const md5 = createHash("md5");
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    md5.update(buffer);
  }
  return storedObject(md5, size);
}

/** Re-cuts a byte stream into buffers of exactly `size` bytes (the last may be shorter, never empty). */
export async function* fixedChunks(
  body: AsyncIterable<Buffer | string>,
  size: number,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  for await (const piece of body) {
    let chunk = typeof piece === "string" ? Buffer.from(piece) : piece;
    while (chunk.length > 0) {
      const take = Math.min(size - pendingSize, chunk.length);
      pending.push(chunk.subarray(0, take));
      pendingSize += take;
      chunk = chunk.subarray(take);
      if (pendingSize === size) {
        yield Buffer.concat(pending, size);
        pending = [];
        pendingSize = 0;
      }
    }
  }
  if (pendingSize > 0) yield Buffer.concat(pending, pendingSize);
}
