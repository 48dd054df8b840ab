/**
 * The behaviour every Cache implementation shares, run against the in-process LRU (unit tests,
 * memory.cache.test.ts) and a real Redis (e2e/redis-cache.e2e.test.ts). Each test uses its own
 * keys, so one cache can serve the whole suite.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type Cache, MAX_VALUE_BYTES } from "./cache.ts";

export interface CacheFixture {
  readonly cache: Cache;
  /** Lets `seconds` pass for the cache's TTLs (a fake clock, or real waiting). */
  passTime(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export function runCacheContract(label: string, make: () => Promise<CacheFixture>): void {
  describe(`Cache contract: ${label}`, () => {
    let fixture: CacheFixture;
    let cache: Cache;
    const key = (name: string) => `contract:${name}:${randomBytes(4).toString("hex")}`;

    before(async () => {
      fixture = await make();
      cache = fixture.cache;
    });
    after(() => fixture.close());

    it("misses a key never set", async () => {
      assert.equal(await cache.get(key("absent")), undefined);
    });

    it("gives back bytes exactly as set: binary, text with any characters, empty", async () => {
      const binary = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d, 0]);
      const text = "héllo ☃ \u0000 \r\n 𝄞";
      const [a, b, c] = [key("binary"), key("text"), key("empty")];
      await cache.set(a, binary, 60);
      await cache.set(b, text, 60);
      await cache.set(c, "", 60);
      assert.deepEqual(await cache.get(a), binary);
      assert.equal((await cache.get(b))?.toString("utf8"), text);
      assert.deepEqual(await cache.get(c), Buffer.alloc(0));
    });

    it("replaces a value on set, and a change to a returned buffer does not reach the cache", async () => {
      const k = key("replace");
      await cache.set(k, "first", 60);
      await cache.set(k, "second", 60);
      const got = await cache.get(k);
      assert.equal(got?.toString(), "second");
      got?.fill(0);
      assert.equal((await cache.get(k))?.toString(), "second");
    });

    it("answers getMany in the order asked, with misses in place", async () => {
      const [a, b, c] = [key("m1"), key("m2"), key("m3")];
      await cache.set(a, "A", 60);
      await cache.set(c, "C", 60);
      const values = await cache.getMany([c, b, a, c]);
      assert.deepEqual(
        values.map((v) => v?.toString()),
        ["C", undefined, "A", "C"],
      );
      assert.deepEqual(await cache.getMany([]), []);
    });

    it("deletes a key, and deleting a missing one is fine", async () => {
      const k = key("delete");
      await cache.set(k, "x", 60);
      await cache.delete(k);
      assert.equal(await cache.get(k), undefined);
      await cache.delete(key("never"));
    });

    it("adds only when the key holds nothing", async () => {
      const k = key("add");
      assert.equal(await cache.add(k, "first", 60), true);
      assert.equal(await cache.add(k, "second", 60), false);
      assert.equal((await cache.get(k))?.toString(), "first");
      await cache.delete(k);
      assert.equal(await cache.add(k, "third", 60), true);
      assert.equal((await cache.get(k))?.toString(), "third");
    });

    it("forgets a value after its TTL, and then lets add store again", async () => {
      const [short, long] = [key("ttl-short"), key("ttl-long")];
      await cache.set(short, "x", 1);
      await cache.set(long, "y", 60);
      assert.equal(await cache.add(short, "z", 1), false);
      await fixture.passTime(1.2);
      assert.equal(await cache.get(short), undefined);
      assert.equal((await cache.get(long))?.toString(), "y");
      assert.equal(await cache.add(short, "z", 60), true);
    });

    it("does not store a value above the size limit (nor keep the one before), and does not throw", async () => {
      const k = key("huge");
      await cache.set(k, "small", 60);
      await cache.set(k, Buffer.alloc(MAX_VALUE_BYTES + 1), 60);
      assert.equal(await cache.get(k), undefined);
      assert.equal(await cache.add(k, Buffer.alloc(MAX_VALUE_BYTES + 1), 60), false);
    });

    it("counts hits and misses", async () => {
      const k = key("stats");
      await cache.set(k, "x", 60);
      const before = cache.stats();
      await cache.get(k);
      await cache.getMany([k, key("stats-miss")]);
      const now = cache.stats();
      assert.equal(now.hits - before.hits, 2);
      assert.equal(now.misses - before.misses, 1);
      assert.equal(now.breakerOpen, false);
    });
  });
}
