import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError } from "@ballast/core";
import {
  checkDigest,
  hashStream,
  isSafeObjectKey,
  type ObjectStore,
  type PutOptions,
  type SignedRequest,
  type StoredObject,
  storedObject,
} from "./object-store.ts";
import type { UrlSigner } from "./url-signer.ts";

/**
 * Objects as files under `<root>/objects/<key>`. Writes go to `<root>/tmp` first and are renamed into
 * place after fsync, so a reader never sees a partial object and an acknowledged one survives a crash.
 */
export class LocalDiskObjectStore implements ObjectStore {
  readonly recordsUploads = true;
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  private readonly signer: UrlSigner;

  constructor(root: string, signer: UrlSigner) {
    this.objectsDir = join(root, "objects");
    this.tmpDir = join(root, "tmp");
    this.signer = signer;
  }

  private pathOf(key: string): string {
    if (!isSafeObjectKey(key)) throw new AppError("INVALID_PATH", "Invalid object key.");
    return join(this.objectsDir, ...key.split("/"));
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObject> {
    const target = this.pathOf(key);
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${randomBytes(12).toString("hex")}.part`);
    const md5 = createHash("md5");
    let size = 0;
    try {
      const out = createWriteStream(tmp, { flags: "wx" });
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            md5.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        out,
      );
      const stored = storedObject(md5, size);
      checkDigest(stored, options.expectedMd5Base64);
      await fsyncPath(tmp);
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
      await fsyncPath(dirname(target));
      return stored;
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: { start: number; end: number }) {
    const info = await this.stat(key);
    if (!info) return undefined;
    const body = createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
    return { body, size: info.size };
  }

  async describe(key: string): Promise<StoredObject | undefined> {
    const info = await this.stat(key);
    if (!info) return undefined;
    return hashStream(createReadStream(this.pathOf(key)));
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async compose(key: string, parts: readonly string[]): Promise<StoredObject> {
    const sources = parts.map((part) => this.pathOf(part));
    async function* concatenated() {
      for (const source of sources) yield* createReadStream(source);
    }
    const stored = await this.put(key, Readable.from(concatenated()));
    await Promise.all(sources.map((source) => rm(source, { force: true })));
    return stored;
  }

  async signUpload(key: string, ttlSeconds: number): Promise<SignedRequest> {
    this.pathOf(key);
    return { url: this.signer.sign("PUT", key, ttlSeconds), headers: [] };
  }

  async signDownload(key: string, ttlSeconds: number): Promise<string> {
    this.pathOf(key);
    return this.signer.sign("GET", key, ttlSeconds);
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
