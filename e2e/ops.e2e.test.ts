/**
 * The operational endpoints (docs/operations.md) on a real server: /metrics after a run logged by
 * the real `wandb` client (counters moved by what was sent, route labels are router patterns, no
 * names of users' things, the format accepted by prom2json), and /readyz against a database that is
 * closed and an object directory that is gone, while /healthz stays 200.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createApp } from "../apps/server/src/app.ts";
import { parseHistoryBatch } from "../apps/server/src/domain/runs/history-line.ts";
import { type Embedded, loadConfig, openEmbedded } from "../apps/server/src/index.ts";
import { Readiness } from "../apps/server/src/ops/readiness.ts";
import { DURATION_BUCKETS, ServerMetrics } from "../apps/server/src/ops/server-metrics.ts";
import { startTestServer, type TestServer } from "./support/api.ts";
import {
  type Exposition,
  parseExposition,
  prom2json,
  select,
  setupProm2json,
  total,
} from "./support/prometheus.ts";
import { killScripts, runScript, setupPython } from "./support/python.ts";
import { openStore, text } from "./support/store.ts";

const FILE_STREAM_ROUTE = "/files/:entity/:project/:run/file_stream";
const STEPS = 60;

async function scrape(url: string): Promise<{ text: string; exposition: Exposition }> {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const body = await response.text();
  return { text: body, exposition: parseExposition(body) };
}

describe("/metrics and /readyz with the real wandb client", () => {
  let test: TestServer;
  let clientDir: string;

  before(async () => {
    await Promise.all([setupPython(), setupProm2json()]);
    test = await startTestServer();
    clientDir = await mkdtemp(join(tmpdir(), "ballast-ops-client-"));
  });

  after(async () => {
    killScripts();
    await test?.close();
    if (clientDir) await rm(clientDir, { recursive: true, force: true });
  });

  it("counts what the client sent, by route pattern, without users' names, in a valid exposition", async () => {
    const url = test.server.url;
    const before = (await scrape(url)).exposition;
    const project = `ops-metrics-${Date.now().toString(36)}`;
    const { result } = await runScript<{ run_id: string; entity: string; project: string; steps: number }>(
      "metrics_run.py",
      ["--project", project, "--steps", String(STEPS)],
      { baseUrl: url, apiKey: test.server.firstLogin ?? "", dir: clientDir },
    );
    const { text: body, exposition: now } = await scrape(url);
    const delta = (name: string, labels: Record<string, string> = {}) =>
      total(now, name, labels) - total(before, name, labels);

    // History lines: exactly one per run.log() (nothing was resent: the server never failed).
    assert.equal(delta("ballast_ingest_history_lines_total"), STEPS);
    // Metric points: the numeric values in the lines the store holds (loss, acc and the client's
    // _step/_runtime/_timestamp; the "note" string is not a point).
    const db = await openStore(test.dataDir);
    let lines: string[];
    try {
      const run = await db.findRun(result.entity, project, result.run_id);
      lines = (await db.historyRows(run.id as number)).map((row) => text(row, "line"));
    } finally {
      await db.close();
    }
    assert.equal(lines.length, STEPS);
    const points = parseHistoryBatch(0, lines).values.length;
    assert.ok(points >= STEPS * 3, `at least loss, acc and _step per line (got ${points})`);
    assert.equal(delta("ballast_ingest_metric_points_total"), points);
    // Every answered file_stream request was applied and counted once.
    const fileStreams = delta("ballast_file_stream_requests_total");
    assert.ok(fileStreams >= 1);
    assert.equal(
      delta("ballast_http_requests_total", { route: FILE_STREAM_ROUTE, status: "200" }),
      fileStreams,
    );
    assert.ok(
      delta("ballast_http_requests_total", { method: "POST", route: "/graphql", status: "200" }) >= 2,
    );
    assert.ok(delta("ballast_http_requests_total", { method: "PUT", route: "/storage/*key" }) >= 1);

    // Route labels are router patterns (or the two catch-alls), never a request's path.
    const routes = new Set(select(now, "ballast_http_requests_total").map((s) => s.labels.route ?? ""));
    for (const route of routes) {
      assert.ok(route.startsWith("/") || route === "(web)" || route === "(unmatched)", route);
      assert.ok(!/\/(admin|ops-metrics)/.test(route), `a raw path in a route label: ${route}`);
    }
    for (const secret of [project, result.run_id, test.server.firstLogin ?? "", "admin"]) {
      assert.ok(!body.includes(secret), `the exposition mentions ${JSON.stringify(secret)}`);
    }

    // The histogram is consistent with the counter, route by route.
    for (const route of routes) {
      const buckets = select(now, "ballast_http_request_duration_seconds_bucket", { route });
      assert.deepEqual(
        buckets.map((s) => s.labels.le),
        [...DURATION_BUCKETS.map(String), "+Inf"],
      );
      for (let i = 1; i < buckets.length; i++) {
        assert.ok(
          (buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0),
          `cumulative buckets for ${route}`,
        );
      }
      const count = total(now, "ballast_http_request_duration_seconds_count", { route });
      assert.equal(buckets.at(-1)?.value, count);
      assert.equal(total(now, "ballast_http_requests_total", { route }), count);
      assert.ok(total(now, "ballast_http_request_duration_seconds_sum", { route }) > 0);
    }

    // The scrape itself is in flight; process metrics are there and plausible.
    assert.equal(total(now, "ballast_http_requests_in_flight"), 1);
    assert.equal(total(now, "ballast_http_requests_rejected_total", { reason: "overloaded" }), 0);
    assert.ok(total(now, "process_resident_memory_bytes") > 10 * 1024 * 1024);
    assert.ok(total(now, "process_cpu_seconds_total") > total(before, "process_cpu_seconds_total"));
    assert.ok(total(now, "nodejs_heap_size_used_bytes") > 0);
    assert.ok(total(now, "nodejs_eventloop_lag_p99_seconds") >= 0);
    assert.ok(total(now, "ballast_db_file_bytes", { file: "database" }) > 0);
    // Local disk records uploads itself: the internal queue stays empty.
    assert.equal(total(now, "ballast_queue_jobs", { state: "waiting" }), 0);
    assert.equal(total(now, "ballast_uploads_total", { outcome: "recorded" }), 0);
    assert.equal(now.types.get("ballast_http_request_duration_seconds"), "histogram");
    assert.equal(now.types.get("ballast_ingest_history_lines_total"), "counter");

    // An independent parser agrees on the format and the families.
    const families = await prom2json(body);
    assert.deepEqual(families.map((f) => f.name).sort(), [...now.types.keys()].sort());
  });

  it("/readyz reports each dependency ready", async () => {
    const response = await fetch(`${test.server.url}/readyz`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; ms: number }>;
    };
    assert.equal(body.status, "ready");
    assert.deepEqual(Object.keys(body.checks).sort(), ["database", "objects"]);
    for (const check of Object.values(body.checks)) assert.equal(check.ok, true);
  });
});

describe("/readyz when a store fails, and while shutting down", () => {
  let dataDir: string;
  let embedded: Embedded;
  let readiness: Readiness;
  let metrics: ServerMetrics;
  let server: Server;
  let url: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ballast-ops-ready-"));
    // The server as main.ts wires it, but with the embedded stores in reach so the test can break them.
    const config = loadConfig({
      env: { BALLAST_LISTEN_HOST: "127.0.0.1", BALLAST_METRICS: "off" },
      flags: { port: "0", dataDir },
    });
    embedded = await openEmbedded(config, "http://127.0.0.1");
    readiness = new Readiness(embedded.readiness, { log: () => {} });
    metrics = new ServerMetrics();
    const app = createApp(embedded.services, embedded.signer, {
      readiness,
      metrics,
      metricsEnabled: config.metricsEnabled,
    });
    server = createServer((req, res) => void app(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => {
      server?.close(() => resolve());
      server?.closeAllConnections();
    });
    metrics?.close();
    embedded?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const readyz = async () => {
    const response = await fetch(`${url}/readyz`);
    const body = (await response.json()) as {
      status: string;
      checks: Record<string, { ok: boolean; message?: string }>;
    };
    return { status: response.status, body };
  };

  it("BALLAST_METRICS=off answers 404 on /metrics", async () => {
    const response = await fetch(`${url}/metrics`);
    assert.equal(response.status, 404);
    assert.match(await response.text(), /BALLAST_METRICS=off/);
  });

  it("answers 503 naming the object store when its directory is unusable; /healthz stays 200", async () => {
    assert.equal((await readyz()).status, 200);
    // A file where the objects directory should be: uploads would fail, so the server is not ready.
    await rm(join(dataDir, "objects"), { recursive: true, force: true });
    await writeFile(join(dataDir, "objects"), "not a directory");
    const { status, body } = await readyz();
    assert.equal(status, 503);
    assert.equal(body.status, "not ready");
    assert.equal(body.checks.database?.ok, true);
    assert.deepEqual(body.checks.objects, {
      ok: false,
      ms: (body.checks.objects as { ms?: number }).ms,
      message: "objects: the local object directory: is not a directory",
    });
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    await rm(join(dataDir, "objects"));
    assert.equal((await readyz()).status, 200);
  });

  it("answers 503 naming the database once it is closed; /healthz stays 200", async () => {
    embedded.database.close();
    const { status, body } = await readyz();
    assert.equal(status, 503);
    assert.equal(body.checks.database?.ok, false);
    assert.match(
      body.checks.database?.message ?? "",
      /^database: the embedded SQLite database did not answer/,
    );
    assert.doesNotMatch(JSON.stringify(body), new RegExp(dataDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    assert.equal(body.checks.objects?.ok, true);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
  });

  it("answers 503 'shutting down' once draining", async () => {
    readiness.startDraining();
    const { status, body } = await readyz();
    assert.equal(status, 503);
    assert.equal(body.status, "shutting down");
  });
});
