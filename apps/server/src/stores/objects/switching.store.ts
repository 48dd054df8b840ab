/**
 * The object store the server uses when an admin may change where objects go while it runs
 * (`/system-admin`, docs/backends.md): writes and upload URLs go to the current store; reads look
 * in the current store first, then in the stores used before it in this process, newest first. So a
 * switch from the local disk to a bucket (or between buckets) is applied without a restart and
 * without hiding the files written before it: they stay where they are and are still served.
 *
 * A read that falls back costs one extra look-up (a HEAD on S3) in the current store; without a
 * switch there is nothing to fall back to and every call goes straight through.
 */
import type { Readable } from "node:stream";
import type { ObjectStore, PutOptions, SignedRequest, StoredObject } from "./object-store.ts";

export class SwitchingObjectStore implements ObjectStore {
  private current: ObjectStore;
  /** Stores used before the current one, newest first; read from, never written to. */
  private previous: ObjectStore[] = [];

  constructor(initial: ObjectStore) {
    this.current = initial;
  }

  get recordsUploads(): boolean {
    return this.current.recordsUploads;
  }

  /** The store new objects go to. */
  get active(): ObjectStore {
    return this.current;
  }

  /** Sends new objects to `next` from now on; the stores before it stay readable. */
  switchTo(next: ObjectStore): void {
    if (next === this.current) return;
    this.previous = [this.current, ...this.previous.filter((store) => store !== next)];
    this.current = next;
  }

  /** The store holding `key`: the current one, else the newest earlier one that has it. */
  private async holding(key: string): Promise<ObjectStore> {
    if (this.previous.length === 0) return this.current;
    if (await this.current.stat(key)) return this.current;
    for (const store of this.previous) {
      if (await store.stat(key).catch(() => undefined)) return store;
    }
    return this.current;
  }

  async describe(key: string): Promise<StoredObject | undefined> {
    return (await this.holding(key)).describe(key);
  }

  put(key: string, body: Readable, options?: PutOptions): Promise<StoredObject> {
    return this.current.put(key, body, options);
  }

  async get(key: string, range?: { start: number; end: number }) {
    return (await this.holding(key)).get(key, range);
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    return (await this.holding(key)).stat(key);
  }

  async delete(key: string): Promise<void> {
    await this.current.delete(key);
    for (const store of this.previous) await store.delete(key);
  }

  compose(key: string, parts: readonly string[]): Promise<StoredObject> {
    return this.current.compose(key, parts);
  }

  signUpload(key: string, ttlSeconds: number): Promise<SignedRequest> {
    return this.current.signUpload(key, ttlSeconds);
  }

  async signDownload(key: string, ttlSeconds: number): Promise<string> {
    return (await this.holding(key)).signDownload(key, ttlSeconds);
  }
}
