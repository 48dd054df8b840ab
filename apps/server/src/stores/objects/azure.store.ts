import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  BlobSASPermissions,
  BlobServiceClient,
  type BlockBlobClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-blob";
import { AppError } from "@ballast/core";
import { azureCorsFix, type CorsCheck, fromAzureRules, judgeCors } from "./bucket-cors.ts";
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
/** Signed URLs are kept as short-lived as S3's longest (7 days), whatever the caller asks. */
const MAX_SAS_SECONDS = 7 * 24 * 3600;

export interface AzureObjectStoreOptions {
  readonly account: string;
  /** The storage account's access key (base64): it signs every request and every SAS URL. */
  readonly accountKey: string;
  readonly container: string;
  /** Keys live under `<prefix>/` (no leading or trailing slash); "" for the container's root. */
  readonly prefix?: string | undefined;
  /** The Blob service URL, account included (see AzureBucketSettings.endpoint). */
  readonly endpoint: string;
  /** Bodies above this are staged as blocks of this size and committed at the end. Default 16 MiB. */
  readonly blockSizeBytes?: number | undefined;
}

/**
 * Objects in an Azure Blob Storage container, as block blobs. Clients upload and download through
 * SAS URLs signed with the account key (the W&B clients recognise Azure by the `x-ms-blob-type`
 * upload header and use Azure's block protocol); the server streams only what it must. Large
 * bodies are staged as blocks and committed only once the whole body matched its digest, so a
 * failed or refused write leaves the previous blob in place. Faults are translated like S3's:
 * transient ones to UNAVAILABLE, anything else to INTERNAL naming Azure's error code only.
 */
export class AzureObjectStore implements BucketStore {
  readonly recordsUploads = false;
  readonly description: string;
  private readonly credential: StorageSharedKeyCredential;
  private readonly service: BlobServiceClient;
  private readonly container: ContainerClient;
  private readonly account: string;
  private readonly prefix: string;
  private readonly blockSize: number;

  constructor(options: AzureObjectStoreOptions) {
    const blockSize = options.blockSizeBytes ?? 16 * MIB;
    if (!Number.isSafeInteger(blockSize) || blockSize < 1 || blockSize > 4000 * MIB) {
      throw new Error("blockSizeBytes must be between 1 byte and 4000 MiB (Azure's largest block)");
    }
    this.account = options.account;
    this.description = `the Azure container ${options.account}/${options.container}`;
    this.prefix = (options.prefix ?? "").replace(/^\/+|\/+$/g, "");
    this.blockSize = blockSize;
    this.credential = new StorageSharedKeyCredential(options.account, options.accountKey);
    this.service = new BlobServiceClient(options.endpoint, this.credential, {
      retryOptions: { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
    });
    this.container = this.service.getContainerClient(options.container);
  }

  close(): void {
    // Nothing of this store's own to release: its requests go through the SDK's shared HTTP client.
  }

  /** The container exists and the account key is accepted. */
  async checkBucket(signal: AbortSignal): Promise<void> {
    await this.send("reach the container", () => this.container.getProperties({ abortSignal: signal }));
  }

  /** The Blob service's CORS rules (account-wide in Azure) judged for the web UI on `origin`. */
  async checkCors(origin: string, signal: AbortSignal): Promise<CorsCheck> {
    try {
      const properties = await this.service.getProperties({ abortSignal: signal });
      return judgeCors(fromAzureRules(properties.cors ?? []), this.account, origin, azureCorsFix);
    } catch (error) {
      return {
        status: "unknown",
        reason: `the Blob service's CORS rules could not be read (${errorCode(error)})`,
      };
    }
  }

  private blobName(key: string): string {
    if (!isSafeObjectKey(key)) throw new AppError("INVALID_PATH", "Invalid object key.");
    return this.prefix === "" ? key : `${this.prefix}/${key}`;
  }

  private blob(key: string): BlockBlobClient {
    return this.container.getBlockBlobClient(this.blobName(key));
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const blob = this.blob(key);
    const chunks = fixedChunks(body, this.blockSize);
    const first = await chunks.next();
    const second = first.done ? first : await chunks.next();
    if (second.done) {
      const buffer = first.done ? Buffer.alloc(0) : first.value;
      const digest = createHash("md5").update(buffer).digest();
      const stored = storedObject(createHash("md5").update(buffer), buffer.length);
      checkDigest(stored, options.expectedMd5Base64);
      await this.send("store an object", () =>
        blob.upload(buffer, buffer.length, { blobHTTPHeaders: { blobContentMD5: digest } }),
      );
      return stored;
    }
    const staging = new Staging(blob);
    try {
      const md5 = createHash("md5");
      let size = 0;
      const stage = async (chunk: Buffer) => {
        md5.update(chunk);
        size += chunk.length;
        await this.send("upload a block", () => staging.stage(chunk));
      };
      await stage(first.value as Buffer);
      await stage(second.value);
      for await (const chunk of chunks) await stage(chunk);
      const stored = storedObject(md5, size);
      checkDigest(stored, options.expectedMd5Base64);
      await this.send("commit an object", () => staging.commit(stored));
      return stored;
    } catch (error) {
      await staging.discard();
      throw error;
    }
  }

  async get(key: string, range?: { start: number; end: number }) {
    const blob = this.blob(key);
    const answer = await this.sendOrAbsent("read an object", () =>
      range ? blob.download(range.start, range.end - range.start + 1) : blob.download(),
    );
    if (!answer) return undefined;
    const stream = answer.readableStreamBody;
    if (!stream) throw new AppError("INTERNAL", "Object storage returned no body.");
    const body = stream instanceof Readable ? stream : Readable.from(stream);
    const total = range ? /\/(\d+)$/.exec(answer.contentRange ?? "")?.[1] : answer.contentLength;
    return { body, size: Number(total ?? 0) };
  }

  /**
   * Hashes the blob. Azure's stored Content-MD5 is not trusted: for blobs committed from blocks it
   * is whatever the uploading client declared, never checked against the bytes.
   */
  async describe(key: string): Promise<StoredObject | undefined> {
    const object = await this.get(key);
    return object && hashStream(object.body);
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    const blob = this.blob(key);
    const answer = await this.sendOrAbsent("look up an object", () => blob.getProperties());
    return answer && { size: answer.contentLength ?? 0 };
  }

  async delete(key: string): Promise<void> {
    const blob = this.blob(key);
    await this.send("delete an object", () => blob.deleteIfExists());
  }

  /**
   * Joins the parts by reading each once (the caller needs the whole object's MD5, which Azure
   * does not compute for committed blocks) and staging its bytes as blocks of the target blob; the
   * blob appears only at the commit, after every part was read whole.
   */
  async compose(key: string, parts: readonly string[]): Promise<StoredObject> {
    const target = this.blob(key);
    const sources = parts.map((part) => this.blob(part));
    for (const part of parts) {
      if (!(await this.stat(part))) throw new AppError("OBJECT_NOT_FOUND", "A part to join does not exist.");
    }
    const staging = new Staging(target);
    let stored: StoredObject;
    try {
      const md5 = createHash("md5");
      let size = 0;
      for (const source of sources) {
        const answer = await this.send("read a part", () => source.download());
        const stream = answer.readableStreamBody;
        if (!stream) throw new AppError("INTERNAL", "Object storage returned no body.");
        for await (const chunk of fixedChunks(stream as AsyncIterable<Buffer>, this.blockSize)) {
          md5.update(chunk);
          size += chunk.length;
          await this.send("upload a block", () => staging.stage(chunk));
        }
      }
      stored = storedObject(md5, size);
      await this.send("commit an object", () => staging.commit(stored));
    } catch (error) {
      await staging.discard();
      throw error;
    }
    await Promise.all(parts.map((part) => this.delete(part)));
    return stored;
  }

  /**
   * A SAS URL allowing create and write on this one blob until it expires. The `x-ms-blob-type`
   * header is what tells the W&B clients to upload with Azure's protocol (Put Blob, or blocks and a
   * block list for large files).
   */
  async signUpload(key: string, ttlSeconds: number): Promise<SignedRequest> {
    const blob = this.blob(key);
    return { url: this.sign(blob, "cw", ttlSeconds), headers: ["x-ms-blob-type:BlockBlob"] };
  }

  async signDownload(key: string, ttlSeconds: number): Promise<string> {
    return this.sign(this.blob(key), "r", ttlSeconds);
  }

  private sign(blob: BlockBlobClient, permissions: string, ttlSeconds: number): string {
    const seconds = Math.max(1, Math.min(Math.floor(ttlSeconds), MAX_SAS_SECONDS));
    const sas = generateBlobSASQueryParameters(
      {
        containerName: blob.containerName,
        blobName: blob.name,
        permissions: BlobSASPermissions.parse(permissions),
        expiresOn: new Date(Date.now() + seconds * 1000),
      },
      this.credential,
    );
    return `${blob.url}?${sas.toString()}`;
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateAzure(error, action);
    }
  }

  /** Like send, but undefined when Azure says the blob does not exist (not the container). */
  private async sendOrAbsent<T>(action: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (errorCode(error) === "BlobNotFound") return undefined;
      throw translateAzure(error, action);
    }
  }
}

/**
 * Blocks staged for one blob by one write. Their ids carry a random nonce, so concurrent writers
 * of the same name never commit each other's blocks.
 */
class Staging {
  private readonly nonce = randomBytes(6).toString("hex");
  private readonly ids: string[] = [];
  private readonly blob: BlockBlobClient;

  constructor(blob: BlockBlobClient) {
    this.blob = blob;
  }

  async stage(chunk: Buffer): Promise<void> {
    // Every id of a blob must have the same length: a fixed-width index after the nonce.
    const id = Buffer.from(`${this.nonce}-${String(this.ids.length).padStart(6, "0")}`).toString("base64");
    await this.blob.stageBlock(id, chunk, chunk.length, {
      transactionalContentMD5: createHash("md5").update(chunk).digest(),
    });
    this.ids.push(id);
  }

  async commit(stored: StoredObject): Promise<void> {
    await this.blob.commitBlockList(this.ids, {
      blobHTTPHeaders: { blobContentMD5: Buffer.from(stored.md5Base64, "base64") },
    });
  }

  /**
   * Best effort: staged blocks are invisible to every read. Where no blob of that name exists they
   * would still show in listings of uncommitted blobs for a week, so an empty blob is committed
   * (only if none appeared meanwhile) and deleted, which drops them; next to an existing blob they
   * are dropped by its next commit or by Azure after 7 days.
   */
  async discard(): Promise<void> {
    if (this.ids.length === 0) return;
    try {
      const created = await this.blob.commitBlockList([], { conditions: { ifNoneMatch: "*" } });
      if (created.etag !== undefined) await this.blob.delete({ conditions: { ifMatch: created.etag } });
    } catch {
      // A blob exists (the condition failed) or Azure is away: the blocks expire by themselves.
    }
  }
}

interface RestErrorShape {
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly details?: { readonly errorCode?: unknown };
}

/** Azure's error code (never the message: it can echo the request, the SAS signature included). */
function errorCode(error: unknown): string {
  const rest = (typeof error === "object" && error !== null ? error : {}) as RestErrorShape;
  const code = rest.details?.errorCode ?? rest.code;
  return typeof code === "string" && /^[A-Za-z0-9_.]{1,60}$/.test(code) ? code : "Error";
}

/** Azure error codes that mean "slow down or try again", whatever the HTTP status says. */
const TRANSIENT_CODES = new Set([
  "ServerBusy",
  "OperationTimedOut",
  "InternalError",
  "REQUEST_SEND_ERROR",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
]);

/** An Azure fault as an AppError, naming only the action, Azure's error code and the HTTP status. */
export function translateAzure(error: unknown, action: string): AppError {
  if (error instanceof AppError) return error;
  const rest = (typeof error === "object" && error !== null ? error : {}) as RestErrorShape;
  const status = typeof rest.statusCode === "number" ? rest.statusCode : undefined;
  const code = errorCode(error);
  const transient =
    status === undefined || status >= 500 || status === 429 || status === 408 || TRANSIENT_CODES.has(code);
  if (transient) {
    return new AppError("UNAVAILABLE", `Object storage is unavailable (could not ${action}); try again.`, {
      azureCode: code,
      ...(status !== undefined ? { azureStatus: status } : {}),
    });
  }
  return new AppError(
    "INTERNAL",
    `Object storage refused to ${action} (${code}, HTTP ${status}); check the storage account, the container and AZURE_STORAGE_KEY.`,
    { azureCode: code, azureStatus: status },
  );
}
