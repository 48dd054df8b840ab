/**
 * Chart series against another x than the step: relative time (`_runtime`) or wall time
 * (`_timestamp`). Both are history keys the client writes on every `wandb.log` row, stored as
 * metric series keyed by step like any other; a metric's point at step s is drawn at the time
 * series' value at s. Time only grows with the step within a run (the client stamps rows in
 * order), so the mapping is a monotone interpolation between known (step, time) pairs, and a time
 * range maps back to a step range.
 */

import type { Stores } from "../services.ts";
import { chartSeries, type SeriesBucket } from "./chart-series.ts";

export type ChartX = "step" | "runtime" | "timestamp";

export const X_KEYS: Readonly<Record<Exclude<ChartX, "step">, string>> = {
  runtime: "_runtime",
  timestamp: "_timestamp",
};

export interface XSeriesQuery {
  readonly runId: number;
  readonly metric: string;
  readonly buckets: number;
  readonly x: ChartX;
  /** Inclusive bounds in x units (steps, seconds since start, or Unix seconds). */
  readonly minX?: number | undefined;
  readonly maxX?: number | undefined;
}

/** Columns of one run's series: point i is drawn at x[i]; its bucket ends at step[i]. */
export interface XSeries {
  readonly exact: boolean;
  readonly x: (number | null)[];
  readonly step: number[];
  readonly min: (number | null)[];
  readonly max: (number | null)[];
  readonly last: (number | null)[];
}

interface Anchors {
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

/** The (lastStep, last) pairs of a series with a finite value, in step order. */
export function anchorsOf(points: readonly SeriesBucket[]): Anchors {
  const steps: number[] = [];
  const values: number[] = [];
  for (const p of points) {
    if (p.last === null || !Number.isFinite(p.last)) continue;
    steps.push(p.lastStep);
    values.push(p.last);
  }
  return { steps, values };
}

/**
 * The anchors' value at each step, linear between neighbouring anchors and held at the ends; null
 * when there are no anchors. `steps` must be sorted.
 */
export function interpolateAt(anchors: Anchors, steps: readonly number[]): (number | null)[] {
  const n = anchors.steps.length;
  if (n === 0) return steps.map(() => null);
  const out: (number | null)[] = [];
  let j = 0;
  for (const step of steps) {
    while (j < n - 1 && (anchors.steps[j + 1] ?? 0) <= step) j++;
    const s0 = anchors.steps[j] ?? 0;
    const v0 = anchors.values[j] ?? 0;
    const s1 = anchors.steps[j + 1];
    const v1 = anchors.values[j + 1];
    if (step <= s0 || s1 === undefined || v1 === undefined) out.push(v0);
    else out.push(v0 + ((v1 - v0) * (step - s0)) / (s1 - s0));
  }
  return out;
}

/**
 * The step range whose x may lie in [minX, maxX], widened to the anchors just outside it (an
 * anchor is a bucket's last point: the steps between two anchors have x between theirs);
 * undefined when no step can.
 */
export function stepRangeForX(
  anchors: Anchors,
  minX: number | undefined,
  maxX: number | undefined,
): { minStep: number; maxStep: number } | undefined {
  const { steps, values } = anchors;
  const n = steps.length;
  const lastValue = values[n - 1];
  if (lastValue === undefined) return undefined;
  if (minX !== undefined && lastValue < minX) return undefined;
  let minStep = Number.MIN_SAFE_INTEGER;
  if (minX !== undefined) {
    const below = values.findLastIndex((v) => v < minX);
    if (below >= 0) minStep = steps[below] ?? minStep;
  }
  let maxStep = Number.MAX_SAFE_INTEGER;
  if (maxX !== undefined) {
    const above = values.findIndex((v) => v > maxX);
    if (above >= 0) maxStep = steps[above] ?? maxStep;
  }
  return { minStep, maxStep };
}

const EMPTY: XSeries = { exact: true, x: [], step: [], min: [], max: [], last: [] };

/** A metric's bucketed series with x as asked; a zoom range in x units selects the steps. */
export async function chartSeriesByX(stores: Stores, query: XSeriesQuery): Promise<XSeries> {
  const base = { runId: query.runId, metric: query.metric, buckets: query.buckets };
  if (query.x === "step") {
    const series = await chartSeries(stores, { ...base, minStep: query.minX, maxStep: query.maxX });
    return columns(series.exact, series.points, (p) => p.lastStep);
  }
  const timeKey = X_KEYS[query.x];
  let range: { minStep?: number; maxStep?: number } = {};
  if (query.minX !== undefined || query.maxX !== undefined) {
    const whole = await chartSeries(stores, { runId: query.runId, metric: timeKey, buckets: query.buckets });
    const found = stepRangeForX(anchorsOf(whole.points), query.minX, query.maxX);
    if (!found) return EMPTY;
    range = found;
  }
  const series = await chartSeries(stores, { ...base, ...range });
  const first = series.points[0];
  const lastPoint = series.points.at(-1);
  if (!first || !lastPoint) return EMPTY;
  // The time series over exactly the metric's steps and bucket count: where both are logged on
  // every row (the usual case) the buckets coincide and every x is exact, not interpolated.
  const time = await chartSeries(stores, {
    runId: query.runId,
    metric: timeKey,
    buckets: query.buckets,
    minStep: first.step,
    maxStep: lastPoint.lastStep,
  });
  const xs = interpolateAt(
    anchorsOf(time.points),
    series.points.map((p) => p.lastStep),
  );
  return columns(series.exact, series.points, (_p, i) => xs[i] ?? null);
}

function columns(
  exact: boolean,
  points: readonly SeriesBucket[],
  xOf: (p: SeriesBucket, i: number) => number | null,
): XSeries {
  return {
    exact,
    x: points.map(xOf),
    step: points.map((p) => p.lastStep),
    min: points.map((p) => p.min),
    max: points.map((p) => p.max),
    last: points.map((p) => p.last),
  };
}
