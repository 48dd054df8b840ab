import type { Cache } from "./cache.ts";
import type { CacheSettings } from "./cache-settings.ts";
import { MemoryCache } from "./memory.cache.ts";

/**
 * Redis when REDIS is set, else the in-process LRU. Throws RedisSettingsError when Redis refuses the
 * settings; an unreachable Redis is not an error (Ballast starts and serves without it).
 */
export async function openCache(settings: CacheSettings, log?: (line: string) => void): Promise<Cache> {
  if (!settings.redis) return new MemoryCache({ maxBytes: settings.memoryMb * 1024 * 1024 });
  // Loaded only when used: the Redis client takes ~0.2 s to import, on every start and CLI command.
  const { RedisCache } = await import("./redis.cache.ts");
  return RedisCache.open({ settings: settings.redis, ...(log ? { log } : {}) });
}
