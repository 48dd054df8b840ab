import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCacheContract } from "./cache.contract.ts";
import { cacheKey, ttlOf } from "./cache.ts";
import { MemoryCache } from "./memory.cache.ts";

function clock() {
  let now = 1_000_000;
  return { now: () => now, pass: (ms: number) => (now += ms) };
}

runCacheContract("in-process LRU", async () => {
  const time = clock();
  const cache = new MemoryCache({ maxBytes: 64 * 1024 * 1024, now: time.now });
  return {
    cache,
    passTime: async (seconds) => {
      time.pass(seconds * 1000);
    },
    close: async () => cache.close(),
  };
});

describe("MemoryCache", () => {
  const value = (kb: number) => Buffer.alloc(kb * 1024, 1);

  it("stays within its byte budget by dropping the least recently used entries", async () => {
    const cache = new MemoryCache({ maxBytes: 100 * 1024 });
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, value(10), 60);
    // 10 × (10 KiB + key + overhead) > 100 KiB: the oldest had to go.
    assert.ok((cache.stats().bytes ?? 0) <= 100 * 1024);
    assert.equal(await cache.get("k0"), undefined);
    assert.ok(await cache.get("k9"));
  });

  it("keeps an entry that is being read while older unread ones are evicted", async () => {
    const cache = new MemoryCache({ maxBytes: 100 * 1024 });
    for (let i = 0; i < 9; i++) await cache.set(`k${i}`, value(10), 60);
    assert.ok(await cache.get("k0"), "k0 read, so it is the most recent");
    await cache.set("k9", value(10), 60);
    await cache.set("k10", value(10), 60);
    assert.ok(await cache.get("k0"));
    assert.equal(await cache.get("k1"), undefined);
    assert.equal(await cache.get("k2"), undefined);
    assert.ok(await cache.get("k3"));
  });

  it("does not let one value take more than an eighth of the cache", async () => {
    const cache = new MemoryCache({ maxBytes: 80 * 1024 });
    await cache.set("small", value(1), 60);
    await cache.set("big", value(11), 60);
    assert.equal(await cache.get("big"), undefined);
    assert.ok(await cache.get("small"), "the rest stays");
  });

  it("caches nothing with a budget of 0 (BALLAST_CACHE_MB=0)", async () => {
    const cache = new MemoryCache({ maxBytes: 0 });
    await cache.set("k", "v", 60);
    assert.equal(await cache.get("k"), undefined);
    assert.equal(await cache.add("k", "v", 60), false);
    assert.equal(cache.stats().bytes, 0);
  });

  it("caps TTLs at maxTtlSeconds and accounts bytes back when entries go", async () => {
    const time = clock();
    const cache = new MemoryCache({ maxBytes: 1024 * 1024, maxTtlSeconds: 5, now: time.now });
    await cache.set("k", value(1), 3600);
    time.pass(5_001);
    assert.equal(await cache.get("k"), undefined);
    assert.equal(cache.stats().bytes, 0);
    await cache.set("a", "x", 60);
    await cache.set("a", "y", 60);
    await cache.delete("a");
    assert.equal(cache.stats().bytes, 0);
  });
});

describe("cacheKey and ttlOf", () => {
  it("keeps parts apart even when they hold the separator", () => {
    assert.notEqual(cacheKey("series", "a:b", "c"), cacheKey("series", "a", "b:c"));
    assert.equal(cacheKey("series", 1, "loss"), "series:1:loss");
  });

  it("replaces a long key by a digest of it", () => {
    const long = cacheKey("series", "m".repeat(500));
    assert.ok(long.length < 100);
    assert.match(long, /^series:#/);
    assert.notEqual(long, cacheKey("series", "m".repeat(501)));
  });

  it("makes TTLs whole seconds ≥ 1 under the cap", () => {
    assert.equal(ttlOf(0.2, undefined), 1);
    assert.equal(ttlOf(3600, 60), 60);
    assert.equal(ttlOf(10.7, undefined), 10);
  });
});
