/**
 * Sampling of long history ranges on MySQL: the method of stores/sqlite/history-sample.ts (read its
 * header) — `samples` target steps spread over the range, each one index seek on the history
 * chunks or on the first key's metric blocks — with the async readers of this store.
 */
import type { LineSample } from "../repositories.ts";
import { SAMPLE_SCAN_LIMIT } from "../sqlite/history-sample.ts";
import type { Queryable } from "./database.ts";
import { HistoryReader } from "./history-chunks.ts";
import { SeriesReader } from "./metric-blocks.ts";

/** `_step` is every line's step, not a metric series: it never restricts which lines qualify. */
const STEP_KEY = "_step";
/**
 * Seeks in flight at once. Each is one indexed round trip, independent of the others, so they run
 * side by side on the pool's connections; a few at a time leaves the pool to other requests.
 */
const SEEK_CONCURRENCY = 8;

/** `seek` for every target, at most SEEK_CONCURRENCY at once; the distinct steps found, in order. */
async function seekAll(
  targets: readonly number[],
  seek: (target: number) => Promise<number | undefined>,
): Promise<number[]> {
  const found: (number | undefined)[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      found[index] = await seek(targets[index] as number);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEEK_CONCURRENCY, targets.length) }, worker));
  return [...new Set(found.filter((step): step is number => step !== undefined))];
}

/** `s` targets evenly spaced from `a` to `b`, both included. */
function spread(a: number, b: number, s: number): number[] {
  return Array.from({ length: s }, (_, k) => a + Math.round((k * (b - a)) / (s - 1)));
}

/**
 * The lines of a long range, at most `s`, evenly spread by step, in line order; undefined when the
 * range is short (the caller samples it exactly) or a requested key is not a numeric series.
 */
export async function sampleByStep(
  db: Queryable,
  sample: LineSample,
  s: number,
): Promise<string[] | undefined> {
  const lo = sample.minStep ?? Number.MIN_SAFE_INTEGER;
  const hi = sample.maxStep ?? Number.MAX_SAFE_INTEGER;
  const limit = Math.max(SAMPLE_SCAN_LIMIT, 2 * s);
  const history = await HistoryReader.open(db, sample.runId);
  if ((await history.countInRange(lo, hi, limit)) <= limit) return undefined;

  const names = [...new Set((sample.keys ?? []).map((paths) => (paths[0] ?? []).join(".")))].filter(
    (name) => name !== STEP_KEY,
  );
  let steps: number[];
  if (names.length === 0) {
    steps = await seekLines(history, lo, hi, s);
  } else {
    const series: SeriesReader[] = [];
    for (const name of names) {
      const row = await db.get<{ id: number }>("SELECT id FROM metric_keys WHERE run_id = ? AND name = ?", [
        sample.runId,
        name,
      ]);
      if (row === undefined) return undefined;
      series.push(await SeriesReader.open(db, row.id));
    }
    steps = await seekSeries(series, lo, hi, s);
  }
  return (await history.lastLinesAt(steps)).map((l) => l.line);
}

async function seekLines(history: HistoryReader, lo: number, hi: number, s: number): Promise<number[]> {
  const first = await history.firstStepAtOrAfter(lo, hi);
  const last = await history.lastStepBefore(hi, lo);
  if (first === undefined || last === undefined) return [];
  return seekAll(spread(first, last, s), (target) => history.firstStepAtOrAfter(target, hi));
}

async function seekSeries(
  series: readonly SeriesReader[],
  lo: number,
  hi: number,
  s: number,
): Promise<number[]> {
  const [driver, ...others] = series;
  if (!driver) return [];
  const together = async (step: number) => {
    for (const other of others) if (!(await other.has(step))) return false;
    return true;
  };
  const firstFrom = async (from: number): Promise<number | undefined> => {
    for (let step = await driver.firstAtOrAfter(from, hi); step !== undefined; ) {
      if (await together(step)) return step;
      step = await driver.firstAtOrAfter(step + 1, hi);
    }
    return undefined;
  };
  const first = await firstFrom(lo);
  let last: number | undefined;
  for (
    let step = await driver.lastBefore(hi, lo);
    step !== undefined;
    step = await driver.lastBefore(step, lo)
  ) {
    if (await together(step)) {
      last = step;
      break;
    }
  }
  if (first === undefined || last === undefined) return [];
  return seekAll(spread(first, last, s), firstFrom);
}
