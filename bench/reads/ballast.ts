/**
 * The read side of the benchmark against a running Ballast server: loads the data through the real
 * logging protocol (bench/reads/load.ts), then times the reads a chart, `scan_history`, sampled
 * history and the runs table make, each several times, reporting p50/p99 of the latency the client
 * observes on loopback (the server's time plus socket overhead of well under a millisecond).
 */
import { latencySummary } from "../lib/stats.ts";
import type { ReadResult } from "../lib/types.ts";
import { BenchClient } from "./http.ts";
import { loadHistoryRun, loadRunsProject } from "./load.ts";

export interface BallastReadOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly dataDir: string;
  readonly smoke: boolean;
}

/** The data sets: the sizes, or tiny ones for the smoke run. */
export function readSizes(smoke: boolean) {
  return smoke
    ? {
        bigSteps: 20_000,
        mediumSteps: 5_000,
        runs: 200,
        configKeys: 10,
        summaryKeys: 10,
        reps: 3,
        pageSize: 1000,
      }
    : {
        bigSteps: 10_000_000,
        mediumSteps: 1_000_000,
        runs: 10_000,
        configKeys: 100,
        summaryKeys: 100,
        reps: 30,
        pageSize: 1000,
      };
}

const PROJECT_HISTORY = "bench-reads-history";
const PROJECT_RUNS = "bench-reads-runs";
const LINES_PER_REQUEST = 10_000;

const VIEWER = "query Viewer { viewer { entity } }";

/** wandb-core's HistoryPage (scan_history without keys, one page per request). */
const HISTORY_PAGE = `query HistoryPage($entity: String!, $project: String!, $run: String!, $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) {
  project(name: $project, entityName: $entity) { run(name: $run) { history(minStep: $minStep, maxStep: $maxStep, samples: $pageSize) } }
}`;

/** `run.history(keys=[…])` in wandb/apis/public/runs.py `_sampled_history`. */
const SAMPLED_HISTORY = `query RunSampledHistory($project: String!, $entity: String!, $name: String!, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) { run(name: $name) { sampledHistory(specs: $specs) } }
}`;

/** `api.runs(path, filters, order, lazy=False)`: the Runs document with RunFragment (runs.py). */
const RUNS = `query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    internalId
    runCount(filters: $filters)
    readOnly
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { projectId ...RunFragment } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}
fragment RunFragment on Run {
  id tags name displayName sweepName state config group jobType commit readOnly createdAt heartbeatAt
  description notes systemMetrics summaryMetrics historyLineCount user { name username } historyKeys
}`;

interface SeriesAnswer {
  readonly exact: boolean;
  readonly points: readonly { step: number; min: unknown; max: unknown; last: unknown; lastStep: number }[];
}

const count = (n: number) =>
  n >= 1_000_000 && n % 1_000_000 === 0
    ? `${n / 1_000_000}M`
    : n >= 1000 && n % 1000 === 0
      ? `${n / 1000}k`
      : `${n}`;

function result(name: string, samples: readonly number[], notes: string): ReadResult {
  const summary = latencySummary(samples);
  return {
    system: "ballast",
    name,
    samples: samples.length,
    p50Ms: summary?.p50 ?? Number.NaN,
    p99Ms: summary?.p99 ?? Number.NaN,
    notes,
  };
}

async function repeat(reps: number, once: () => Promise<number>): Promise<number[]> {
  await once(); // warm-up: first statement preparation and page cache, not counted
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push(await once());
  return samples;
}

/** Loads the read data sets into the server at `opts.url` (as `opts.apiKey`'s user). */
export async function loadReadData(client: BenchClient, entity: string, smoke: boolean): Promise<string> {
  const sizes = readSizes(smoke);
  const [big, medium, runs] = await Promise.all([
    loadHistoryRun(
      client,
      { entity, project: PROJECT_HISTORY, run: "big" },
      sizes.bigSteps,
      LINES_PER_REQUEST,
    ),
    loadHistoryRun(
      client,
      { entity, project: PROJECT_HISTORY, run: "medium" },
      sizes.mediumSteps,
      LINES_PER_REQUEST,
    ),
    loadRunsProject(client, { entity, project: PROJECT_RUNS }, { ...sizes, concurrency: 4 }),
  ]);
  return (
    `loaded concurrently through UpsertBucket + file_stream (${LINES_PER_REQUEST} lines per request): ` +
    `${count(sizes.bigSteps)}-step run in ${big.toFixed(1)} s, ${count(sizes.mediumSteps)}-step run in ${medium.toFixed(1)} s, ` +
    `${count(sizes.runs)} runs × (${sizes.configKeys} config + ${sizes.summaryKeys} summary keys) in ${runs.toFixed(1)} s`
  );
}

/** Times the reads on data loaded by loadReadData. */
export async function measureReads(
  client: BenchClient,
  entity: string,
  smoke: boolean,
): Promise<ReadResult[]> {
  const sizes = readSizes(smoke);
  const out: ReadResult[] = [];
  const seriesPath = (run: string, query: string) =>
    `/api/v1/runs/${encodeURIComponent(entity)}/${PROJECT_HISTORY}/${run}/series?metric=loss&buckets=1000${query}`;

  for (const [run, steps] of [
    ["medium", sizes.mediumSteps],
    ["big", sizes.bigSteps],
  ] as const) {
    let whole: SeriesAnswer | undefined;
    const wholeSamples = await repeat(sizes.reps, async () => {
      const reply = await client.send("GET", seriesPath(run, ""));
      if (reply.status !== 200) throw new Error(`series answered ${reply.status}: ${reply.body}`);
      whole = JSON.parse(reply.body) as SeriesAnswer;
      return reply.ms;
    });
    out.push(
      result(
        `chart series 1,000 buckets, ${count(steps)} steps, whole range`,
        wholeSamples,
        `GET /api/v1/…/series; ${whole?.points.length ?? 0} buckets, exact=${whole?.exact}`,
      ),
    );
    const from = Math.floor(steps / 2);
    let zoom: SeriesAnswer | undefined;
    const zoomSamples = await repeat(sizes.reps, async () => {
      const reply = await client.send("GET", seriesPath(run, `&minStep=${from}&maxStep=${from + 999}`));
      if (reply.status !== 200) throw new Error(`series answered ${reply.status}: ${reply.body}`);
      zoom = JSON.parse(reply.body) as SeriesAnswer;
      return reply.ms;
    });
    if (!zoom?.exact || zoom.points.length !== 1000) {
      throw new Error(
        `zoomed series of 1,000 steps must be exact; got exact=${zoom?.exact}, ${zoom?.points.length} points`,
      );
    }
    out.push(
      result(
        `chart series 1,000 buckets, ${count(steps)} steps, zoomed to 1,000 steps`,
        zoomSamples,
        "exact (every stored point), as required when the range holds ≤ 1,000 points",
      ),
    );
  }

  // scan_history of the medium run: HistoryPage pages [a, a + pageSize) as wandb-core sends them.
  const pageSamples: number[] = [];
  let rows = 0;
  const scanStarted = performance.now();
  for (let a = 0; a < sizes.mediumSteps; a += sizes.pageSize) {
    const b = Math.min(a + sizes.pageSize, sizes.mediumSteps);
    const { data, ms } = await client.graphql(HISTORY_PAGE, {
      entity,
      project: PROJECT_HISTORY,
      run: "medium",
      minStep: a,
      maxStep: b,
      pageSize: b - a,
    });
    const lines = (data as { project: { run: { history: string[] } } }).project.run.history;
    rows += lines.length;
    pageSamples.push(ms);
  }
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  if (rows !== sizes.mediumSteps) throw new Error(`scan_history read ${rows} rows of ${sizes.mediumSteps}`);
  out.push(
    result(
      `scan_history ${count(sizes.mediumSteps)} rows (HistoryPage, ${sizes.pageSize} per page)`,
      pageSamples,
      `per-page latency; whole scan ${scanSeconds.toFixed(2)} s, ${Math.round(rows / scanSeconds).toLocaleString("en")} rows/s`,
    ),
  );

  let sampledRows = 0;
  const sampledSamples = await repeat(sizes.reps, async () => {
    const { data, ms } = await client.graphql(SAMPLED_HISTORY, {
      entity,
      project: PROJECT_HISTORY,
      name: "big",
      specs: [JSON.stringify({ keys: ["_step", "loss"], samples: 500 })],
    });
    sampledRows =
      (data as { project: { run: { sampledHistory: unknown[][] } } }).project.run.sampledHistory[0]?.length ??
      0;
    return ms;
  });
  out.push(
    result(
      `sampledHistory 500 samples, ${count(sizes.bigSteps)} steps`,
      sampledSamples,
      `run.history(keys=["loss"]) (RunSampledHistory); ${sampledRows} rows`,
    ),
  );

  let total = 0;
  let page = 0;
  const runsSamples = await repeat(sizes.reps, async () => {
    const { data, ms } = await client.graphql(RUNS, {
      entity,
      project: PROJECT_RUNS,
      perPage: 50,
      filters: JSON.stringify({ "config.c000": { $gt: 0.5 } }),
      order: "-summary_metrics.s001",
    });
    const project = (data as { project: { runCount: number; runs: { edges: unknown[] } } }).project;
    total = project.runCount;
    page = project.runs.edges.length;
    return ms;
  });
  out.push(
    result(
      `runs query, ${count(sizes.runs)} runs × ${sizes.configKeys + sizes.summaryKeys} keys (filter + sort + first 50)`,
      runsSamples,
      `Runs with RunFragment, filter config.c000 > 0.5, order -summary_metrics.s001, runCount ${total}, page ${page}`,
    ),
  );
  return out;
}

export async function ballastReads(opts: BallastReadOptions): Promise<ReadResult[]> {
  const client = new BenchClient(opts.url, opts.apiKey);
  try {
    const { data } = await client.graphql(VIEWER, {});
    const entity = (data as { viewer: { entity: string } | null }).viewer?.entity;
    if (!entity) throw new Error("the API key has no viewer entity");
    const loaded = await loadReadData(client, entity, opts.smoke);
    const results = await measureReads(client, entity, opts.smoke);
    const first = results[0];
    if (first) results[0] = { ...first, notes: `${first.notes ?? ""}; data ${loaded}` };
    return results;
  } finally {
    client.close();
  }
}
