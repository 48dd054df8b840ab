/** The chart data endpoints (docs/web-api.md, "Charts"). */
import type { XKind } from "../charts/axes.ts";
import type { WireValue } from "../charts/series-data.ts";
import { request } from "./client.ts";

export interface MetricKey {
  readonly name: string;
  /** How many of the asked runs logged it. */
  readonly runs: number;
}

export interface RunSeries {
  readonly run: string;
  /** True when the points are the logged points themselves, not buckets. */
  readonly exact: boolean;
  readonly x: (number | null)[];
  readonly step: number[];
  readonly min: WireValue[];
  readonly max: WireValue[];
  readonly last: WireValue[];
}

export interface ChartSeriesAnswer {
  readonly x: XKind;
  readonly runs: RunSeries[];
}

export interface SystemMetricsAnswer {
  readonly runtime: (number | null)[];
  readonly timestamp: (number | null)[];
  readonly metrics: Record<string, WireValue[]>;
}

const seg = encodeURIComponent;

function runParams(runs: readonly string[]): URLSearchParams {
  const params = new URLSearchParams();
  for (const run of runs) params.append("run", run);
  return params;
}

export async function fetchMetricKeys(
  entity: string,
  project: string,
  runs: readonly string[],
): Promise<MetricKey[]> {
  const answer = await request<{ keys: MetricKey[] }>(
    "GET",
    `/api/v1/projects/${seg(entity)}/${seg(project)}/metric-keys?${runParams(runs)}`,
  );
  return answer.keys;
}

export function fetchChartSeries(
  entity: string,
  project: string,
  query: {
    runs: readonly string[];
    metric: string;
    x: XKind;
    buckets: number;
    range?: { min: number; max: number } | null;
  },
): Promise<ChartSeriesAnswer> {
  const params = runParams(query.runs);
  params.set("metric", query.metric);
  params.set("x", query.x);
  params.set("buckets", String(query.buckets));
  if (query.range) {
    params.set("minX", String(query.range.min));
    params.set("maxX", String(query.range.max));
  }
  return request("GET", `/api/v1/projects/${seg(entity)}/${seg(project)}/chart-series?${params}`);
}

export function fetchSystemMetrics(
  entity: string,
  project: string,
  run: string,
  samples = 2000,
): Promise<SystemMetricsAnswer> {
  return request(
    "GET",
    `/api/v1/runs/${seg(entity)}/${seg(project)}/${seg(run)}/system-metrics?samples=${samples}`,
  );
}
