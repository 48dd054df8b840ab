/**
 * The Redis cache on a real Redis (Debian's redis-server, a private instance with a password): the
 * shared cache contract, the `ballast:v1:` namespace, TLS with a CA file, settings Redis refuses at
 * start, and failing open — Redis stopped, hung or not there yet costs a miss within the command
 * timeout, never an error, and the cache comes back by itself.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Readiness } from "../apps/server/src/ops/readiness.ts";
import { runCacheContract } from "../apps/server/src/stores/cache/cache.contract.ts";
import {
  parseRedis,
  type RedisSettings,
  RedisSettingsError,
} from "../apps/server/src/stores/cache/cache-settings.ts";
import { RedisCache } from "../apps/server/src/stores/cache/redis.cache.ts";
import { freePort } from "./support/ports.ts";
import { type Redis, startRedis } from "./support/redis.ts";

const redis = await startRedis();
after(() => redis.dispose());

function settingsOf(url: string): RedisSettings {
  const parsed = parseRedis(url);
  if ("problems" in parsed) throw new Error(parsed.problems.join("\n"));
  return parsed.value;
}

/** A cache on `server` with short breaker times, and every line it logs. */
async function openOn(server: Pick<Redis, "url">, options: { startTimeoutMs?: number } = {}) {
  const logged: string[] = [];
  const cache = await RedisCache.open({
    settings: settingsOf(server.url),
    commandTimeoutMs: 100,
    breakerFailures: 3,
    breakerOpenMs: 300,
    log: (line) => logged.push(line),
    ...options,
  });
  return { cache, logged };
}

async function eventually(what: string, test: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what} within ${ms} ms`);
}

runCacheContract("Redis", async () => {
  const { cache } = await openOn(redis);
  return {
    cache,
    passTime: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
    close: async () => cache.close(),
  };
});

describe("RedisCache on a real Redis", () => {
  it("keeps its keys under ballast:v1: with the TTL asked", async () => {
    const { cache } = await openOn(redis);
    try {
      await cache.set("series:1:loss", "x", 120);
      assert.equal((await redis.cli("GET", "ballast:v1:series:1:loss")).trim(), "x");
      const ttl = Number(await redis.cli("TTL", "ballast:v1:series:1:loss"));
      assert.ok(ttl > 100 && ttl <= 120, `TTL ${ttl}`);
      assert.equal((await redis.cli("EXISTS", "series:1:loss")).trim(), "0");
    } finally {
      cache.close();
    }
  });

  it("caps TTLs at the URL's ttlInSeconds", async () => {
    const cache = await RedisCache.open({ settings: { ...settingsOf(redis.url), maxTtlSeconds: 30 } });
    try {
      await cache.set("capped", "x", 3600);
      const ttl = Number(await redis.cli("TTL", "ballast:v1:capped"));
      assert.ok(ttl > 0 && ttl <= 30, `TTL ${ttl}`);
    } finally {
      cache.close();
    }
  });

  it("refuses a wrong password at start, with the fix and without the password", async () => {
    const wrong = "not-the-password-42";
    await assert.rejects(
      RedisCache.open({ settings: { ...settingsOf(redis.url), password: wrong }, log: () => {} }),
      (error: unknown) => {
        assert.ok(error instanceof RedisSettingsError);
        assert.match(error.message, /password was refused by redis:\/\/127\.0\.0\.1:\d+ \(WRONGPASS\)/);
        assert.doesNotMatch(error.message, new RegExp(`${wrong}|${redis.password}`));
        return true;
      },
    );
  });

  it("starts without a Redis that is not there yet, misses fast, and uses it once it comes", async () => {
    const port = await freePort();
    const started = performance.now();
    const { cache, logged } = await openOn(
      { url: redis.url.replace(`:${redis.port}`, `:${port}`) },
      { startTimeoutMs: 500 },
    );
    let late: Redis | undefined;
    try {
      assert.ok(performance.now() - started < 1_500, "open gave up waiting after startTimeoutMs");
      assert.match(logged.join("\n"), /does not answer yet .*starting without it/);
      const t = performance.now();
      assert.equal(await cache.get("k"), undefined);
      await cache.set("k", "v", 60);
      assert.ok(performance.now() - t < 50, "an offline client fails at once, no waiting");
      late = await startRedis({ port, password: redis.password });
      await eventually("the cache connects by itself and hits", async () => {
        await cache.set("k", "v", 60);
        return (await cache.get("k"))?.toString() === "v";
      });
      assert.doesNotMatch(logged.join("\n"), new RegExp(redis.password));
    } finally {
      cache.close();
      await late?.dispose();
    }
  });

  it("serves over TLS with the CA file, and refuses a server certificate it cannot verify", async () => {
    const secure = await startRedis({ tls: true });
    try {
      assert.match(secure.url, /tls=true&caCertPath=/);
      const { cache } = await openOn(secure);
      try {
        await cache.set("tls", "over TLS", 60);
        assert.equal((await cache.get("tls"))?.toString(), "over TLS");
      } finally {
        cache.close();
      }
      const withoutCa = { ...settingsOf(secure.url), caCertPath: undefined };
      await assert.rejects(
        RedisCache.open({ settings: withoutCa, log: () => {} }),
        /TLS certificate from rediss:\/\/127\.0\.0\.1:\d+ could not be verified \(SELF_SIGNED_CERT_IN_CHAIN\); set caCertPath/,
      );
      await assert.rejects(
        RedisCache.open({ settings: { ...withoutCa, caCertPath: "/nonexistent/ca.pem" } }),
        /caCertPath \/nonexistent\/ca.pem cannot be read \(ENOENT\)/,
      );
    } finally {
      await secure.dispose();
    }
  });
});

describe("RedisCache fails open", () => {
  let own: Redis;
  let cache: RedisCache;
  let logged: string[];

  before(async () => {
    own = await startRedis();
    ({ cache, logged } = await openOn(own));
  });
  after(async () => {
    cache.close();
    await own.dispose();
  });

  it("while Redis is stopped: misses within the timeout, skips writes, reports degraded, then recovers", async () => {
    await cache.set("k", "before", 600);
    assert.equal((await cache.get("k"))?.toString(), "before");
    const readiness = new Readiness([cache.readiness()], { log: () => {} });
    assert.equal((await readiness.evaluate()).body.status, "ready");

    await own.stop();
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      assert.equal(await cache.get("k"), undefined);
      await cache.set("k2", "during", 600);
      await cache.delete("k");
      assert.equal(await cache.add("k3", "x", 600), false);
      assert.ok(performance.now() - t < 400, `call ${i} took ${performance.now() - t} ms`);
    }
    const stats = cache.stats();
    assert.equal(stats.breakerOpen, true);
    assert.ok(stats.errors >= 3, `errors ${stats.errors}`);
    assert.ok(stats.skipped > 0, "the open breaker kept commands from Redis");
    const report = await readiness.evaluate();
    assert.equal(report.ready, true, "the cache alone never makes the server unready");
    assert.equal(report.body.status, "degraded");
    assert.equal(report.body.checks.cache?.ok, false);
    assert.equal(report.body.checks.cache?.required, false);
    assert.match(report.body.checks.cache?.message ?? "", /^cache: Redis /);

    await own.start();
    // Nothing was persisted: Redis comes back empty, and the cache fills again.
    await eventually("writes and hits come back", async () => {
      await cache.set("k", "after", 600);
      return (await cache.get("k"))?.toString() === "after";
    });
    assert.equal(cache.stats().breakerOpen, false);
    assert.equal((await readiness.evaluate()).body.status, "ready");
    const log = logged.join("\n");
    assert.match(log, /failed 3 times in a row .*reads go to the database/);
    assert.match(log, /answers again/);
    assert.doesNotMatch(log, new RegExp(own.password));
  });

  it("while Redis hangs with its connection open: a miss after the timeout, then no waiting at all", async () => {
    await cache.set("h", "before", 600);
    own.freeze();
    try {
      const durations: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        assert.equal(await cache.get("h"), undefined);
        durations.push(performance.now() - t);
      }
      // The first three each wait out the 100 ms timeout; the open breaker answers the rest at once.
      assert.ok((durations[0] ?? 0) >= 90 && (durations[0] ?? 0) < 400, `first: ${durations[0]} ms`);
      assert.ok(
        durations.slice(3).every((d) => d < 20),
        `after the breaker opened: ${durations.map(Math.round).join(", ")} ms`,
      );
      assert.equal(cache.stats().breakerOpen, true);
    } finally {
      own.thaw();
    }
    await eventually(
      "hits come back after the hang",
      async () => (await cache.get("h"))?.toString() === "before",
    );
  });
});
