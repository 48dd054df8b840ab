/**
 * Ballast with REDIS set, driven by the real `wandb` client: Redis is stopped in the middle of a
 * run while the client keeps logging and a reader keeps fetching the run's chart series with an API
 * key, then started again. Every call succeeds (the cache fails open: reads go to the database),
 * /readyz says `degraded` with a 200 meanwhile, and every step is stored exactly once.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { useClientSuite } from "./support/client-suite.ts";
import { assertHistory } from "./support/history.ts";
import { startScript } from "./support/python.ts";
import { startRedis } from "./support/redis.ts";
import { makeWorkspace, rejectAfter, sleep, startServer } from "./support/server.ts";
import { int, nullableInt, text } from "./support/store.ts";

const redis = await startRedis();
after(() => redis.dispose());

interface KillResult {
  run_id: string;
  entity: string;
  project: string;
  steps: number;
}

interface SeriesAnswer {
  exact: boolean;
  points: { step: number; last: number | null }[];
}

/** The metrics' samples by name and labels, e.g. `ballast_cache_breaker_open` → 0. */
async function scrape(url: string): Promise<Map<string, number>> {
  const body = await (await fetch(`${url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of body.split("\n")) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match?.[1] !== undefined) samples.set(match[1], Number(match[2]));
  }
  return samples;
}

describe("the wandb client while Redis goes away and comes back", () => {
  const suite = useClientSuite("redis", { env: () => ({ REDIS: redis.url }) });

  it("reports the cache on /readyz and its counters on /metrics", { timeout: 60_000 }, () =>
    suite.tracked(async () => {
      const { server } = suite.live();
      const ready = await fetch(`${server.url}/readyz`);
      const body = (await ready.json()) as {
        status: string;
        checks: Record<string, { ok: boolean; required?: boolean }>;
      };
      assert.equal(ready.status, 200);
      assert.equal(body.status, "ready");
      assert.deepEqual(
        { ok: body.checks.cache?.ok, required: body.checks.cache?.required },
        { ok: true, required: false },
      );
      const metrics = await scrape(server.url);
      assert.equal(metrics.get("ballast_cache_breaker_open"), 0);
      assert.ok(metrics.has('ballast_cache_lookups_total{result="hit"}'));
      assert.equal(
        metrics.has("ballast_cache_bytes"),
        false,
        "Redis's memory is its own exporter's business",
      );
      assert.doesNotMatch(server.output().stdout + server.output().stderr, new RegExp(redis.password));
    }),
  );

  it("keeps every call succeeding and every step once across a Redis outage", { timeout: 600_000 }, () =>
    suite.tracked(async () => {
      const { server } = suite.live();
      const steps = 150;
      const runName = `redis-${Date.now().toString(36)}`;
      const script = await startScript<KillResult>(
        "kill_target.py",
        ["--project", "redis", "--steps", String(steps), "--interval", "0.2"],
        await suite.client("log", { extra: { WANDB_RUN_ID: runName } }),
        540_000,
      );
      let lastPrinted = -1;
      const firstStep = new Promise<void>((resolve) => {
        script.onLine((line) => {
          const match = /^STEP (\d+)$/.exec(line);
          if (match?.[1] === undefined) return;
          lastPrinted = Number(match[1]);
          resolve();
        });
      });
      await Promise.race([
        firstStep,
        script.done.then(() => {
          throw new Error("kill_target.py finished before logging started");
        }),
        rejectAfter(180_000, "kill_target.py logged no step within 180 s"),
      ]);

      // A reader, as the web UI's charts: the series of the run and the key look-up, every 100 ms.
      const auth = `Basic ${Buffer.from(`api:${suite.apiKey()}`).toString("base64")}`;
      const seriesUrl = `${server.url}/api/v1/runs/${suite.username}/redis/${runName}/series?metric=train.loss&buckets=1000`;
      const failures: string[] = [];
      let reads = 0;
      let reading = true;
      const reader = (async () => {
        while (reading) {
          const response = await fetch(seriesUrl, { headers: { authorization: auth } });
          reads += 1;
          if (response.status !== 200) failures.push(`${response.status} ${await response.text()}`);
          else await response.arrayBuffer();
          await sleep(100);
        }
      })();

      await sleep(5_000);
      const before = await scrape(server.url);
      const stoppedAt = lastPrinted;
      await redis.stop();
      await sleep(8_000);
      const during = await fetch(`${server.url}/readyz`);
      const duringBody = (await during.json()) as { status: string; checks: Record<string, { ok: boolean }> };
      const outage = await scrape(server.url);
      const restartedAt = lastPrinted;
      await redis.start();

      const { result } = await script.done;
      await sleep(3_000);
      reading = false;
      await reader;
      assert.ok(
        stoppedAt < restartedAt && restartedAt < steps - 1,
        `steps logged during the outage: ${stoppedAt}…${restartedAt}`,
      );
      assert.equal(during.status, 200, "a cache outage does not take the server out of rotation");
      assert.equal(duringBody.status, "degraded");
      assert.equal(duringBody.checks.cache?.ok, false);
      assert.equal(outage.get("ballast_cache_breaker_open"), 1);
      assert.ok(
        (outage.get("ballast_cache_errors_total") ?? 0) > (before.get("ballast_cache_errors_total") ?? 0),
        "the outage was seen by the cache",
      );
      assert.ok(
        (before.get('ballast_cache_lookups_total{result="hit"}') ?? 0) > 0,
        "the cache answered reads before the outage",
      );
      assert.deepEqual(failures, [], `${failures.length} of ${reads} reads failed`);
      assert.ok(reads > 100, `${reads} reads`);

      // Back: ready again, hits again, and the breaker closed.
      const deadline = Date.now() + 15_000;
      let after = await scrape(server.url);
      while (Date.now() < deadline && after.get("ballast_cache_breaker_open") !== 0) {
        await fetch(seriesUrl, { headers: { authorization: auth } });
        await sleep(200);
        after = await scrape(server.url);
      }
      assert.equal(after.get("ballast_cache_breaker_open"), 0);
      assert.equal(
        ((await (await fetch(`${server.url}/readyz`)).json()) as { status: string }).status,
        "ready",
      );

      // No request of the client or the reader was answered with an error.
      const errors = [...after].filter(
        ([name, count]) => /^ballast_http_requests_total\{.*status="[45]\d\d"/.test(name) && count > 0,
      );
      const unexpected = errors.filter(([name]) => !name.includes('route="/sdk/otel'));
      assert.deepEqual(unexpected, [], "error statuses");

      const series = (await (
        await fetch(seriesUrl, { headers: { authorization: auth } })
      ).json()) as SeriesAnswer;
      assert.equal(series.exact, true);
      assert.deepEqual(
        series.points.map((p) => p.step),
        Array.from({ length: steps }, (_, i) => i),
      );
      assert.equal(series.points.at(-1)?.last, 1 / steps);

      const db = await suite.store();
      try {
        const run = await db.findRun(result.entity, "redis", result.run_id);
        assert.equal(text(run, "state"), "finished");
        assert.equal(nullableInt(run, "exit_code"), 0);
        assert.equal(int(run, "history_line_count"), steps);
        assertHistory(
          (await db.historyRows(int(run, "id"))).map((row) => ({
            lineNo: int(row, "line_no"),
            step: nullableInt(row, "step"),
            line: text(row, "line"),
          })),
          steps,
        );
      } finally {
        await db.close();
      }
      assert.doesNotMatch(server.output().stdout + server.output().stderr, new RegExp(redis.password));
    }),
  );
});

describe("ballast server with a REDIS password Redis refuses", () => {
  it("stops at start with the fix, and without the password", { timeout: 120_000 }, async () => {
    const workspace = await makeWorkspace("redis-refused");
    const wrong = "wrong-password-for-this-redis";
    try {
      await assert.rejects(
        startServer({
          dataDir: workspace.dataDir,
          logDir: workspace.logDir,
          env: { REDIS: redis.url.replace(redis.password, wrong) },
        }),
        (error: Error) => {
          assert.match(error.message, /server exited \(code 78/);
          assert.match(
            error.message,
            /REDIS's user or password was refused by redis:\/\/127\.0\.0\.1:\d+ \(WRONGPASS\)/,
          );
          assert.doesNotMatch(error.message, new RegExp(`${wrong}|${redis.password}`));
          return true;
        },
      );
    } finally {
      await workspace.dispose();
    }
  });
});
