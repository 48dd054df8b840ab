/**
 * Sampling of long history ranges in O(samples × log n): instead of ranking every line of the range
 * (a window over n rows, and a JSON parse of each when keys are asked for), `samples` target steps
 * are spread evenly over the range and each is one index seek — on run_history (run_id, step) when
 * no keys are asked for, on the first key's metric_points (key_id, step) otherwise, the other keys'
 * presence checked at the same step. Used only above SAMPLE_SCAN_LIMIT lines; shorter ranges keep
 * the exact even-by-rank sample (run-read.repository.ts).
 */
import type { LineSample } from "../repositories.ts";
import type { SqliteDatabase } from "./database.ts";

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
    steps = seek(db, "run_history", "run_id", sample.runId, [], lo, hi, s);
  } else {
    const ids: number[] = [];
    for (const name of names) {
      const id = db.get<{ id: number }>("SELECT id FROM metric_keys WHERE run_id = ? AND name = ?", [
        sample.runId,
        name,
      ])?.id;
      if (id === undefined) return undefined;
      ids.push(id);
    }
    const [driver = 0, ...others] = ids;
    steps = seek(db, "metric_points", "key_id", driver, others, lo, hi, s);
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
 * Up to `s` distinct steps of `table` rows with `column` = `id` in [lo, hi): the first and last such
 * step, and the first one at or after each of s − 2 evenly spaced targets between them, where each
 * of `others` (metric key ids) also has a point.
 */
function seek(
  db: SqliteDatabase,
  table: "run_history" | "metric_points",
  column: "run_id" | "key_id",
  id: number,
  others: readonly number[],
  lo: number,
  hi: number,
  s: number,
): number[] {
  const together = others
    .map(() => " AND EXISTS (SELECT 1 FROM metric_points o WHERE o.key_id = ? AND o.step = t.step)")
    .join("");
  /** The first qualifying step at or after `from` (SQL: a bound `?` or a column). */
  const pick = (from: string) =>
    `SELECT t.step FROM ${table} t WHERE t.${column} = ? AND t.step >= ${from} AND t.step < ?${together}`;
  const bounds = db.get<{ first: number | null; last: number | null }>(
    `SELECT (${pick("?")} ORDER BY t.step LIMIT 1) AS first, (${pick("?")} ORDER BY t.step DESC LIMIT 1) AS last`,
    [id, lo, hi, ...others, id, lo, hi, ...others],
  );
  if (!bounds || bounds.first === null || bounds.last === null) return [];
  const { first: a, last: b } = bounds;
  const targets = Array.from({ length: s }, (_, k) => a + Math.round((k * (b - a)) / (s - 1)));
  const found = db.all<{ step: number | null }>(
    `SELECT (${pick("g.value")} ORDER BY t.step LIMIT 1) AS step FROM json_each(?) g`,
    [id, hi, ...others, JSON.stringify(targets)],
  );
  const steps = new Set<number>();
  for (const row of found) if (row.step !== null) steps.add(row.step);
  return [...steps];
}
