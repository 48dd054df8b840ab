import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../config.ts";
import { describeRedis, parseCacheSettings, parseRedis } from "./cache-settings.ts";

const settings = (text: string) => {
  const parsed = parseRedis(text);
  if ("problems" in parsed) throw new Error(parsed.problems.join("\n"));
  return parsed.value;
};
const problems = (text: string) => {
  const parsed = parseRedis(text);
  return "problems" in parsed ? parsed.problems : [];
};

describe("REDIS", () => {
  it("reads the URL W&B's chart renders, with its parameters", () => {
    // _redis.tpl: password from the secret, defaults ttlInSeconds (+ tls and caCertPath with a CA).
    assert.deepEqual(
      settings(
        "redis://:s3cret@wandb-redis-master:6379?caCertPath=/etc/ssl/certs/redis_ca.pem&tls=true&ttlInSeconds=604800",
      ),
      {
        host: "wandb-redis-master",
        port: 6379,
        username: undefined,
        password: "s3cret",
        database: 0,
        tls: true,
        caCertPath: "/etc/ssl/certs/redis_ca.pem",
        maxTtlSeconds: 604800,
      },
    );
    assert.deepEqual(settings("redis://cache.internal:6380?ttlInSeconds=604800"), {
      host: "cache.internal",
      port: 6380,
      username: undefined,
      password: undefined,
      database: 0,
      tls: false,
      caCertPath: undefined,
      maxTtlSeconds: 604800,
    });
  });

  it("takes the docs' user:password form, rediss://, a database number and an IPv6 host", () => {
    const acl = settings("rediss://ballast:pw@[::1]:7000/2");
    assert.equal(acl.username, "ballast");
    assert.equal(acl.password, "pw");
    assert.equal(acl.host, "::1");
    assert.equal(acl.port, 7000);
    assert.equal(acl.database, 2);
    assert.equal(acl.tls, true);
    assert.equal(describeRedis(acl), "rediss://[::1]:7000");
    assert.equal(settings("redis://h").port, 6379);
  });

  it("keeps a password the chart did not URL-encode, and decodes one that was", () => {
    assert.equal(settings("redis://:p@ss:w/rd@h:6379").password, "p@ss:w/rd");
    assert.equal(settings("redis://:p%40ss@h:6379").password, "p@ss");
    assert.equal(settings("redis://:p@ss:w/rd@h:6379").host, "h");
  });

  it("turns TLS on for a CA file, as the chart always pairs them", () => {
    assert.equal(settings("redis://h:6379?caCertPath=/ca.pem").tls, true);
    assert.match(problems("redis://h:6379?tls=false&caCertPath=/ca.pem").join(), /caCertPath but tls=false/);
  });

  it("lists every problem with its fix and never shows the password", () => {
    const secret = "hunter2-very-secret";
    const cases: [string, RegExp][] = [
      [`http://:${secret}@h:6379`, /must be a redis:\/\/ or rediss:\/\/ URL .*"http:\/\/\*\*\*@h:6379"/],
      [`redis://:${secret}@h:6379?tls=yes`, /tls parameter must be true or false/],
      [`redis://:${secret}@h:6379?ttlInSeconds=0`, /ttlInSeconds must be a whole number/],
      [`redis://:${secret}@h:6379?timeout=5`, /parameters Ballast does not use: timeout/],
      [`redis://:${secret}@h:99999`, /port must be from 1 to 65535/],
      [`redis://:${secret}@h:6379/42`, /database number must be from 0 to 15/],
      [`redis://${secret}@h:6379`, /user info without a colon/],
      [`redis://:${secret}@`, /must name a host and port/],
    ];
    for (const [text, expected] of cases) {
      const found = problems(text);
      assert.equal(found.length, 1, `${text}: ${found.join(" | ")}`);
      assert.match(found[0] ?? "", expected);
      assert.doesNotMatch(found.join("\n"), new RegExp(secret), text);
    }
  });
});

describe("BALLAST_CACHE_MB and the server config", () => {
  it("defaults to a 64 MiB in-process cache and takes 0 to switch it off", () => {
    assert.deepEqual(parseCacheSettings({}), { value: { redis: undefined, memoryMb: 64 } });
    assert.equal(parseCacheSettings({ BALLAST_CACHE_MB: "0" }).value?.memoryMb, 0);
    assert.match(parseCacheSettings({ BALLAST_CACHE_MB: "lots" }).problems?.join() ?? "", /BALLAST_CACHE_MB/);
  });

  it("puts REDIS in the config, and its problems among the others, without the password", () => {
    const config = loadConfig({ env: { REDIS: "redis://:pw@cache:6379?tls=true" } });
    assert.equal(config.cache.redis?.host, "cache");
    assert.equal(Object.isFrozen(config.cache.redis), true);
    assert.throws(
      () => loadConfig({ env: { REDIS: "redis://:topsecret@cache:6379?tls=maybe", PORT: "x" } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 2);
        assert.doesNotMatch(error.message, /topsecret/);
        return true;
      },
    );
  });
});
