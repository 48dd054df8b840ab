/**
 * Chart panels in a real browser, with data logged by the real `wandb` client: two finished runs
 * with known values (loss = k/(step+1), acc = step/300) and one run still running. The values the
 * panels show (last values, the hover legend, after a zoom and on the time axis) are read back
 * and compared with what was logged; the JSON endpoints behind them are checked directly too,
 * including that another user cannot read them.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Locator } from "playwright-core";
import { loadConfig, openEmbedded } from "../../apps/server/src/index.ts";
import { formatValue } from "../../apps/web/src/charts/axes.ts";
import { runScript, setupPython, startScript } from "../support/python.ts";
import { screenshot, startWebFixture, type WebFixture } from "../support/web.ts";

const STEPS = 300;

/** Polls `check` until it holds (the page updates on its own: fetches, live polling). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const PROJECT = "charts";

describe("chart panels", { timeout: 300_000 }, () => {
  let fx: WebFixture;
  let dir: string;
  let entity = "";
  let runIds: string[] = [];
  const client = () => ({ baseUrl: fx.url, apiKey: fx.apiKey, dir });
  const api = (path: string, key = fx.apiKey) =>
    fetch(`${fx.url}${path}`, {
      headers: { authorization: `Basic ${Buffer.from(`api:${key}`).toString("base64")}` },
    });

  before(async () => {
    [fx] = await Promise.all([startWebFixture(), setupPython()]);
    dir = await mkdtemp(join(tmpdir(), "ballast-charts-"));
    const { result } = await runScript<{ run_ids: string[]; entity: string }>(
      "chart_runs.py",
      ["--project", PROJECT, "--steps", String(STEPS)],
      client(),
    );
    runIds = result.run_ids;
    entity = result.entity;
  });
  after(async () => {
    await fx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("answers the metric keys and every run's series as logged, with x by step or time", async () => {
    const runs = runIds.map((id) => `run=${encodeURIComponent(id)}`).join("&");
    const keys = await api(`/api/v1/projects/${entity}/${PROJECT}/metric-keys?${runs}`);
    assert.equal(keys.status, 200);
    assert.deepEqual(await keys.json(), {
      keys: [
        { name: "acc", runs: 1 },
        { name: "loss", runs: 2 },
      ],
    });
    for (const x of ["step", "runtime", "timestamp"]) {
      const reply = await api(
        `/api/v1/projects/${entity}/${PROJECT}/chart-series?${runs}&metric=loss&x=${x}`,
      );
      assert.equal(reply.status, 200);
      const body = (await reply.json()) as {
        runs: { run: string; exact: boolean; x: number[]; step: number[]; last: number[] }[];
      };
      assert.deepEqual(
        body.runs.map((r) => r.run),
        runIds,
      );
      body.runs.forEach((r, k) => {
        assert.equal(r.exact, true);
        assert.deepEqual(
          r.step,
          Array.from({ length: STEPS }, (_, s) => s),
        );
        assert.deepEqual(
          r.last,
          r.step.map((s) => (k + 1) / (s + 1)),
        );
        if (x === "step") assert.deepEqual(r.x, r.step);
        else {
          // Time never goes back, and wall time is now-ish.
          for (let i = 1; i < r.x.length; i++) assert.ok((r.x[i] ?? 0) >= (r.x[i - 1] ?? 0), `${x} ascends`);
          if (x === "timestamp") assert.ok(Math.abs((r.x[0] ?? 0) - Date.now() / 1000) < 600);
          else assert.ok((r.x[0] ?? -1) >= 0 && (r.x.at(-1) ?? 1e9) < 300);
        }
      });
    }
    // Zoomed and bucketed: 10 buckets over steps 100..199, each the min/max/last of its steps.
    const zoomed = await api(
      `/api/v1/projects/${entity}/${PROJECT}/chart-series?run=${runIds[0]}&metric=loss&buckets=10&minX=100&maxX=199`,
    );
    const z = (await zoomed.json()) as {
      runs: { exact: boolean; step: number[]; min: number[]; max: number[] }[];
    };
    const zr = z.runs[0];
    assert.ok(zr && !zr.exact && zr.step.length <= 10 && zr.step.at(-1) === 199);
    assert.equal(Math.min(...zr.min), 1 / 200);
    assert.equal(Math.max(...zr.max), 1 / 101);

    const system = await api(`/api/v1/runs/${entity}/${PROJECT}/${runIds[0]}/system-metrics`);
    assert.equal(system.status, 200);
    const sys = (await system.json()) as { runtime: number[]; metrics: Record<string, unknown[]> };
    assert.ok(sys.runtime.length >= 1, "the client sampled system metrics");
    assert.ok(
      Object.keys(sys.metrics).some((k) => k.startsWith("system.")),
      Object.keys(sys.metrics).join(),
    );

    const bad = await api(
      `/api/v1/projects/${entity}/${PROJECT}/chart-series?run=${runIds[0]}&metric=loss&x=epoch`,
    );
    assert.equal(bad.status, 400);
    const none = await api(`/api/v1/projects/${entity}/${PROJECT}/chart-series?metric=loss`);
    assert.equal(none.status, 400);
    const anonymous = await fetch(
      `${fx.url}/api/v1/projects/${entity}/${PROJECT}/metric-keys?run=${runIds[0]}`,
    );
    assert.equal(anonymous.status, 401);
  });

  it("another user cannot read the charts of a project that is not theirs", async () => {
    const config = loadConfig({
      env: { BALLAST_LISTEN_HOST: "127.0.0.1" },
      flags: { port: "0", dataDir: fx.server.dataDir },
    });
    const embedded = await openEmbedded(config, fx.url);
    try {
      const bob = await embedded.services.identity.createUser({
        username: "bob",
        email: "bob@example.com",
        isAdmin: false,
      });
      const bobKey = await embedded.services.identity.createApiKey(bob.id);
      for (const path of [
        `/api/v1/projects/${entity}/${PROJECT}/metric-keys?run=${runIds[0]}`,
        `/api/v1/projects/${entity}/${PROJECT}/chart-series?run=${runIds[0]}&metric=loss`,
        `/api/v1/runs/${entity}/${PROJECT}/${runIds[0]}/system-metrics`,
      ]) {
        const reply = await api(path, bobKey);
        const text = await reply.text();
        assert.ok(reply.status === 403 || reply.status === 404, `${path}: ${reply.status} ${text}`);
        assert.doesNotMatch(text, /loss|0\.0033/);
      }
    } finally {
      await embedded.close();
    }
  });

  /** The panel's last-value entry for a run: [step, value]. */
  async function lastOf(panel: Locator, run: string): Promise<[number, string]> {
    const item = panel.locator(`li[data-run="${run}"]`);
    await item.waitFor();
    return [Number(await item.getAttribute("data-step")), (await item.getAttribute("data-value")) ?? ""];
  }

  /** Hovers the chart at `fraction` of its width; returns the legend's x text and run values. */
  async function hover(
    panel: Locator,
    fraction: number,
  ): Promise<{ x: string; values: Record<string, string> }> {
    const over = panel.locator(".u-over");
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    assert.ok(box, "the chart is drawn");
    await fx.page.mouse.move(box.x + box.width * fraction, box.y + box.height / 2);
    await fx.page.mouse.move(box.x + box.width * fraction + 1, box.y + box.height / 2);
    const rows = panel.locator(".u-legend tr.u-series");
    const xCell = rows.nth(0).locator(".u-value");
    // The legend follows the cursor on the next animation frame.
    await until("the hover legend", async () => !["", "–", "--"].includes((await xCell.textContent()) ?? ""));
    const x = (await xCell.textContent()) ?? "";
    const values: Record<string, string> = {};
    const count = await rows.count();
    for (let i = 1; i < count; i++) {
      const row = rows.nth(i);
      if ((await row.getAttribute("class"))?.includes("chart-aux")) continue;
      values[(await row.locator(".u-label").textContent()) ?? ""] =
        (await row.locator(".u-value").textContent()) ?? "";
    }
    return { x, values };
  }

  it("the workspace draws every metric of the selected runs with the logged values", async () => {
    const { page } = fx;
    await page.goto(`${fx.url}/${entity}/${PROJECT}`);
    const loss = page.locator('[data-testid="metric-panel"][data-metric="loss"]');
    const acc = page.locator('[data-testid="metric-panel"][data-metric="acc"]');
    await loss.locator("canvas").waitFor();
    await acc.locator("canvas").waitFor();
    const [first, second] = runIds as [string, string];
    assert.deepEqual(await lastOf(loss, first), [STEPS - 1, String(1 / STEPS)]);
    assert.deepEqual(await lastOf(loss, second), [STEPS - 1, String(2 / STEPS)]);
    assert.deepEqual(await lastOf(acc, first), [STEPS - 1, String((STEPS - 1) / STEPS)]);
    assert.equal(await acc.locator(`li[data-run="${second}"]`).count(), 0, "the second run logged no acc");
    assert.equal(await loss.getAttribute("data-exact"), "true");

    // The hover legend shows, at the hovered step, exactly the logged values of both runs.
    const at = await hover(loss, 0.5);
    const step = Number(at.x);
    assert.ok(step > 50 && step < 250, `hovered near the middle: ${at.x}`);
    assert.equal(at.values["first run"], formatValue(1 / (step + 1)));
    assert.equal(at.values["second run"], formatValue(2 / (step + 1)));
    await screenshot(page, "charts-workspace");

    // Drag to zoom: the panel asks for that step range and shows it.
    const over = loss.locator(".u-over");
    await over.scrollIntoViewIfNeeded();
    const box = await over.boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await until(
      "the zoomed series",
      async () =>
        (await loss.getAttribute("data-state")) === "ready" &&
        (await loss.getAttribute("data-zoomed")) !== null,
    );
    const [from, to] = ((await loss.getAttribute("data-zoomed")) ?? "").split("..").map(Number) as [
      number,
      number,
    ];
    assert.ok(from >= 40 && to <= 140 && from < to, `zoomed to ${from}..${to}`);
    const zoomedAt = await hover(loss, 0.5);
    const zoomedStep = Number(zoomedAt.x);
    assert.ok(zoomedStep >= from && zoomedStep <= to, `${zoomedStep} in ${from}..${to}`);
    assert.equal(zoomedAt.values["first run"], formatValue(1 / (zoomedStep + 1)));
    await page.getByRole("button", { name: "Reset zoom" }).click();
    await until("the zoom reset", async () => (await loss.getAttribute("data-zoomed")) === null);

    // Relative time on x: the same values, placed by time.
    await page.getByLabel("X axis").selectOption("runtime");
    await until("the runtime series", async () => (await loss.getAttribute("data-state")) === "ready");
    await loss.locator("canvas").first().waitFor();
    const timed = await hover(loss, 0.99);
    assert.match(timed.x, /\d+(\.\d+)?s$/);
    assert.equal(await loss.locator(`li[data-run="${first}"]`).getAttribute("data-value"), String(1 / STEPS));

    // Log scale and smoothing keep the panel drawn (no values are lost from the last-value list).
    await page.getByLabel("Log scale").check();
    await page.getByLabel("X axis").selectOption("step");
    await loss.locator("canvas").first().waitFor();
    assert.deepEqual(await lastOf(loss, first), [STEPS - 1, String(1 / STEPS)]);
  });

  it("the run page's System tab charts the system metrics the client sampled", async () => {
    const { page } = fx;
    const [first] = runIds as [string];
    const reply = await api(`/api/v1/runs/${entity}/${PROJECT}/${first}/system-metrics`);
    const sys = (await reply.json()) as { metrics: Record<string, (number | null)[]> };
    const [key, values] = Object.entries(sys.metrics).find(([k]) => !/\.\d+(\.|$)/.test(k)) ?? [];
    assert.ok(key && values, "a system metric without a device number");
    const last = values.findLast((v) => v !== null);
    await page.goto(`${fx.url}/${entity}/${PROJECT}/runs/${first}?tab=system`);
    const item = page.locator(`[data-testid="system-panel"] li[data-key="${key}"]`);
    await item.waitFor();
    assert.equal(await item.getAttribute("data-value"), String(last));
    await page.locator('[data-testid="system-panel"] canvas').first().waitFor();
    await screenshot(page, "charts-system");
  });

  it("the workspace's System metrics section draws every selected run, a line each", async () => {
    const { page } = fx;
    const expected = new Map<string, unknown>();
    let key = "";
    for (const run of runIds) {
      const reply = await api(`/api/v1/runs/${entity}/${PROJECT}/${run}/system-metrics`);
      const sys = (await reply.json()) as { metrics: Record<string, (number | null)[]> };
      key ||= Object.keys(sys.metrics).find((k) => !/\.\d+(\.|$)/.test(k)) ?? "";
      expected.set(
        run,
        sys.metrics[key]?.findLast((v) => v !== null),
      );
    }
    assert.ok(key, "a system metric without a device number");
    await page.goto(`${fx.url}/${entity}/${PROJECT}`);
    assert.equal(await page.locator('[data-testid="system-panels"]').count(), 0, "fetched only when opened");
    await page.getByText("System metrics", { exact: true }).click();
    for (const [run, last] of expected) {
      const item = page.locator(`[data-testid="system-panel"] li[data-key="${run}:${key}"]`);
      await item.waitFor();
      assert.equal(await item.getAttribute("data-value"), String(last));
    }
  });

  it("a running run's panel follows new steps without a reload", async () => {
    const stop = join(dir, "stop-live");
    const live = await startScript<{ run_id: string; steps: number }>(
      "chart_runs.py",
      ["--project", PROJECT, "--live", stop],
      client(),
    );
    try {
      const started = new Promise<string>((resolve) =>
        live.onLine((line) => {
          if (line.startsWith("STEP 5")) resolve(line);
        }),
      );
      await started;
      const { page } = fx;
      await page.goto(`${fx.url}/${entity}/${PROJECT}`);
      const panel = page.locator('[data-testid="metric-panel"][data-metric="live_metric"]');
      const item = panel.locator("li[data-run]");
      await item.waitFor({ timeout: 30_000 });
      const firstStep = Number(await item.getAttribute("data-step"));
      assert.equal(await item.getAttribute("data-value"), String(firstStep), "live_metric = step");
      // A later poll shows later steps, with no navigation in between.
      await until(
        "a later step",
        async () => Number(await item.getAttribute("data-step")) > firstStep + 5,
        30_000,
      );
      const laterStep = Number(await item.getAttribute("data-step"));
      assert.equal(await item.getAttribute("data-value"), String(laterStep));
      const running = page.locator(
        `[data-testid="run-row"][data-run="${await runIdOf(live)}"] [data-column="state"]`,
      );
      assert.equal((await running.textContent())?.trim(), "running");
    } finally {
      await writeFile(stop, "");
      await live.done;
    }
    // The table follows the run's state once it finishes, still without a reload.
    const { run_id } = (await live.done).result;
    const state = fx.page.locator(`[data-testid="run-row"][data-run="${run_id}"] [data-column="state"]`);
    await until(
      "the row shows finished",
      async () => (await state.textContent())?.trim() === "finished",
      30_000,
    );
  });
});

/** The run id a live script prints first (`STARTED <id>`). */
function runIdOf(script: { onLine(listener: (line: string) => void): void }): Promise<string> {
  return new Promise((resolve) =>
    script.onLine((line) => {
      if (line.startsWith("STARTED ")) resolve(line.slice(8).trim());
    }),
  );
}
