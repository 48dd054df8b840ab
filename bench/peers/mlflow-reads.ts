/**
 * MLflow's equivalents of Ballast's read queries, on data loaded through its own REST API:
 *
 * - `GET metrics/get-history` — the full history of one metric of a long run, paged with
 *   max_results = 25,000 (what MLflow's Python client uses: GET_METRIC_HISTORY_MAX_RESULTS).
 * - `GET metrics/get-history-bulk-interval` (present in this version) — what MLflow's UI charts
 *   load: up to max_results points per run, *evenly sampled rows* (first and last kept), not
 *   min/max/last buckets; asked for 1,000 points, the nearest to a 1,000-bucket chart series.
 * - `POST runs/search` — a project of many runs with params and metrics: filter + order_by + the
 *   first page (50 runs: the page size of wandb's `Api().runs()`, per_page=50).
 *
 * Loading is bounded by time, not only by size: MLflow ingests a few thousand points per second,
 * so the full sizes (1M steps, 10,000 runs) are targets; loading stops after a time budget and the
 * size reached is in the read's name and notes.
 */
import { percentile } from "../lib/stats.ts";
import type { ReadResult, ReadSizes } from "../lib/types.ts";
import {
  createExperiment,
  createRun,
  inParallel,
  LOG_BATCH_LIMITS,
  MlflowClient,
  type MlflowMetric,
} from "./mlflow-http.ts";

interface Plan {
  /** Target steps of the long run's metric. */
  readonly historySteps: number;
  /** Target runs of the search project. */
  readonly searchRuns: number;
  /** Params and metrics per run of the search project (half each). */
  readonly keysPerRun: number;
  /** Loading stops after this long (per data set). */
  readonly loadBudgetMs: number;
  /** Samples per read: at least min, more while the budget lasts, at most max. */
  readonly samples: { readonly min: number; readonly max: number; readonly budgetMs: number };
}

const SMOKE: Plan = {
  historySteps: 2_000,
  searchRuns: 40,
  keysPerRun: 20,
  loadBudgetMs: 60_000,
  samples: { min: 3, max: 3, budgetMs: 0 },
};
const FULL: Plan = {
  historySteps: 1_000_000,
  searchRuns: 10_000,
  keysPerRun: 200,
  loadBudgetMs: 180_000,
  samples: { min: 3, max: 20, budgetMs: 45_000 },
};

/** Requests in flight while loading (disjoint step ranges / distinct runs; MLflow needs no order). */
const LOAD_CONCURRENCY = 4;
const HISTORY_PAGE = 25_000;
const CHART_POINTS = 1_000;
const SEARCH_PAGE = 50;

const fmt = (n: number) => n.toLocaleString("en-US");

export async function mlflowReads(url: string, sizes: ReadSizes): Promise<ReadResult[]> {
  const plan = sizes.smoke ? SMOKE : FULL;
  const client = new MlflowClient(url, LOAD_CONCURRENCY);
  try {
    const experimentId = await createExperiment(client, `bench-reads-${Date.now()}`);
    const history = await loadHistory(client, experimentId, plan);
    const search = await loadSearchProject(client, plan);
    const results = [
      await readFullHistory(client, history, plan),
      await readSampledSeries(client, history, plan),
      await readSearch(client, search, plan),
    ];
    return client.retries > 0
      ? results.map((r) => ({
          ...r,
          notes: `${r.notes ?? ""}; ${client.retries} retried requests while loading/reading`,
        }))
      : results;
  } finally {
    client.close();
  }
}

interface Loaded {
  readonly runId: string;
  readonly steps: number;
  readonly loadSeconds: number;
  readonly truncated: boolean;
}

/** One run with one metric `loss` at steps 0..N-1, 1,000 steps per log-batch. */
async function loadHistory(client: MlflowClient, experimentId: string, plan: Plan): Promise<Loaded> {
  const { body: runId } = await createRun(client, experimentId, "history");
  const perBatch = LOG_BATCH_LIMITS.metrics;
  const batches = Math.ceil(plan.historySteps / perBatch);
  const started = performance.now();
  const deadline = started + plan.loadBudgetMs;
  let taken = 0;
  await inParallel(batches, LOAD_CONCURRENCY, async (i) => {
    if (performance.now() > deadline) return; // batches are taken in order: those taken form a prefix
    taken = Math.max(taken, i + 1);
    const metrics: MlflowMetric[] = [];
    const end = Math.min(plan.historySteps, (i + 1) * perBatch);
    for (let step = i * perBatch; step < end; step++) {
      metrics.push({
        key: "loss",
        value: 1 / Math.sqrt(step + 1) + 0.01 * Math.sin(step * 0.37),
        timestamp: 1_700_000_000_000 + step * 10,
        step,
      });
    }
    await client.post("runs/log-batch", { run_id: runId, metrics });
  });
  const steps = Math.min(plan.historySteps, taken * perBatch);
  return {
    runId,
    steps,
    loadSeconds: (performance.now() - started) / 1000,
    truncated: steps < plan.historySteps,
  };
}

interface SearchProject {
  readonly experimentId: string;
  readonly runs: number;
  readonly loadSeconds: number;
  readonly truncated: boolean;
}

/**
 * An experiment of runs, each with keysPerRun/2 params (`optimizer` among three values, then
 * `param_i`) and keysPerRun/2 metrics (`acc`, `loss`, then `metric_i`) in one log-batch
 * (100 params + 100 metrics is within the 100-param and 1,000-entity limits).
 */
async function loadSearchProject(client: MlflowClient, plan: Plan): Promise<SearchProject> {
  const experimentId = await createExperiment(client, `bench-search-${Date.now()}`);
  const half = Math.min(LOG_BATCH_LIMITS.params, Math.floor(plan.keysPerRun / 2));
  const started = performance.now();
  const deadline = started + plan.loadBudgetMs;
  let loaded = 0;
  await inParallel(plan.searchRuns, LOAD_CONCURRENCY, async (i) => {
    if (performance.now() > deadline) return;
    const { body: runId } = await createRun(client, experimentId, `run-${i}`);
    const params = [{ key: "optimizer", value: ["adam", "sgd", "adamw"][i % 3] ?? "adam" }];
    for (let k = 1; k < half; k++)
      params.push({ key: `param_${k}`, value: String((i * 31 + k * 17) % 1000) });
    const timestamp = Date.now();
    const acc = ((i * 7919) % 10_000) / 10_000; // a deterministic spread over [0, 1)
    const metrics: MlflowMetric[] = [
      { key: "acc", value: acc, timestamp, step: 0 },
      { key: "loss", value: 1 - acc + ((i * 13) % 97) / 1000, timestamp, step: 0 },
    ];
    for (let k = 2; k < half; k++)
      metrics.push({ key: `metric_${k}`, value: ((i + 1) * (k + 3)) % 997, timestamp, step: 0 });
    await client.post("runs/log-batch", { run_id: runId, params, metrics });
    loaded++;
  });
  return {
    experimentId,
    runs: loaded,
    loadSeconds: (performance.now() - started) / 1000,
    truncated: loaded < plan.searchRuns,
  };
}

/** A first call slower than this is a sample itself, not a warm-up (see measure). */
const SLOW_CALL_MS = 5_000;

/**
 * Times `fn`: a first call warms up (connections, lazy imports, page cache), then samples are
 * taken while the budget (counted from the first call) lasts, at least `min`, at most `max`.
 * A read that takes seconds (MLflow's full history of a long metric takes about a minute) is
 * not made faster by a warm-up, and repeating it would stretch the run by minutes: when the
 * first call is slower than SLOW_CALL_MS it counts, and `min` drops to 1.
 */
async function measure(plan: Plan, fn: () => Promise<void>): Promise<number[]> {
  const started = performance.now();
  await fn();
  const first = performance.now() - started;
  const slow = first > SLOW_CALL_MS;
  const samples: number[] = slow ? [first] : [];
  const min = slow ? 1 : plan.samples.min;
  while (
    samples.length < min ||
    (samples.length < plan.samples.max &&
      performance.now() - started + (slow ? first : 0) < plan.samples.budgetMs)
  ) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples;
}

function result(name: string, samples: number[], notes: string): ReadResult {
  return {
    system: "mlflow",
    name,
    samples: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    notes,
  };
}

function loadNote(
  what: string,
  loaded: number,
  target: number,
  seconds: number,
  perItem: number,
  truncated: boolean,
): string {
  const rate = `loaded ${fmt(loaded)} ${what} in ${seconds.toFixed(0)} s (${fmt(Math.round((loaded * perItem) / seconds))} points/s over REST)`;
  return truncated
    ? `${rate}; the target ${fmt(target)} would not load within ${(seconds / 60).toFixed(0)} min, so this size`
    : rate;
}

interface HistoryPage {
  readonly metrics?: readonly { readonly step?: number | string }[];
  readonly next_page_token?: string;
}

async function readFullHistory(client: MlflowClient, history: Loaded, plan: Plan): Promise<ReadResult> {
  const fetchAll = async () => {
    let count = 0;
    let token: string | undefined;
    do {
      const query: Record<string, string | number> = {
        run_id: history.runId,
        metric_key: "loss",
        max_results: HISTORY_PAGE,
      };
      if (token) query.page_token = token;
      const { body } = await client.get<HistoryPage>("metrics/get-history", query);
      count += body.metrics?.length ?? 0;
      token = body.next_page_token;
    } while (token);
    if (count !== history.steps)
      throw new Error(`get-history returned ${count} points, expected ${history.steps}`);
  };
  const samples = await measure(plan, fetchAll);
  return result(
    `get-history, full history of 1 metric, ${fmt(history.steps)} steps`,
    samples,
    `all pages of max_results=${fmt(HISTORY_PAGE)} (${Math.ceil(history.steps / HISTORY_PAGE)} request(s), each an OFFSET query); ${loadNote("steps", history.steps, plan.historySteps, history.loadSeconds, 1, history.truncated)}`,
  );
}

async function readSampledSeries(client: MlflowClient, history: Loaded, plan: Plan): Promise<ReadResult> {
  const fetchSampled = async () => {
    const { body } = await client.get<HistoryPage>("metrics/get-history-bulk-interval", {
      run_ids: [history.runId],
      metric_key: "loss",
      max_results: CHART_POINTS,
    });
    const points = body.metrics ?? [];
    const wanted = Math.min(CHART_POINTS, history.steps);
    if (points.length !== wanted)
      throw new Error(`get-history-bulk-interval returned ${points.length} points, expected ${wanted}`);
    if (Number(points.at(-1)?.step) !== history.steps - 1)
      throw new Error("get-history-bulk-interval lost the last step");
  };
  const samples = await measure(plan, fetchSampled);
  return result(
    `get-history-bulk-interval, ${fmt(CHART_POINTS)} points of 1 metric, ${fmt(history.steps)} steps`,
    samples,
    "MLflow's chart query: evenly sampled rows (first and last kept), not min/max/last buckets",
  );
}

interface SearchPage {
  readonly runs?: readonly unknown[];
}

async function readSearch(client: MlflowClient, project: SearchProject, plan: Plan): Promise<ReadResult> {
  const query = {
    experiment_ids: [project.experimentId],
    filter: "params.optimizer = 'adam' and metrics.acc > 0.5",
    order_by: ["metrics.loss ASC"],
    max_results: SEARCH_PAGE,
  };
  const matching = Math.ceil(project.runs / 3 / 2); // ~a third are adam, ~half of those have acc > 0.5
  const search = async () => {
    const { body } = await client.post<SearchPage>("runs/search", query);
    const got = body.runs?.length ?? 0;
    if (got === 0 || (matching >= 2 * SEARCH_PAGE && got !== SEARCH_PAGE)) {
      throw new Error(`runs/search returned ${got} runs from ${project.runs}`);
    }
  };
  const samples = await measure(plan, search);
  return result(
    `search-runs, ${fmt(project.runs)} runs × ${plan.keysPerRun} params/metrics, filter + order_by + first ${SEARCH_PAGE}`,
    samples,
    `filter "${query.filter}", order_by ${query.order_by[0]}; every run returned with all its params, metrics and tags; ${loadNote("runs", project.runs, plan.searchRuns, project.loadSeconds, plan.keysPerRun, project.truncated)}`,
  );
}
