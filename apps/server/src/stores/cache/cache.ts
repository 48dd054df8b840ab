/**
 * The cache store: hot reads kept for a while, in process (the embedded default, an LRU bounded by
 * bytes) or in Redis (`REDIS=redis://…`). It is never the only copy of anything and never decides
 * what is correct: every value can be recomputed from the metadata and metric stores, and every
 * key either names exactly what its value was computed from (a run's version) or is checked
 * against something that changes when the answer would (the API-key generation). A cache that
 * cannot answer is a miss, and a write it cannot make is skipped; no method ever rejects.
 */
import { createHash } from "node:crypto";
import type { ReadinessCheck } from "../readiness.ts";

export type CacheValue = string | Buffer;

export interface CacheStats {
  readonly hits: number;
  /** Look-ups that found nothing, including those the cache could not answer. */
  readonly misses: number;
  /** Commands that failed or timed out (Redis); each also counts as a miss or a skipped write. */
  readonly errors: number;
  /** Commands not sent because the circuit breaker was open (Redis). */
  readonly skipped: number;
  /** True while the backend is considered down and not asked at all. */
  readonly breakerOpen: boolean;
  /** Bytes held (in-process cache); undefined for Redis. */
  readonly bytes: number | undefined;
}

export interface Cache {
  /** `memory` or `redis`, for logs and the instance overview. */
  readonly kind: "memory" | "redis";
  /** The value stored under `key`, or undefined (absent, expired, or the cache did not answer). */
  get(key: string): Promise<Buffer | undefined>;
  /** `get` for several keys in one round trip; answers in the order asked. */
  getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]>;
  /** Stores `value` for `ttlSeconds` (a whole number ≥ 1). Skipped silently when the cache cannot. */
  set(key: string, value: CacheValue, ttlSeconds: number): Promise<void>;
  /** Stores `value` only if `key` holds nothing; true when it did. False too when the cache cannot answer. */
  add(key: string, value: CacheValue, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** For /readyz; undefined when there is nothing outside the process to check. */
  readiness(): ReadinessCheck | undefined;
  stats(): CacheStats;
  close(): void;
}

/** Values above this are not cached (a chart of 10,000 buckets is about 400 KB). */
export const MAX_VALUE_BYTES = 4 * 1024 * 1024;

/** Keys longer than this are replaced by a digest, so a long metric name cannot make a huge key. */
const MAX_KEY_LENGTH = 200;

/**
 * A key from an area name and parts: `series:12:…`. Parts are URI-encoded, so a `:` inside one
 * (metric names may hold any character) cannot make two different part lists the same key.
 */
export function cacheKey(area: string, ...parts: readonly (string | number)[]): string {
  const key = [area, ...parts.map((p) => encodeURIComponent(String(p)))].join(":");
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${area}:#${createHash("sha256").update(key, "utf8").digest("base64url")}`;
}

/** A TTL as both backends take it: a whole number of seconds, at least 1. */
export function ttlOf(seconds: number, maxSeconds: number | undefined): number {
  const capped = maxSeconds === undefined ? seconds : Math.min(seconds, maxSeconds);
  return Math.max(1, Math.floor(capped));
}
