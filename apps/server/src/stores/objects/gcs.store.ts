import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@ballast/core";
import { type Bucket, type File, Storage } from "@google-cloud/storage";
import { type CorsCheck, gcsCorsFix, judgeCors } from "./bucket-cors.ts";
import {
  type BucketStore,
  checkDigest,
  fixedChunks,
  hashStream,
  isSafeObjectKey,
  type PutOptions,
  type SignedRequest,
  type StoredObject,
  storedObject,
} from "./object-store.ts";

const MIB = 1024 * 1024;
/** V4 signed URLs are valid for at most 7 days. */
const MAX_SIGNED_SECONDS = 7 * 24 * 3600;
/** The most source objects one compose request takes. */
const MAX_COMPOSE_SOURCES = 32;

export interface GcsObjectStoreOptions {
  readonly bucket: string;
  /** Keys live under `<prefix>/` (no leading or trailing slash); "" for the bucket's root. */
  readonly prefix?: string | undefined;
  /**
   * An emulator's or private endpoint's URL (`http://host:port`); undefined for Google's own.
   * Requests to it carry no credentials (as the Google client does for custom endpoints); signed
   * URLs point at it.
   */
  readonly endpoint?: string | undefined;
  /** Bodies above this go up as one resumable upload instead of one request. Default 16 MiB. */
  readonly singleRequestBytes?: number | undefined;
}

/**
 * Objects in a Google Cloud Storage bucket. Credentials come from Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, or Workload Identity on GKE); clients upload and download
 * through V4 signed URLs, signed with the service account's key or, without one, through IAM's
 * signBlob (W&B's documented `iam.serviceAccounts.signBlob` permission). Every write declares the
 * MD5 it must have, and GCS refuses a body that does not match it, so a failed or refused write
 * leaves the previous object in place. Faults are translated like S3's: transient ones to
 * UNAVAILABLE, anything else to INTERNAL naming the HTTP status and reason only.
 */
export class GcsObjectStore implements BucketStore {
  readonly recordsUploads = false;
  readonly description: string;
  private readonly storage: Storage;
  private readonly bucket: Bucket;
  private readonly prefix: string;
  private readonly singleRequestBytes: number;
  /** The JSON API's base URL, for downloads made without the client's stream layer. */
  private readonly apiBase: string;
  /** Requests carry credentials only to Google's own endpoint, as the Google client does. */
  private readonly authenticated: boolean;

  constructor(options: GcsObjectStoreOptions) {
    this.description = `the GCS bucket ${options.bucket}`;
    this.prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    this.singleRequestBytes = options.singleRequestBytes ?? 16 * MIB;
    this.apiBase = (options.endpoint ?? "https://storage.googleapis.com").replace(/\/+$/, "");
    this.authenticated = options.endpoint === undefined;
    this.storage = new Storage({
      ...(options.endpoint !== undefined ? { apiEndpoint: options.endpoint } : {}),
      retryOptions: { autoRetry: true, maxRetries: 2, maxRetryDelay: 2, totalTimeout: 60 },
    });
    this.bucket = this.storage.bucket(options.bucket);
  }

  close(): void {
    // Nothing of this store's own to release: its requests go through the client's shared agent.
  }

  /** Lists at most one object: the bucket exists and the credentials may read it. */
  async checkBucket(signal: AbortSignal): Promise<void> {
    await this.send("reach the bucket", () =>
      abortable(signal, this.bucket.getFiles({ maxResults: 1, autoPaginate: false })),
    );
  }

  /** The bucket's CORS configuration judged for the web UI on `origin`. */
  async checkCors(origin: string, signal: AbortSignal): Promise<CorsCheck> {
    try {
      const [metadata] = await abortable(signal, this.bucket.getMetadata());
      const rules = (metadata.cors ?? []).map((rule) => {
        const headers = (rule.responseHeader ?? []).map((header) => header.toLowerCase());
        return {
          AllowedOrigins: rule.origin ?? [],
          AllowedMethods: rule.method ?? [],
          // GCS answers a preflight for the headers in responseHeader; the UI's uploads send
          // Content-Type, so that (or `*`) is what "any header" means here.
          AllowedHeaders: headers.includes("*") || headers.includes("content-type") ? ["*"] : [],
        };
      });
      return judgeCors(rules, this.bucket.name, origin, gcsCorsFix);
    } catch (error) {
      return { status: "unknown", reason: `the bucket's CORS rules could not be read (${reasonOf(error)})` };
    }
  }

  private objectName(key: string): string {
    if (!isSafeObjectKey(key)) throw new AppError("INVALID_PATH", "Invalid object key.");
    return this.prefix === "" ? key : `${this.prefix}/${key}`;
  }

  private file(key: string): File {
    return this.bucket.file(this.objectName(key));
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const file = this.file(key);
    const chunks = fixedChunks(body, this.singleRequestBytes);
    const first = await chunks.next();
    const second = first.done ? first : await chunks.next();
    if (second.done) {
      const buffer = first.done ? Buffer.alloc(0) : first.value;
      const stored = storedObject(createHash("md5").update(buffer), buffer.length);
      checkDigest(stored, options.expectedMd5Base64);
      // The declared MD5 makes GCS check the bytes it received.
      await this.send("store an object", () =>
        file.save(buffer, { resumable: false, validation: false, metadata: { md5Hash: stored.md5Base64 } }),
      );
      return stored;
    }
    // A resumable upload creates the object only when its last byte arrives: a body that fails
    // midway, or whose digest is wrong, leaves no object (and the previous one, if any, in place).
    const md5 = createHash("md5");
    let size = 0;
    const upload = file.createWriteStream({
      resumable: true,
      validation: false,
      ...(options.expectedMd5Base64 !== undefined
        ? { metadata: { md5Hash: options.expectedMd5Base64 } }
        : {}),
    });
    const source = async function* () {
      for (const chunk of [first.value as Buffer, second.value]) {
        md5.update(chunk);
        size += chunk.length;
        yield chunk;
      }
      for await (const chunk of chunks) {
        md5.update(chunk);
        size += chunk.length;
        yield chunk;
      }
      // Checked before the stream ends, so a mismatch never completes the upload.
      checkDigest(storedObject(md5.copy(), size), options.expectedMd5Base64);
    };
    try {
      await pipeline(Readable.from(source()), upload);
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (!isGoogleError(error)) throw error; // the body failed: the caller's error, unchanged
      throw translateGcs(error, "store an object");
    }
    return storedObject(md5, size);
  }

  async get(key: string, range?: { start: number; end: number }) {
    const answer = await this.download(this.objectName(key), "read an object", range);
    if (!answer) return undefined;
    const total = range
      ? /\/(\d+)$/.exec(answer.headers.get("content-range") ?? "")?.[1]
      : answer.headers.get("content-length");
    return { body: answer.body, size: Number(total ?? 0) };
  }

  /**
   * A media GET on the JSON API, streamed with fetch: the Google client's own read streams add
   * listeners per chunk and warn on large objects. Undefined when the object does not exist.
   */
  private async download(
    name: string,
    action: string,
    range?: { start: number; end: number },
  ): Promise<{ body: Readable; headers: Headers } | undefined> {
    const url = `${this.apiBase}/storage/v1/b/${encodeURIComponent(this.bucket.name)}/o/${encodeURIComponent(name)}?alt=media`;
    const headers = new Headers(
      this.authenticated ? await this.send(action, () => this.storage.authClient.getRequestHeaders(url)) : {},
    );
    if (range) headers.set("range", `bytes=${range.start}-${range.end}`);
    const answer = await this.send(action, () => fetch(url, { headers }));
    if (answer.status === 404) {
      await answer.body?.cancel();
      return undefined;
    }
    if (!answer.ok || answer.body === null) {
      await answer.body?.cancel();
      throw translateGcs({ code: answer.status }, action);
    }
    return {
      body: Readable.fromWeb(answer.body as import("node:stream/web").ReadableStream),
      headers: answer.headers,
    };
  }

  /** GCS computes the MD5 of every object it stores whole; a composed object has none, and is hashed. */
  async describe(key: string): Promise<StoredObject | undefined> {
    const file = this.file(key);
    const metadata = await this.sendOrAbsent("look up an object", () => file.getMetadata());
    if (!metadata) return undefined;
    const { md5Hash, size } = metadata[0];
    if (typeof md5Hash === "string" && md5Hash !== "") {
      return {
        size: Number(size ?? 0),
        md5Base64: md5Hash,
        md5Hex: Buffer.from(md5Hash, "base64").toString("hex"),
      };
    }
    const object = await this.get(key);
    return object && hashStream(object.body);
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    const file = this.file(key);
    const metadata = await this.sendOrAbsent("look up an object", () => file.getMetadata());
    return metadata && { size: Number(metadata[0].size ?? 0) };
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await this.send("delete an object", () => file.delete({ ignoreNotFound: true }));
  }

  /**
   * Joins the parts inside the bucket (compose, up to 32 at once) while reading them once for the
   * whole object's MD5, which GCS does not compute for composed objects; more parts than one
   * compose takes are streamed into one resumable upload instead.
   */
  async compose(key: string, parts: readonly string[]): Promise<StoredObject> {
    const target = this.file(key);
    const sources = parts.map((part) => this.file(part));
    for (const part of parts) {
      if (!(await this.stat(part))) throw new AppError("OBJECT_NOT_FOUND", "A part to join does not exist.");
    }
    const md5 = createHash("md5");
    let size = 0;
    const read = async function* (store: GcsObjectStore) {
      for (const source of sources) {
        const answer = await store.download(source.name, "read a part");
        if (!answer) throw new AppError("OBJECT_NOT_FOUND", "A part to join does not exist.");
        for await (const chunk of answer.body) {
          md5.update(chunk as Buffer);
          size += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      }
    };
    try {
      if (sources.length <= MAX_COMPOSE_SOURCES) {
        const hashing = (async () => {
          for await (const _ of read(this)) {
            // hashed as it goes
          }
        })();
        await Promise.all([hashing, this.send("join parts", () => this.bucket.combine(sources, target))]);
      } else {
        await pipeline(
          Readable.from(read(this)),
          target.createWriteStream({ resumable: true, validation: false }),
        );
      }
    } catch (error) {
      throw translateGcs(error, "join parts");
    }
    await Promise.all(parts.map((part) => this.delete(part)));
    return storedObject(md5, size);
  }

  async signUpload(key: string, ttlSeconds: number): Promise<SignedRequest> {
    const file = this.file(key);
    const [url] = await this.send("sign an upload", () =>
      file.getSignedUrl({ version: "v4", action: "write", expires: expiry(ttlSeconds) }),
    );
    return { url, headers: [] };
  }

  async signDownload(key: string, ttlSeconds: number): Promise<string> {
    const file = this.file(key);
    const [url] = await this.send("sign a download", () =>
      file.getSignedUrl({ version: "v4", action: "read", expires: expiry(ttlSeconds) }),
    );
    return url;
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateGcs(error, action);
    }
  }

  /** Like send, but undefined when GCS says the object does not exist. */
  private async sendOrAbsent<T>(action: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw translateGcs(error, action);
    }
  }
}

function expiry(ttlSeconds: number): number {
  return Date.now() + Math.max(1, Math.min(Math.floor(ttlSeconds), MAX_SIGNED_SECONDS)) * 1000;
}

/** Rejects with the signal's reason once it aborts (the Google client takes no signal). */
function abortable<T>(signal: AbortSignal, promise: Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}

interface GoogleErrorShape {
  readonly code?: unknown;
  readonly status?: unknown;
  readonly errors?: readonly { readonly reason?: unknown }[];
  readonly response?: { readonly status?: unknown };
}

function statusOf(error: unknown): number | undefined {
  const google = (typeof error === "object" && error !== null ? error : {}) as GoogleErrorShape;
  for (const value of [google.code, google.status, google.response?.status]) {
    if (typeof value === "number" && value >= 100 && value < 600) return value;
  }
  return undefined;
}

/** GCS's reason (`forbidden`, `notFound`) or a network error's code; never the message. */
function reasonOf(error: unknown): string {
  const google = (typeof error === "object" && error !== null ? error : {}) as GoogleErrorShape;
  const reason = google.errors?.[0]?.reason ?? (typeof google.code === "string" ? google.code : undefined);
  return typeof reason === "string" && /^[A-Za-z0-9_.]{1,60}$/.test(reason) ? reason : "Error";
}

/** An error from the Google client (an HTTP answer, or no answer), not from the body being sent. */
function isGoogleError(error: unknown): boolean {
  const google = (typeof error === "object" && error !== null ? error : {}) as GoogleErrorShape;
  return statusOf(error) !== undefined || google.errors !== undefined || typeof google.code === "string";
}

/** A GCS fault as an AppError, naming only the action, the HTTP status and GCS's reason. */
export function translateGcs(error: unknown, action: string): AppError {
  if (error instanceof AppError) return error;
  const status = statusOf(error);
  const reason = reasonOf(error);
  const transient =
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    status === 408 ||
    reason === "rateLimitExceeded" ||
    reason === "backendError";
  if (transient) {
    return new AppError("UNAVAILABLE", `Object storage is unavailable (could not ${action}); try again.`, {
      gcsReason: reason,
      ...(status !== undefined ? { gcsStatus: status } : {}),
    });
  }
  return new AppError(
    "INTERNAL",
    `Object storage refused to ${action} (${reason}, HTTP ${status}); check the bucket, its IAM bindings and the service account.`,
    { gcsReason: reason, gcsStatus: status },
  );
}
