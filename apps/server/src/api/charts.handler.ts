/**
 * The web UI's chart data (docs/web-api.md, "Charts"): the metric keys of a set of runs, one
 * metric's bucketed series for several runs in one request (x by step, relative or wall time), and
 * a run's system metrics. Series go out as columns (one array per field) so a browser decodes
 * 100k points without building an object per point. NaN is null, ±Infinity the strings
 * "Infinity" / "-Infinity" (as in series.handler.ts).
 */
import { AppError } from "@ballast/core";
import { MAX_BUCKETS } from "../domain/runs/chart-series.ts";
import type { ChartX } from "../domain/runs/chart-x.ts";
import type { Services } from "../domain/services.ts";
import type { Handler } from "../http/router.ts";
import { requireCaller } from "./caller.ts";
import { sendPrivateJson, wireNumber } from "./json-request.ts";

/** Runs per request: a workspace charts at most this many selected runs at once. */
export const MAX_CHART_RUNS = 100;
const MAX_SYSTEM_SAMPLES = 10_000;

function runNames(url: URL): string[] {
  const names = url.searchParams.getAll("run").filter((n) => n !== "");
  if (names.length === 0) throw new AppError("INVALID_ARGUMENT", "Name at least one `run`.");
  if (names.length > MAX_CHART_RUNS)
    throw new AppError("INVALID_ARGUMENT", `At most ${MAX_CHART_RUNS} runs per request.`);
  return names;
}

function numberParam(url: URL, name: string, integer: boolean): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return undefined;
  const value = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value)))
    throw new AppError("INVALID_ARGUMENT", `${name} must be ${integer ? "an integer" : "a number"}.`);
  return value;
}

function xParam(url: URL): ChartX {
  const x = url.searchParams.get("x") ?? "step";
  if (x !== "step" && x !== "runtime" && x !== "timestamp")
    throw new AppError("INVALID_ARGUMENT", "x must be step, runtime or timestamp.");
  return x;
}

/** `GET /api/v1/projects/:entity/:project/metric-keys?run=…` → `{ keys: [{ name, runs }] }`. */
export function metricKeysHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const runs = await services.runReads.readableRuns(
      user,
      params.entity ?? "",
      params.project ?? "",
      runNames(url),
    );
    const counts = new Map<string, number>();
    for (const run of runs) {
      const { keys } = await services.runReads.historyKeys(run);
      // `_step`, `_runtime`, `_timestamp` are axes, not metrics.
      for (const { name } of keys) if (!name.startsWith("_")) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const keys = [...counts].map(([name, count]) => ({ name, runs: count }));
    keys.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    sendPrivateJson(res, 200, { keys });
  };
}

/**
 * `GET /api/v1/projects/:entity/:project/chart-series?run=…&metric=…&x=&buckets=&minX=&maxX=` →
 * `{ x, runs: [{ run, exact, x: [], step: [], min: [], max: [], last: [] }] }`.
 */
export function chartSeriesHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const metric = url.searchParams.get("metric");
    if (!metric) throw new AppError("INVALID_ARGUMENT", "`metric` is required.");
    const x = xParam(url);
    const buckets = numberParam(url, "buckets", true) ?? 1000;
    if (buckets < 2 || buckets > MAX_BUCKETS)
      throw new AppError("INVALID_ARGUMENT", `buckets must be from 2 to ${MAX_BUCKETS}.`);
    const minX = numberParam(url, "minX", x === "step");
    const maxX = numberParam(url, "maxX", x === "step");
    if (minX !== undefined && maxX !== undefined && minX > maxX)
      throw new AppError("INVALID_ARGUMENT", "minX must not be above maxX.");
    const runs = await services.runReads.readableRuns(
      user,
      params.entity ?? "",
      params.project ?? "",
      runNames(url),
    );
    const series = await Promise.all(
      runs.map((run) => services.runReads.seriesByX(run, { metric, buckets, x, minX, maxX })),
    );
    sendPrivateJson(res, 200, {
      x,
      runs: runs.map((run, i) => {
        const s = series[i];
        return {
          run: run.name,
          exact: s?.exact ?? true,
          x: s?.x ?? [],
          step: s?.step ?? [],
          min: s?.min.map(wireNumber) ?? [],
          max: s?.max.map(wireNumber) ?? [],
          last: s?.last.map(wireNumber) ?? [],
        };
      }),
    });
  };
}

/**
 * `GET /api/v1/runs/:entity/:project/:run/system-metrics?samples=` →
 * `{ runtime: [], timestamp: [], metrics: { "system.cpu": [] , … } }`.
 */
export function systemMetricsHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const samples = numberParam(url, "samples", true) ?? 2000;
    if (samples < 2 || samples > MAX_SYSTEM_SAMPLES)
      throw new AppError("INVALID_ARGUMENT", `samples must be from 2 to ${MAX_SYSTEM_SAMPLES}.`);
    const [run] = await services.runReads.readableRuns(user, params.entity ?? "", params.project ?? "", [
      params.run ?? "",
    ]);
    if (!run)
      throw new AppError(
        "RUN_NOT_FOUND",
        `Run ${params.entity}/${params.project}/${params.run} does not exist.`,
      );
    const series = await services.runReads.systemSeries(run, samples);
    const metrics: Record<string, (number | string | null)[]> = {};
    for (const [key, values] of Object.entries(series.metrics)) metrics[key] = values.map(wireNumber);
    sendPrivateJson(res, 200, { runtime: series.runtime, timestamp: series.timestamp, metrics });
  };
}
