/**
 * Sampling of long history ranges in O(samples × log n): instead of ranking every line of the range
 * (a window over n rows, and a JSON parse of each when keys are asked for), `samples` target steps
 * are spread evenly over the range and each is one index seek — on the history chunks' steps when
 * no keys are asked for, on the first key's metric blocks otherwise, the other keys' presence
 * checked at the same step. Used only above SAMPLE_SCAN_LIMIT lines; shorter ranges keep
 * the exact even-by-rank sample (run-read.repository.ts).
 */
import { type JsonValue, parseLenientJson } from "@ballast/core";
import type { LineSample } from "../repositories.ts";
import type { SqliteDatabase } from "./database.ts";
import { HistoryReader } from "./history-chunks.ts";
import { SeriesReader } from "./metric-blocks.ts";

/** Ranges with at most this many lines (or twice the samples asked for) are sampled exactly by rank. */
export const SAMPLE_SCAN_LIMIT = 10_000;

/** `_step` is every line's step, not a metric series: it never restricts which lines qualify. */
const STEP_KEY = "_step";

/**
 * The lines of a long range, at most `samples`, evenly spread by step (the first and the last
 * always), in line order; undefined when the range is short (the caller samples it exactly) or when
 * a requested key is not a numeric series (its presence is only visible in the lines themselves).
 */
export function sampleByStep(db: SqliteDatabase, sample: LineSample, s: number): string[] | undefined {
  const lo = sample.minStep ?? Number.MIN_SAFE_INTEGER;
  const hi = sample.maxStep ?? Number.MAX_SAFE_INTEGER;
  const limit = Math.max(SAMPLE_SCAN_LIMIT, 2 * s);
  const history = new HistoryReader(db, sample.runId);
  if (history.countInRange(lo, hi, limit) <= limit) return undefined;

  const names = [...new Set((sample.keys ?? []).map((paths) => (paths[0] ?? []).join(".")))].filter(
    (name) => name !== STEP_KEY,
  );
  let steps: number[];
  if (names.length === 0) {
    steps = seekLines(history, lo, hi, s);
  } else {
    const series: SeriesReader[] = [];
    for (const name of names) {
      const id = db.get<{ id: number }>("SELECT id FROM metric_keys WHERE run_id = ? AND name = ?", [
        sample.runId,
        name,
      ])?.id;
      if (id === undefined) return undefined;
      series.push(new SeriesReader(db, id));
    }
    steps = seekSeries(series, lo, hi, s);
  }
  // The last line at each chosen step (the per-metric layout keeps the last write of a step too).
  return history.lastLinesAt(steps).map((l) => l.line);
}

/**
 * Up to `s` distinct steps of the run's history lines in [lo, hi): the first and the last, and the
 * first one at or after each of s − 2 evenly spaced targets between them.
 */
function seekLines(history: HistoryReader, lo: number, hi: number, s: number): number[] {
  const first = history.firstStepAtOrAfter(lo, hi);
  const last = history.lastStepBefore(hi, lo);
  if (first === undefined || last === undefined) return [];
  const steps = new Set<number>();
  for (const target of spread(first, last, s)) {
    const step = history.firstStepAtOrAfter(target, hi);
    if (step !== undefined) steps.add(step);
  }
  return [...steps];
}

/**
 * The row indexes an even sample of `s` out of `n` rows keeps: every row when n ≤ s, else rows
 * ⌊k(n−1)/(s−1)⌋ for k in 0..s−1 (the first and the last always).
 */
export function evenSample(n: number, s: number): number[] {
  if (n <= s) return Array.from({ length: n }, (_, i) => i);
  const rows = new Set<number>();
  for (let k = 0; k < s; k++) rows.add(Math.floor((k * (n - 1)) / (s - 1)));
  return [...rows];
}

/** Whether a line holds every key: each key is present at one of its paths (JSON null counts). */
export function hasKeys(line: string, keys: readonly (readonly (readonly string[])[])[]): boolean {
  let parsed: JsonValue;
  try {
    parsed = parseLenientJson(line);
  } catch {
    return false;
  }
  return keys.every((paths) => paths.some((path) => has(parsed, path)));
}

function has(value: JsonValue, path: readonly string[]): boolean {
  let at: JsonValue | undefined = value;
  for (const segment of path) {
    if (at === null || typeof at !== "object" || Array.isArray(at) || !Object.hasOwn(at, segment))
      return false;
    at = at[segment];
  }
  return at !== undefined;
}

/** `s` targets evenly spaced from `a` to `b`, both included. */
function spread(a: number, b: number, s: number): number[] {
  return Array.from({ length: s }, (_, k) => a + Math.round((k * (b - a)) / (s - 1)));
}

/**
 * Up to `s` distinct steps in [lo, hi) where every one of `series` has a point: the first and the
 * last such step, and the first one at or after each of s − 2 evenly spaced targets between them.
 */
function seekSeries(series: readonly SeriesReader[], lo: number, hi: number, s: number): number[] {
  const [driver, ...others] = series;
  if (!driver) return [];
  const together = (step: number) => others.every((other) => other.has(step));
  const firstFrom = (from: number): number | undefined => {
    for (let step = driver.firstAtOrAfter(from, hi); step !== undefined; ) {
      if (together(step)) return step;
      step = driver.firstAtOrAfter(step + 1, hi);
    }
    return undefined;
  };
  const first = firstFrom(lo);
  let last: number | undefined;
  for (let step = driver.lastBefore(hi, lo); step !== undefined; step = driver.lastBefore(step, lo)) {
    if (together(step)) {
      last = step;
      break;
    }
  }
  if (first === undefined || last === undefined) return [];
  const steps = new Set<number>();
  for (const target of spread(first, last, s)) {
    const step = firstFrom(target);
    if (step !== undefined) steps.add(step);
  }
  return [...steps];
}
