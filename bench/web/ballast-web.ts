/**
 * The web UI's page timings (issue 5): `ballast server` serving today's web build, a run with many
 * metrics and a project of many runs loaded through the real logging protocol (the reads part's
 * loader), the bench user given a password and signed in in Chromium (Debian's, driven by
 * playwright-core: e2e/support/browser.ts). Every repetition opens a fresh page and times in it
 * (page-probes.js): from navigation start to the first chart drawn and to every chart of the first
 * viewport drawn on the run page's Charts tab; to the first runs-table rows on the workspace; a
 * click-sort by a summary column until the rows are re-ordered; and the frame intervals while the
 * table is scrolled to the bottom. The first load of each page is a warm-up (browser cache, server
 * page cache), not counted.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { buildWebApp, launchBrowser, type TestBrowser } from "../../e2e/support/browser.ts";
import { type BallastServer, setPassword, startBallast } from "../lib/ballast-server.ts";
import { REPO_ROOT } from "../lib/child.ts";
import { latencySummary, percentile } from "../lib/stats.ts";
import type { ReadResult } from "../lib/types.ts";
import { BenchClient } from "../reads/http.ts";
import { loadHistoryRun, loadRunsProject, metricAt } from "../reads/load.ts";

const PROBES = join(REPO_ROOT, "bench", "web", "page-probes.js");
const PASSWORD = "bench web password";
const CHARTS_PROJECT = "bench-web-charts";
const CHARTS_RUN = "wide";
const RUNS_PROJECT = "bench-web-runs";
/** The summary column the table is sorted by (loadRunsProject's keys are s000, s001, …). */
const SORT_COLUMN = "summary.s001";
/** A hard fling or a drag of the scrollbar: ~31 rows per frame. */
const SCROLL_PX_PER_FRAME = 1000;

export function webSizes(smoke: boolean) {
  return smoke
    ? { metrics: 5, steps: 500, runs: 50, configKeys: 5, summaryKeys: 5, runPageReps: 2, workspaceReps: 2 }
    : {
        metrics: 50,
        steps: 100_000,
        runs: 10_000,
        configKeys: 100,
        summaryKeys: 100,
        runPageReps: 10,
        workspaceReps: 6,
      };
}

interface Marks {
  readonly firstRows: number | null;
  readonly firstDrawn: number | null;
  readonly viewportDrawn: number | null;
  readonly viewportPanels: number;
}

interface ScrollOutcome {
  readonly intervals: number[];
  readonly pendingFrames: number;
  readonly fillMs: number;
  readonly lastRow: number;
  readonly rowCount: number;
}

const count = (n: number) => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : `${n}`);
const ms = (value: number) => `${value.toFixed(0)} ms`;

function result(name: string, samples: readonly number[], notes: string): ReadResult {
  const summary = latencySummary(samples);
  return {
    system: "ballast-web",
    name,
    samples: samples.length,
    p50Ms: summary?.p50 ?? Number.NaN,
    p99Ms: summary?.p99 ?? Number.NaN,
    notes,
  };
}

/** A fresh page at `url`, resolved once page-probes.js has set the mark `ready`. */
async function openPage(
  browser: TestBrowser,
  url: string,
  ready: "firstRows" | "viewportDrawn",
  timeout: number,
): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(url, { waitUntil: "commit" });
  // A function, not a string: the app's CSP (no 'unsafe-eval') refuses Playwright's string predicates.
  await page.waitForFunction(
    (mark) => {
      const probes = (globalThis as { __bench?: { marks: Record<string, unknown> } }).__bench;
      return probes !== undefined && probes.marks[mark] !== null;
    },
    ready,
    { timeout },
  );
  return page;
}

async function marksOf(page: Page): Promise<Marks> {
  return (await page.evaluate("window.__bench.marks")) as Marks;
}

/** Signs `username` in through the sign-in form, as a person does; the session cookie stays in the context. */
async function signIn(browser: TestBrowser, url: string, username: string): Promise<void> {
  const { page } = browser;
  await page.goto(`${url}/`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: username }).waitFor();
}

async function measureRunPage(
  browser: TestBrowser,
  server: BallastServer,
  sizes: ReturnType<typeof webSizes>,
  timeout: number,
): Promise<ReadResult[]> {
  const url = `${server.url}/${server.entity}/${CHARTS_PROJECT}/runs/${CHARTS_RUN}?tab=charts`;
  const first: number[] = [];
  const viewport: number[] = [];
  let panelsInView = 0;
  let shown = "";
  for (let rep = -1; rep < sizes.runPageReps; rep++) {
    const page = await openPage(browser, url, "viewportDrawn", timeout);
    try {
      const marks = await marksOf(page);
      if (rep === -1) {
        shown = await checkRunPage(page, sizes);
        continue;
      }
      first.push(marks.firstDrawn ?? Number.NaN);
      viewport.push(marks.viewportDrawn ?? Number.NaN);
      panelsInView = marks.viewportPanels;
    } finally {
      await page.close();
    }
  }
  const what = `run page Charts tab, ${sizes.metrics} metrics × ${count(sizes.steps)} steps`;
  return [
    result(
      `${what}: first chart drawn`,
      first,
      `navigation start → the first panel's uPlot draw hook ran with data (fresh page each time; the browser's cache holds the app's assets); ${shown}`,
    ),
    result(
      `${what}: every chart in the first viewport drawn`,
      viewport,
      `navigation start → the last of the ${panelsInView} panels in the 1280×800 viewport drawn`,
    ),
  ];
}

/** The page shows a panel per metric, and the first one's last value is the one logged. */
async function checkRunPage(page: Page, sizes: ReturnType<typeof webSizes>): Promise<string> {
  const panels = await page.locator('[data-testid="metric-panel"]').count();
  if (panels !== sizes.metrics)
    throw new Error(`the Charts tab shows ${panels} panels, not ${sizes.metrics}`);
  const firstPanel = page.locator('[data-testid="metric-panel"][data-metric="metric_00"]');
  const value = Number(await firstPanel.locator(".panel-latest li").first().getAttribute("data-value"));
  const expected = metricAt(0, sizes.steps - 1);
  if (Math.abs(value - expected) > 1e-9 * Math.abs(expected)) {
    throw new Error(`metric_00's last value on the page is ${value}, logged ${expected}`);
  }
  const points = await firstPanel.getAttribute("data-points");
  const drawn = await firstPanel.locator(".line-chart").getAttribute("data-drawn");
  return `${panels} panels; the first draws ${drawn} x values (${points} points from the bucketed series)`;
}

async function measureWorkspace(
  browser: TestBrowser,
  server: BallastServer,
  sizes: ReturnType<typeof webSizes>,
  timeout: number,
): Promise<ReadResult[]> {
  const url = `${server.url}/${server.entity}/${RUNS_PROJECT}`;
  const firstRows: number[] = [];
  const sorts: number[] = [];
  const intervals: number[] = [];
  const fills: number[] = [];
  let frames = 0;
  let pendingFrames = 0;
  let sortedRows = 0;
  for (let rep = -1; rep < sizes.workspaceReps; rep++) {
    const page = await openPage(browser, url, "firstRows", timeout);
    try {
      const marks = await marksOf(page);
      // Let the first load settle (the charts under the table, the first windows) before the clicks.
      await page.waitForLoadState("networkidle", { timeout });
      const sorted = (await page.evaluate(`window.__bench.sort(${JSON.stringify(SORT_COLUMN)})`)) as {
        ms: number;
        rows: number;
      };
      const scrolled = (await page.evaluate(
        `window.__bench.scroll(${SCROLL_PX_PER_FRAME})`,
      )) as ScrollOutcome;
      if (scrolled.lastRow !== scrolled.rowCount || scrolled.rowCount !== sizes.runs + 1) {
        throw new Error(
          `scrolled to row ${scrolled.lastRow} of ${scrolled.rowCount}; the table has ${sizes.runs} runs and a header`,
        );
      }
      if (rep === -1) continue;
      firstRows.push(marks.firstRows ?? Number.NaN);
      sorts.push(sorted.ms);
      sortedRows = sorted.rows;
      intervals.push(...scrolled.intervals);
      frames += scrolled.intervals.length;
      pendingFrames += scrolled.pendingFrames;
      fills.push(scrolled.fillMs);
    } finally {
      await page.close();
    }
  }
  const what = `workspace, ${count(sizes.runs)} runs × ${sizes.configKeys + sizes.summaryKeys} keys`;
  const slow = intervals.filter((i) => i > 50).length;
  return [
    result(
      `${what}: first table rows`,
      firstRows,
      "navigation start → the first run row in the DOM (fresh page each time; assets cached)",
    ),
    result(
      `${what}: sort by a summary column`,
      sorts,
      `click on the ${SORT_COLUMN} header → all ${sortedRows} rendered rows are runs, ascending by it`,
    ),
    result(
      `${what}: frame interval while scrolling to the bottom`,
      intervals,
      `requestAnimationFrame intervals, the table scrolled ${SCROLL_PX_PER_FRAME} px per frame top to bottom (${frames} frames over ${sizes.workspaceReps} scrolls; ${slow} over 50 ms; max ${ms(Math.max(...intervals))}); placeholder rows on screen in ${((pendingFrames / Math.max(1, frames)) * 100).toFixed(0)}% of frames; the last rows filled ${ms(percentile(fills, 50))} p50 after reaching the bottom`,
    ),
  ];
}

export async function ballastWeb(opts: { readonly smoke: boolean }): Promise<ReadResult[]> {
  const sizes = webSizes(opts.smoke);
  const timeout = opts.smoke ? 30_000 : 120_000;
  await buildWebApp();
  const server = await startBallast();
  try {
    const client = new BenchClient(server.url, server.apiKey);
    let loaded: string;
    try {
      const metrics = Array.from({ length: sizes.metrics }, (_, i) => `metric_${String(i).padStart(2, "0")}`);
      const [history, runs] = await Promise.all([
        loadHistoryRun(
          client,
          { entity: server.entity, project: CHARTS_PROJECT, run: CHARTS_RUN },
          sizes.steps,
          2_000,
          metrics,
        ),
        loadRunsProject(
          client,
          { entity: server.entity, project: RUNS_PROJECT },
          { ...sizes, concurrency: 4 },
        ),
      ]);
      loaded = `data loaded through UpsertBucket + file_stream: the run in ${history.toFixed(1)} s, the runs in ${runs.toFixed(1)} s`;
    } finally {
      client.close();
    }
    await setPassword(server.dataDir, server.entity, PASSWORD);
    const browser = await launchBrowser();
    try {
      await browser.context.addInitScript({ path: PROBES });
      await signIn(browser, server.url, server.entity);
      const results = [
        ...(await measureRunPage(browser, server, sizes, timeout)),
        ...(await measureWorkspace(browser, server, sizes, timeout)),
      ];
      if (browser.pageErrors.length > 0) {
        throw new Error(`the pages threw: ${browser.pageErrors.map((e) => e.message).join("; ")}`);
      }
      const first = results[0];
      if (first) results[0] = { ...first, notes: `${first.notes ?? ""}; ${loaded}` };
      return results;
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
}
