import { TIER_BASE, TIER_LEVELS } from "../../stores/records.ts";
import type { Stores } from "../services.ts";

export interface SeriesBucket {
  /** First step the bucket covers. */
  readonly step: number;
  readonly min: number | null;
  readonly max: number | null;
  /** Value at the highest step in the bucket, and that step. */
  readonly last: number | null;
  readonly lastStep: number;
}

export interface SeriesQuery {
  readonly runId: number;
  readonly metric: string;
  readonly minStep: number;
  readonly maxStep: number;
  /** Number of buckets wanted (the chart's width in points), e.g. 1000. */
  readonly buckets: number;
}

/**
 * A min/max/last series of one metric over a step range, for charts. When the range holds at most
 * `buckets` points they are returned exactly (full fidelity); otherwise the coarsest downsample tier
 * whose buckets still fit inside one output bucket is read, so the rows read stay below
 * 16 × `buckets` whatever the run's length.
 */
export async function chartSeries(
  stores: Stores,
  query: SeriesQuery,
): Promise<{ exact: boolean; points: SeriesBucket[] }> {
  const keyId = await stores.runs.metricKeyIdByName(query.runId, query.metric);
  if (keyId === undefined || query.maxStep < query.minStep) return { exact: true, points: [] };
  const raw = await stores.runs.metricPoints(keyId, query.minStep, query.maxStep, query.buckets + 1);
  if (raw.length <= query.buckets) {
    return {
      exact: true,
      points: raw.map((p) => ({ step: p.step, min: p.value, max: p.value, last: p.value, lastStep: p.step })),
    };
  }
  const span = query.maxStep - query.minStep + 1;
  const width = span / query.buckets;
  const level = [...TIER_LEVELS].reverse().find((l) => TIER_BASE ** l <= width);
  const out = new Map<
    number,
    { step: number; min: number | null; max: number | null; last: number | null; lastStep: number }
  >();
  const add = (
    step: number,
    min: number | null,
    max: number | null,
    last: number | null,
    lastStep: number,
  ) => {
    const index = Math.min(Math.floor((step - query.minStep) / width), query.buckets - 1);
    const bucket = out.get(index);
    if (!bucket) {
      out.set(index, { step: Math.ceil(query.minStep + index * width), min, max, last, lastStep });
      return;
    }
    if (min !== null) bucket.min = bucket.min === null ? min : Math.min(bucket.min, min);
    if (max !== null) bucket.max = bucket.max === null ? max : Math.max(bucket.max, max);
    if (lastStep >= bucket.lastStep) {
      bucket.last = last;
      bucket.lastStep = lastStep;
    }
  };
  if (level === undefined) {
    for (const p of await stores.runs.metricPoints(keyId, query.minStep, query.maxStep, Math.ceil(span))) {
      add(p.step, p.value, p.value, p.value, p.step);
    }
  } else {
    const size = TIER_BASE ** level;
    const rows = await stores.runs.metricTiers(
      keyId,
      level,
      Math.floor(query.minStep / size),
      Math.floor(query.maxStep / size),
    );
    for (const row of rows)
      add(Math.max(row.bucket * size, query.minStep), row.min, row.max, row.last, row.lastStep);
  }
  return { exact: false, points: [...out.entries()].sort((a, b) => a[0] - b[0]).map(([, bucket]) => bucket) };
}
