import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { cacheKey } from "../../stores/cache/cache.ts";
import { MemoryCache } from "../../stores/cache/memory.cache.ts";
import type { IdentityRepository } from "../../stores/repositories.ts";
import { createSqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import type { Stores } from "../services.ts";
import { hashApiKey } from "./api-key.ts";
import { API_KEY_CACHE_TTL_SECONDS, ApiKeyCache, forgetApiKeyLookups } from "./api-key-cache.ts";
import { IdentityService } from "./identity.service.ts";

/** The real SQLite identity store, counting the calls the cache is there to save. */
function counted(identity: IdentityRepository) {
  const calls = { find: 0, touch: 0 };
  const repository = new Proxy(identity, {
    get(target, name, receiver) {
      if (name === "findUserByApiKeyHash") calls.find++;
      if (name === "touchApiKey") calls.touch++;
      const value = Reflect.get(target, name, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { repository, calls };
}

describe("API-key look-ups through the cache (real SQLite)", () => {
  const fixture = createSqliteFixture("api-key-cache");
  after(() => fixture.close());
  let clockMs = 1_000_000;
  const clock = () => clockMs;

  /** A replica: its own service objects on the shared database, with the cache given. */
  function replica(cache: MemoryCache | undefined) {
    const { repository, calls } = counted(fixture.identity);
    const stores = {
      ...fixture,
      identity: repository,
      objects: undefined as never,
      ...(cache ? { cache } : {}),
    };
    return { service: new IdentityService(stores as Stores), calls, stores };
  }

  let userCount = 0;
  async function userWithKey(service: IdentityService) {
    userCount += 1;
    const user = await service.createUser({
      username: `k${userCount}`,
      email: `k${userCount}@x.io`,
      isAdmin: false,
    });
    return { user, ...(await service.issueApiKey(user.id, "test")) };
  }

  it("answers a key's later uses from the cache, and records its last use once", async () => {
    const { service, calls } = replica(new MemoryCache({ maxBytes: 1 << 20, now: clock }));
    const { user, key } = await userWithKey(service);
    for (let i = 0; i < 5; i++) assert.deepEqual(await service.authenticate(key), user);
    assert.equal(calls.find, 1, "one database look-up for five requests");
    assert.equal(calls.touch, 1, "last use recorded once, not on every cached request");
  });

  it("never caches an unknown key (a new key must work at once)", async () => {
    const { service, calls } = replica(new MemoryCache({ maxBytes: 1 << 20, now: clock }));
    const unknown = `local-${"x".repeat(40)}`;
    assert.equal(await service.authenticate(unknown), undefined);
    assert.equal(await service.authenticate(unknown), undefined);
    assert.equal(calls.find, 2);
  });

  it("stops a revoked key at once, on every replica sharing the cache (Redis)", async () => {
    const shared = new MemoryCache({ maxBytes: 1 << 20, now: clock });
    const a = replica(shared);
    const b = replica(shared);
    const { user, id, key } = await userWithKey(a.service);
    assert.ok(await b.service.authenticate(key));
    assert.ok(await b.service.authenticate(key));
    assert.equal(b.calls.find, 1, "b answers from the cache");
    await a.service.revokeApiKey(user.id, id);
    assert.equal(await b.service.authenticate(key), undefined);
  });

  it("bounds a revocation another replica's own cache did not see by the TTL", async () => {
    const a = replica(new MemoryCache({ maxBytes: 1 << 20, now: clock }));
    const b = replica(new MemoryCache({ maxBytes: 1 << 20, now: clock }));
    const { user, id, key } = await userWithKey(a.service);
    assert.ok(await b.service.authenticate(key));
    await a.service.revokeApiKey(user.id, id);
    assert.equal(await a.service.authenticate(key), undefined);
    // The documented bound (docs/backends.md): b learns of it when its entry expires.
    assert.ok(await b.service.authenticate(key), "b's own entry is still used within the TTL");
    clockMs += API_KEY_CACHE_TTL_SECONDS * 1000 + 1;
    assert.equal(await b.service.authenticate(key), undefined);
  });

  it("treats a forged or altered entry as a miss: writing to the cache grants nothing", async () => {
    const cache = new MemoryCache({ maxBytes: 1 << 20, now: clock });
    const { service, calls } = replica(cache);
    const { user, key } = await userWithKey(service);
    await service.authenticate(key);
    const entryKey = cacheKey("apikey", hashApiKey(key));
    const stored = (await cache.get(entryKey))?.toString() ?? "";
    const dot = stored.indexOf(".");
    const body = JSON.parse(stored.slice(dot + 1)) as { u: { isAdmin: boolean } };
    body.u.isAdmin = true;
    await cache.set(entryKey, `${stored.slice(0, dot)}.${JSON.stringify(body)}`, 60);
    const found = await service.authenticate(key);
    assert.equal(found?.isAdmin, false, "the database's answer, not the altered entry's");
    assert.equal(calls.find, 2);

    // An entry made up for a key that does not exist, moved over from a real one or signed by anyone else.
    const madeUp = `local-${"y".repeat(40)}`;
    await cache.set(cacheKey("apikey", hashApiKey(madeUp)), stored, 60);
    assert.equal(await service.authenticate(madeUp), undefined);
    assert.equal(user.isAdmin, false);
  });

  it("does not reuse a look-up that raced an invalidation", async () => {
    const cache = new MemoryCache({ maxBytes: 1 << 20, now: clock });
    const { service, stores } = replica(cache);
    const { key } = await userWithKey(service);
    const keys = new ApiKeyCache(stores);
    const keyHash = hashApiKey(key);
    // The invalidation commits while the look-up is reading the database.
    await keys.lookup(keyHash, async () => {
      const owner = await fixture.identity.findUserByApiKeyHash(keyHash);
      await forgetApiKeyLookups(cache);
      return owner;
    });
    let loads = 0;
    await keys.lookup(keyHash, async () => {
      loads += 1;
      return fixture.identity.findUserByApiKeyHash(keyHash);
    });
    assert.equal(loads, 1, "the raced entry was stale on arrival");
  });

  it("works the same without a cache", async () => {
    const { service, calls } = replica(undefined);
    const { user, id, key } = await userWithKey(service);
    assert.deepEqual(await service.authenticate(key), user);
    assert.deepEqual(await service.authenticate(key), user);
    assert.equal(calls.find, 2);
    await service.revokeApiKey(user.id, id);
    assert.equal(await service.authenticate(key), undefined);
  });
});
