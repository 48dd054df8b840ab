/**
 * Pure data shaping for charts: decoding the server's columns, aligning several runs on one x
 * axis (the chart library draws series that share one x array), EMA smoothing and log-scale
 * clean-up. Kept free of React and of the chart library so it is unit-tested by Node.
 */

/** A value as the JSON API sends it: NaN is null, ±Infinity the strings "Infinity" / "-Infinity". */
export type WireValue = number | string | null;

export function decodeValue(value: WireValue): number | null {
  if (typeof value === "number") return value;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  return null;
}

/** A column for plotting: only finite numbers; NaN and ±Infinity become gaps (null). */
export function plottable(values: readonly WireValue[]): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = decodeValue(values[i] ?? null);
    out[i] = v !== null && Number.isFinite(v) ? v : null;
  }
  return out;
}

/** One run's points: `x` ascending (null x: the point cannot be placed and is dropped). */
export interface RunColumns {
  readonly x: readonly (number | null)[];
  readonly ys: readonly (readonly (number | null)[])[];
}

/** Several runs on one ascending x array; `ys` are every run's columns, in order, null where a run has no point. */
export interface Aligned {
  readonly x: number[];
  readonly ys: (number | null)[][];
}

export function alignRuns(runs: readonly RunColumns[]): Aligned {
  const all: number[] = [];
  for (const run of runs) for (const x of run.x) if (x !== null && Number.isFinite(x)) all.push(x);
  const sorted = Float64Array.from(all).sort();
  const x: number[] = [];
  for (const value of sorted) if (x.length === 0 || x[x.length - 1] !== value) x.push(value);
  const ys: (number | null)[][] = [];
  for (const run of runs) {
    const columns = run.ys.map(() => new Array<number | null>(x.length).fill(null));
    // Both ascending: one merge pass places every point.
    let j = 0;
    for (let i = 0; i < run.x.length; i++) {
      const xi = run.x[i];
      if (xi === null || xi === undefined || !Number.isFinite(xi)) continue;
      while (j < x.length && (x[j] ?? 0) < xi) j++;
      if (x[j] !== xi) continue;
      for (let c = 0; c < columns.length; c++) {
        const column = columns[c];
        if (column) column[j] = run.ys[c]?.[i] ?? null;
      }
    }
    ys.push(...columns);
  }
  return { x, ys };
}

/**
 * Debiased exponential moving average (as W&B's smoothing slider: weight 0 is the raw line, 0.99
 * very smooth). Gaps stay gaps and do not reset the average.
 */
export function ema(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...values];
  const w = Math.min(weight, 0.999);
  let average = 0;
  let debias = 0;
  return values.map((v) => {
    if (v === null) return null;
    average = average * w + (1 - w) * v;
    debias = debias * w + (1 - w);
    return average / debias;
  });
}

/** A log-scale axis cannot place zero or negative values: they become gaps. */
export function positiveOnly(values: readonly (number | null)[]): (number | null)[] {
  return values.map((v) => (v !== null && v > 0 ? v : null));
}

/** The last placed point of a run's columns: its index, or -1. */
export function lastIndex(x: readonly (number | null)[], y: readonly (number | null)[]): number {
  for (let i = y.length - 1; i >= 0; i--) if (y[i] !== null && x[i] !== null) return i;
  return -1;
}
