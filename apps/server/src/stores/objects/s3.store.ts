import { createHash, type Hash } from "node:crypto";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AppError } from "@ballast/core";
import { type CorsCheck, judgeCors } from "./bucket-cors.ts";
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
/** S3's floor for every part of a multipart upload but the last. */
export const S3_MIN_PART_BYTES = 5 * MIB;
/** The largest source UploadPartCopy accepts in one part. */
const MAX_COPY_PART_BYTES = 5 * 1024 * MIB;
/** SigV4 presigned URLs are valid for at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  /** Keys live under `<prefix>/` (no leading or trailing slash); "" for the bucket's root. */
  readonly prefix?: string | undefined;
  readonly region: string;
  /** A custom endpoint (MinIO, Ceph, …), addressed path-style; undefined for AWS's own. */
  readonly endpoint?: string | undefined;
  /** Explicit keys (from `BUCKET=s3://key:secret@…`); undefined uses the SDK's default chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** When set, every write asks for SSE-KMS with this key. */
  readonly kmsKeyId?: string | undefined;
  /** Bodies above this go up as multipart uploads of parts this big (≥ 5 MiB). Default 16 MiB. */
  readonly partSizeBytes?: number | undefined;
}

/**
 * Objects in an S3 bucket (AWS, or any S3-compatible store with a custom endpoint). Uploads and
 * downloads by clients go straight to the bucket through presigned URLs; the server itself streams
 * only what it must (put from its own handlers, get for previews, compose for multipart artifacts).
 * Every S3 fault is translated: transient ones (5xx, throttling, no answer) to UNAVAILABLE, so the
 * W&B client retries; anything else to INTERNAL, naming the S3 error code but never a credential.
 */
export class S3ObjectStore implements BucketStore {
  readonly recordsUploads = false;
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly kmsKeyId: string | undefined;
  private readonly partSize: number;

  constructor(options: S3ObjectStoreOptions) {
    const partSize = options.partSizeBytes ?? 16 * MIB;
    if (!Number.isSafeInteger(partSize) || partSize < S3_MIN_PART_BYTES) {
      throw new Error(`partSizeBytes must be at least ${S3_MIN_PART_BYTES} (S3's minimum part size)`);
    }
    this.bucket = options.bucket;
    this.description = `the S3 bucket ${options.bucket}`;
    this.prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    this.kmsKeyId = options.kmsKeyId;
    this.partSize = partSize;
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials !== undefined ? { credentials: { ...options.credentials } } : {}),
      // Checksums only where S3 demands them: the default CRC32 trailers would otherwise be signed
      // into presigned URLs (which the W&B client cannot satisfy) and are not understood everywhere.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 5_000 },
    });
  }

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }

  /** HeadBucket: the bucket exists and these credentials may use it (for /readyz). */
  async checkBucket(signal: AbortSignal): Promise<void> {
    await this.send("reach the bucket", () =>
      this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal }),
    );
  }

  /**
   * The bucket's CORS rules judged for the web UI on `origin` (bucket-cors.ts). Rules that cannot
   * be read — no s3:GetBucketCORS permission, or a store without the CORS API — are "unknown",
   * named by the error code only.
   */
  async checkCors(origin: string, signal: AbortSignal): Promise<CorsCheck> {
    try {
      const answer = await this.client.send(new GetBucketCorsCommand({ Bucket: this.bucket }), {
        abortSignal: signal,
      });
      return judgeCors(answer.CORSRules ?? [], this.bucket, origin);
    } catch (error) {
      const code = errorCode(error);
      if (code === "NoSuchCORSConfiguration") return judgeCors([], this.bucket, origin);
      return { status: "unknown", reason: `the bucket's CORS rules could not be read (${code})` };
    }
  }

  private objectKey(key: string): string {
    if (!isSafeObjectKey(key)) throw new AppError("INVALID_PATH", "Invalid object key.");
    return this.prefix === "" ? key : `${this.prefix}/${key}`;
  }

  private encryption() {
    return this.kmsKeyId === undefined
      ? {}
      : { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: this.kmsKeyId };
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const target = this.objectKey(key);
    const chunks = fixedChunks(body, this.partSize);
    const first = await chunks.next();
    const second = first.done ? first : await chunks.next();
    if (second.done) {
      const buffer = first.done ? Buffer.alloc(0) : first.value;
      const stored = storedObject(createHash("md5").update(buffer), buffer.length);
      checkDigest(stored, options.expectedMd5Base64);
      await this.send("store an object", () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: target,
            Body: buffer,
            ContentLength: buffer.length,
            ContentMD5: stored.md5Base64,
            ...this.encryption(),
          }),
        ),
      );
      return stored;
    }
    // Two parts or more: a multipart upload, completed only once the whole body matched its digest,
    // so a failed or refused upload leaves the previous object (if any) in place.
    const uploadId = await this.createMultipart(target);
    try {
      const md5 = createHash("md5");
      let size = 0;
      const parts: CompletedPart[] = [];
      const upload = async (chunk: Buffer) => {
        md5.update(chunk);
        size += chunk.length;
        parts.push(await this.uploadPart(target, uploadId, parts.length + 1, chunk));
      };
      await upload(first.value as Buffer);
      await upload(second.value);
      for await (const chunk of chunks) await upload(chunk);
      const stored = storedObject(md5, size);
      checkDigest(stored, options.expectedMd5Base64);
      await this.completeMultipart(target, uploadId, parts);
      return stored;
    } catch (error) {
      await this.abortMultipart(target, uploadId);
      throw error;
    }
  }

  async get(key: string, range?: { start: number; end: number }) {
    const target = this.objectKey(key);
    const answer = await this.sendOrAbsent("read an object", () =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: target,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      ),
    );
    if (!answer) return undefined;
    const body = answer.Body;
    if (!(body instanceof Readable)) throw new AppError("INTERNAL", "Object storage returned no body.");
    const total = range ? /\/(\d+)$/.exec(answer.ContentRange ?? "")?.[1] : answer.ContentLength;
    return { body, size: Number(total ?? 0) };
  }

  /**
   * HeadObject; the ETag is the MD5 only for a single-part upload without SSE-KMS (S3's rule), so
   * otherwise the object is read once to hash it.
   */
  async describe(key: string): Promise<StoredObject | undefined> {
    const target = this.objectKey(key);
    const head = await this.sendOrAbsent("look up an object", () =>
      this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: target })),
    );
    if (!head) return undefined;
    const etag = /^"?([0-9a-f]{32})"?$/.exec(head.ETag ?? "")?.[1];
    if (etag !== undefined && head.ServerSideEncryption !== "aws:kms" && head.SSEKMSKeyId === undefined) {
      return {
        size: head.ContentLength ?? 0,
        md5Hex: etag,
        md5Base64: Buffer.from(etag, "hex").toString("base64"),
      };
    }
    const object = await this.get(key);
    return object && hashStream(object.body);
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    const target = this.objectKey(key);
    const answer = await this.sendOrAbsent("look up an object", () =>
      this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: target })),
    );
    return answer && { size: answer.ContentLength ?? 0 };
  }

  async delete(key: string): Promise<void> {
    const target = this.objectKey(key);
    await this.send("delete an object", () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: target })),
    );
  }

  /**
   * Joins the parts with one multipart upload. A part that starts on a part boundary and is at least
   * 5 MiB is copied inside the bucket (UploadPartCopy); smaller parts (S3 refuses any part under
   * 5 MiB but the last) are downloaded and packed together into uploaded parts of at least 5 MiB.
   * Every part is read once either way, because the caller needs the whole object's MD5, which S3
   * does not compute for multipart objects.
   */
  async compose(key: string, parts: readonly string[]): Promise<StoredObject> {
    const target = this.objectKey(key);
    const sources = parts.map((part) => this.objectKey(part));
    const sizes: number[] = [];
    for (const part of parts) {
      const info = await this.stat(part);
      if (!info) throw new AppError("OBJECT_NOT_FOUND", "A part to join does not exist.");
      sizes.push(info.size);
    }
    const total = sizes.reduce((sum, size) => sum + size, 0);
    if (total < S3_MIN_PART_BYTES) {
      // Small enough for one PutObject; also the only way to make an empty object.
      const stored = await this.put(key, Readable.from(this.concatenated(sources)));
      await this.deleteParts(parts);
      return stored;
    }
    const uploadId = await this.createMultipart(target);
    const md5 = createHash("md5");
    try {
      const completed: CompletedPart[] = [];
      let pending: Buffer[] = [];
      let pendingSize = 0;
      const flush = async () => {
        if (pendingSize === 0) return;
        const buffer = Buffer.concat(pending, pendingSize);
        pending = [];
        pendingSize = 0;
        completed.push(await this.uploadPart(target, uploadId, completed.length + 1, buffer));
      };
      for (const [index, source] of sources.entries()) {
        const size = sizes[index] ?? 0;
        if (pendingSize === 0 && size >= S3_MIN_PART_BYTES && size <= MAX_COPY_PART_BYTES) {
          const [part] = await Promise.all([
            this.copyPart(target, uploadId, completed.length + 1, source),
            this.hashObject(source, md5),
          ]);
          completed.push(part);
          continue;
        }
        for await (const chunk of await this.readObject(source)) {
          md5.update(chunk);
          pending.push(chunk);
          pendingSize += chunk.length;
          if (pendingSize >= this.partSize) await flush();
        }
        if (pendingSize >= S3_MIN_PART_BYTES) await flush();
      }
      await flush(); // the last part may be any size
      await this.completeMultipart(target, uploadId, completed);
    } catch (error) {
      await this.abortMultipart(target, uploadId);
      throw error;
    }
    await this.deleteParts(parts);
    return storedObject(md5, total);
  }

  /**
   * A presigned PUT. With a KMS key the SSE headers are signed into the URL, so the client must send
   * them: they are returned as `headers` (the W&B client sends `uploadHeaders` as given).
   */
  async signUpload(key: string, ttlSeconds: number): Promise<SignedRequest> {
    const target = this.objectKey(key);
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: target, ...this.encryption() });
    const url = await this.send("sign an upload", () =>
      getSignedUrl(this.client, command, { expiresIn: presignSeconds(ttlSeconds) }),
    );
    const headers =
      this.kmsKeyId === undefined
        ? []
        : [
            "x-amz-server-side-encryption:aws:kms",
            `x-amz-server-side-encryption-aws-kms-key-id:${this.kmsKeyId}`,
          ];
    return { url, headers };
  }

  async signDownload(key: string, ttlSeconds: number): Promise<string> {
    const target = this.objectKey(key);
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: target });
    return this.send("sign a download", () =>
      getSignedUrl(this.client, command, { expiresIn: presignSeconds(ttlSeconds) }),
    );
  }

  private async createMultipart(target: string): Promise<string> {
    const answer = await this.send("start a multipart upload", () =>
      this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target, ...this.encryption() }),
      ),
    );
    if (!answer.UploadId) throw new AppError("INTERNAL", "Object storage returned no multipart upload id.");
    return answer.UploadId;
  }

  private async uploadPart(
    target: string,
    uploadId: string,
    partNumber: number,
    body: Buffer,
  ): Promise<CompletedPart> {
    const answer = await this.send("upload a part", () =>
      this.client.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: target,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: body,
          ContentLength: body.length,
          ContentMD5: createHash("md5").update(body).digest("base64"),
        }),
      ),
    );
    return { ETag: answer.ETag, PartNumber: partNumber };
  }

  private async copyPart(
    target: string,
    uploadId: string,
    partNumber: number,
    source: string,
  ): Promise<CompletedPart> {
    const answer = await this.send("copy a part", () =>
      this.client.send(
        new UploadPartCopyCommand({
          Bucket: this.bucket,
          Key: target,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: `${this.bucket}/${source.split("/").map(encodeURIComponent).join("/")}`,
        }),
      ),
    );
    return { ETag: answer.CopyPartResult?.ETag, PartNumber: partNumber };
  }

  private async completeMultipart(target: string, uploadId: string, parts: CompletedPart[]): Promise<void> {
    await this.send("complete a multipart upload", () =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: target,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
  }

  /** Best effort: an upload left behind is invisible and expires by the bucket's lifecycle rule. */
  private async abortMultipart(target: string, uploadId: string): Promise<void> {
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId: uploadId }))
      .catch(() => undefined);
  }

  private async readObject(source: string): Promise<AsyncIterable<Buffer>> {
    const answer = await this.send("read a part", () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: source })),
    );
    if (!(answer.Body instanceof Readable))
      throw new AppError("INTERNAL", "Object storage returned no body.");
    return answer.Body;
  }

  private async hashObject(source: string, md5: Hash): Promise<void> {
    for await (const chunk of await this.readObject(source)) md5.update(chunk);
  }

  private async *concatenated(sources: readonly string[]): AsyncGenerator<Buffer> {
    for (const source of sources) yield* await this.readObject(source);
  }

  private async deleteParts(parts: readonly string[]): Promise<void> {
    await Promise.all(parts.map((part) => this.delete(part)));
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translate(error, action);
    }
  }

  /** Like send, but undefined when S3 says the object does not exist. */
  private async sendOrAbsent<T>(action: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw translate(error, action);
    }
  }
}

function presignSeconds(ttlSeconds: number): number {
  return Math.max(1, Math.min(Math.floor(ttlSeconds), MAX_PRESIGN_SECONDS));
}

interface SdkError {
  readonly name?: unknown;
  readonly Code?: unknown;
  readonly code?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** S3's error code (never the message: it can echo request details). */
function errorCode(error: unknown): string {
  const sdk = (typeof error === "object" && error !== null ? error : {}) as SdkError;
  return typeof sdk.Code === "string" ? sdk.Code : typeof sdk.name === "string" ? sdk.name : "Error";
}

function isNotFound(error: unknown): boolean {
  const sdk = error as SdkError;
  return sdk?.$metadata?.httpStatusCode === 404 && (sdk.name === "NoSuchKey" || sdk.name === "NotFound");
}

/** S3 error codes that mean "slow down or try again", whatever the HTTP status says. */
const TRANSIENT_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
  "TimeoutError",
]);

/**
 * An S3 fault as an AppError. Only the action, the S3 error code and the HTTP status are named: SDK
 * messages can echo request details, and credentials must never reach a log or a client.
 */
export function translate(error: unknown, action: string): AppError {
  if (error instanceof AppError) return error;
  const sdk = (typeof error === "object" && error !== null ? error : {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const code = errorCode(error);
  const transient =
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    status === 408 ||
    sdk.$retryable !== undefined ||
    TRANSIENT_CODES.has(code);
  if (transient) {
    return new AppError("UNAVAILABLE", `Object storage is unavailable (could not ${action}); try again.`, {
      s3Code: code,
      ...(status !== undefined ? { s3Status: status } : {}),
    });
  }
  return new AppError(
    "INTERNAL",
    `Object storage refused to ${action} (${code}, HTTP ${status}); check the bucket, its policy, the credentials and the KMS key.`,
    { s3Code: code, s3Status: status },
  );
}
