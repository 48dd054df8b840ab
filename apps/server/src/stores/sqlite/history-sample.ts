/**
 * Sampling of long history ranges in O(samples × log n): instead of ranking every line of the range
 * (a window over n rows, and a JSON parse of each when keys are asked for), `samples` target steps
 * are spread evenly over the range and each is one index seek — on run_history (run_id, step) when
 * no keys are asked for, on the first key's metric blocks otherwise, the other keys' presence
 * checked at the same step. Used only above SAMPLE_SCAN_LIMIT lines; shorter ranges keep
 * the exact even-by-rank sample (run-read.repository.ts).
 */
import type { LineSample } from "../repositories.ts";
import type { SqliteDatabase } from "./database.ts";
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
  const lines =
    db.get<{ n: number }>(
      "SELECT count(*) AS n FROM (SELECT 1 FROM run_history WHERE run_id = ? AND step >= ? AND step < ? LIMIT ?)",
      [sample.runId, lo, hi, limit + 1],
    )?.n ?? 0;
  if (lines <= limit) return undefined;

  const names = [...new Set((sample.keys ?? []).map((paths) => (paths[0] ?? []).join(".")))].filter(
    (name) => name !== STEP_KEY,
  );
  let steps: number[];
  if (names.length === 0) {
    steps = seekLines(db, sample.runId, lo, hi, s);
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
  if (steps.length === 0) return [];
  // The last line at each chosen step (the per-metric layout keeps the last write of a step too).
  // One (run_id, step) index seek per chosen step. Without CROSS JOIN + INDEXED BY, SQLite (no
  // ANALYZE statistics) walks the run's whole primary key instead; the few rows are sorted here.
  const rows = db
    .all<{ lineNo: number; step: number; line: string }>(
      `SELECT h.line_no AS lineNo, h.step, h.line FROM json_each(?) g CROSS JOIN run_history h INDEXED BY run_history_step
       WHERE h.run_id = ? AND h.step = g.value`,
      [JSON.stringify(steps), sample.runId],
    )
    .sort((x, y) => x.lineNo - y.lineNo);
  const byStep = new Map<number, string>();
  for (const row of rows) byStep.set(row.step, row.line);
  return [...byStep.values()];
}

/**
 * Up to `s` distinct steps of the run's history lines in [lo, hi): the first and the last, and the
 * first one at or after each of s − 2 evenly spaced targets between them.
 */
function seekLines(db: SqliteDatabase, runId: number, lo: number, hi: number, s: number): number[] {
  /** The first step at or after `from` (SQL: a bound `?` or a column). */
  const pick = (from: string) =>
    `SELECT t.step FROM run_history t WHERE t.run_id = ? AND t.step >= ${from} AND t.step < ?`;
  const bounds = db.get<{ first: number | null; last: number | null }>(
    `SELECT (${pick("?")} ORDER BY t.step LIMIT 1) AS first, (${pick("?")} ORDER BY t.step DESC LIMIT 1) AS last`,
    [runId, lo, hi, runId, lo, hi],
  );
  if (!bounds || bounds.first === null || bounds.last === null) return [];
  const targets = spread(bounds.first, bounds.last, s);
  const found = db.all<{ step: number | null }>(
    `SELECT (${pick("g.value")} ORDER BY t.step LIMIT 1) AS step FROM json_each(?) g`,
    [runId, hi, JSON.stringify(targets)],
  );
  const steps = new Set<number>();
  for (const row of found) if (row.step !== null) steps.add(row.step);
  return [...steps];
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
