import { AppError } from "@ballast/core";
import { TIER_BASE, TIER_LEVELS } from "../../stores/records.ts";
import type { Stores } from "../services.ts";

export interface SeriesBucket {
  /** First step the bucket covers; it covers every step up to the next bucket's `step`. */
  readonly step: number;
  /** Min and max over the bucket's points; null when every one of them is NaN. */
  readonly min: number | null;
  readonly max: number | null;
  /** Value at the highest step in the bucket (null for NaN), and that step. */
  readonly last: number | null;
  readonly lastStep: number;
}

export interface SeriesQuery {
  readonly runId: number;
  readonly metric: string;
  /** Inclusive step bounds; absent: the metric's first / last step. */
  readonly minStep?: number | undefined;
  readonly maxStep?: number | undefined;
  /** Number of buckets wanted (the chart's width in points), e.g. 1000; at least 2. */
  readonly buckets: number;
}

export interface Series {
  /** True when `points` are the stored points themselves (the range holds ≤ `buckets` of them). */
  readonly exact: boolean;
  readonly points: SeriesBucket[];
}

export const MAX_BUCKETS = 10_000;

/** Tier levels, finest first, with their bucket sizes in steps; level 0 is the raw points. */
const LEVELS = [0, ...[...TIER_LEVELS].sort((a, b) => a - b)].map((level) => ({
  level,
  size: TIER_BASE ** level,
}));

type Add = (
  step: number,
  min: number | null,
  max: number | null,
  last: number | null,
  lastStep: number,
) => void;

/**
 * A min/max/last series of one metric over a step range, for charts.
 *
 * When the range holds at most `buckets` points they are returned exactly (full fidelity).
 * Otherwise the steps are cut into `unit`-sized cells, `unit` being the largest tier size not above
 * range/buckets, and consecutive cells are grouped into at most `buckets` output buckets. Every
 * bucket boundary is then a multiple of `unit`, so a bucket is an exact union of stored tier
 * buckets, and only the range's two unaligned ends are made up from finer tiers and raw points
 * (at most 15 tier rows per level per end, and below the finest tier at most 255 raw points per
 * end, read from packed blocks). Each bucket's min/max/last is therefore exactly that of the
 * points it covers, and the work stays below ~16 tier rows or 256 raw points per bucket whatever
 * the run's length.
 */
export async function chartSeries(stores: Stores, query: SeriesQuery): Promise<Series> {
  if (!Number.isInteger(query.buckets) || query.buckets < 2 || query.buckets > MAX_BUCKETS)
    throw new AppError("INVALID_ARGUMENT", `buckets must be an integer from 2 to ${MAX_BUCKETS}.`);
  const keyId = await stores.runs.metricKeyIdByName(query.runId, query.metric);
  if (keyId === undefined) return { exact: true, points: [] };
  const extent = await stores.runReads.metricStepRange(
    keyId,
    query.minStep ?? Number.MIN_SAFE_INTEGER,
    query.maxStep ?? Number.MAX_SAFE_INTEGER,
  );
  if (!extent) return { exact: true, points: [] };
  const lo = extent.first;
  const hi = extent.last;
  const raw = await stores.runs.metricPoints(keyId, lo, hi, query.buckets + 1);
  if (raw.length <= query.buckets) {
    return {
      exact: true,
      points: raw.map((p) => ({ step: p.step, min: p.value, max: p.value, last: p.value, lastStep: p.step })),
    };
  }

  const target = (hi - lo + 1) / query.buckets;
  const top = LEVELS.findLastIndex((l) => l.size <= target);
  const unit = LEVELS[Math.max(0, top)]?.size ?? 1;
  const firstCell = Math.floor(lo / unit);
  const cells = Math.floor(hi / unit) - firstCell + 1;
  const count = Math.min(query.buckets, cells);
  const points: {
    step: number;
    min: number | null;
    max: number | null;
    last: number | null;
    lastStep: number;
  }[] = [];
  let current = -1;
  const add: Add = (step, min, max, last, lastStep) => {
    // Cells map onto buckets monotonically, every bucket getting at least one whole cell.
    const index = Math.floor(((Math.floor(step / unit) - firstCell) * count) / cells);
    const bucket = points.at(-1);
    if (index !== current || !bucket) {
      current = index;
      const firstCellOfBucket = firstCell + Math.ceil((index * cells) / count);
      points.push({ step: Math.max(lo, firstCellOfBucket * unit), min, max, last, lastStep });
      return;
    }
    if (min !== null) bucket.min = bucket.min === null ? min : Math.min(bucket.min, min);
    if (max !== null) bucket.max = bucket.max === null ? max : Math.max(bucket.max, max);
    if (lastStep >= bucket.lastStep) {
      bucket.last = last;
      bucket.lastStep = lastStep;
    }
  };
  await collect(stores, keyId, lo, hi + 1, Math.max(0, top), add);
  return { exact: false, points };
}

/**
 * Feeds `add`, in step order, with pieces covering exactly the steps in [from, to): whole tier
 * buckets of LEVELS[index] where they fit, finer levels (down to raw points) at the unaligned ends.
 */
async function collect(
  stores: Stores,
  keyId: number,
  from: number,
  to: number,
  index: number,
  add: Add,
): Promise<void> {
  if (from >= to) return;
  const level = LEVELS[index];
  if (!level || level.level === 0) {
    for (const p of await stores.runs.metricPoints(keyId, from, to - 1, to - from)) {
      add(p.step, p.value, p.value, p.value, p.step);
    }
    return;
  }
  const start = Math.ceil(from / level.size) * level.size;
  const end = Math.floor(to / level.size) * level.size;
  if (start >= end) {
    await collect(stores, keyId, from, to, index - 1, add);
    return;
  }
  await collect(stores, keyId, from, start, index - 1, add);
  const rows = await stores.runs.metricTiers(keyId, level.level, start / level.size, end / level.size - 1);
  for (const row of rows) add(row.bucket * level.size, row.min, row.max, row.last, row.lastStep);
  await collect(stores, keyId, end, to, index - 1, add);
}
