/**
 * The embedded cache: an LRU in this process, bounded by bytes (BALLAST_CACHE_MB), with per-entry
 * TTLs. Each server process has its own, so with several replicas and no Redis an invalidation made
 * on one replica reaches the others only when their entries expire (docs/backends.md, "Cache").
 */
import { type Cache, type CacheStats, type CacheValue, MAX_VALUE_BYTES, ttlOf } from "./cache.ts";

interface Entry {
  readonly value: Buffer;
  readonly expiresAt: number;
  readonly bytes: number;
}

/** What an entry costs beyond its value: the key (UTF-16 in V8), the Map slot, the entry object. */
const ENTRY_OVERHEAD = 96;

export interface MemoryCacheOptions {
  readonly maxBytes: number;
  /** Cap on every TTL (REDIS's ttlInSeconds applies only to Redis; tests may set one). */
  readonly maxTtlSeconds?: number;
  /** The clock, in ms; tests move it. */
  readonly now?: () => number;
}

export class MemoryCache implements Cache {
  readonly kind = "memory";
  private readonly maxBytes: number;
  private readonly maxTtlSeconds: number | undefined;
  private readonly now: () => number;
  /** Insertion order is recency order: a hit moves its entry to the end, eviction takes the front. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(options: MemoryCacheOptions) {
    this.maxBytes = Math.max(0, options.maxBytes);
    this.maxTtlSeconds = options.maxTtlSeconds;
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.read(key);
  }

  async getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    return keys.map((key) => this.read(key));
  }

  async set(key: string, value: CacheValue, ttlSeconds: number): Promise<void> {
    this.write(key, value, ttlSeconds);
  }

  async add(key: string, value: CacheValue, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    return this.write(key, value, ttlSeconds);
  }

  async delete(key: string): Promise<void> {
    this.remove(key);
  }

  readiness(): undefined {
    return undefined;
  }

  stats(): CacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      errors: 0,
      skipped: 0,
      breakerOpen: false,
      bytes: this.bytes,
    };
  }

  close(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  /** A copy: callers may keep or change what they get without touching the cache. */
  private read(key: string): Buffer | undefined {
    const entry = this.live(key);
    if (!entry) {
      this.misses++;
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return Buffer.from(entry.value);
  }

  /** The unexpired entry under `key` (an expired one is dropped on the way). */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.remove(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, value: CacheValue, ttlSeconds: number): boolean {
    const bytes = Buffer.from(value);
    const cost = bytes.length + key.length * 2 + ENTRY_OVERHEAD;
    this.remove(key);
    // One entry may take at most an eighth of the cache, so a few big values cannot flush the rest.
    if (bytes.length > MAX_VALUE_BYTES || cost > this.maxBytes / 8) return false;
    const expiresAt = this.now() + ttlOf(ttlSeconds, this.maxTtlSeconds) * 1000;
    this.entries.set(key, { value: bytes, expiresAt, bytes: cost });
    this.bytes += cost;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
    return true;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
