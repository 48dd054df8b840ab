/**
 * The per-metric layout on SQLite: each series (run, flattened key) is stored as blocks of up to
 * BLOCK_POINTS points, one row per block, steps and values packed as float64. A file_stream request
 * of 1,000 lines × 12 keys writes 12 rows here instead of 12,000: the per-row cost of a B-tree
 * insert, not the bytes, bounded ingest when every point was its own row.
 *
 * Blocks of a series normally cover disjoint, increasing step ranges. A step written again (a
 * resumed run that rewinds) lands in a newer block that overlaps older ones; readers merge them and
 * the newest block (highest id) wins a step, as the last write to a step always has. `max_span`
 * (per series, the widest block) bounds how far before a step a block containing it can start, so
 * every look-up is an index range on (key_id, first_step), never a scan of the series.
 */
import type { SqliteDatabase } from "./database.ts";
import { consecutive, packFloat64, unpackFloat64 } from "./packed.ts";

/** Points per block: ~16 kB of packed data, a handful of SQLite pages. */
export const BLOCK_POINTS = 1024;

/** Blocks fetched per query while streaming a range. */
export const PAGE_BLOCKS = 64;

/** A decoded block: `steps` strictly increasing; a NaN value is NaN here (null only at the API). */
export interface Block {
  readonly id: number;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly steps: Float64Array;
  readonly values: Float64Array;
}

/**
 * Float64 little-endian: the `n` values alone when the steps are consecutive (first..first+n−1, as
 * a run logging every step sends them: half the bytes), else `n` steps then `n` values.
 */
export function encodeBlock(steps: ArrayLike<number>, values: ArrayLike<number>): Uint8Array {
  const n = steps.length;
  const first = steps[0] ?? 0;
  const dense = n === 0 || steps[n - 1] === first + n - 1;
  const packed = new Float64Array(dense ? n : 2 * n);
  const offset = dense ? 0 : n;
  for (let i = 0; i < n; i++) {
    if (!dense) packed[i] = steps[i] ?? 0;
    packed[offset + i] = values[i] ?? Number.NaN;
  }
  return packFloat64(packed);
}

/** The block's points; `firstStep` and `points` are its row's columns (a dense block stores no steps). */
export function decodeBlock(
  data: Uint8Array,
  firstStep: number,
  points: number,
): { steps: Float64Array; values: Float64Array } {
  const dense = data.byteLength === 8 * points;
  if (!dense && data.byteLength !== 16 * points) {
    throw new Error(`metric block of ${data.byteLength} bytes for ${points} points is corrupt`);
  }
  const packed = unpackFloat64(data);
  if (!dense) return { steps: packed.subarray(0, points), values: packed.subarray(points) };
  return { steps: consecutive(firstStep, points), values: packed };
}

/** Index of the first element ≥ `x` in a sorted array (length when none). */
export function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * `steps` sorted with duplicates removed, the later value of a duplicated step kept (the later line
 * of a request wins a step, as a later request does).
 */
export function normalizePoints(steps: number[], values: number[]): { steps: number[]; values: number[] } {
  let ordered = true;
  for (let i = 1; i < steps.length; i++) {
    if ((steps[i] ?? 0) <= (steps[i - 1] ?? 0)) {
      ordered = false;
      break;
    }
  }
  if (ordered) return { steps, values };
  const byStep = new Map<number, number>();
  steps.forEach((step, i) => {
    byStep.set(step, values[i] ?? Number.NaN);
  });
  const sorted = [...byStep.keys()].sort((a, b) => a - b);
  return { steps: sorted, values: sorted.map((step) => byStep.get(step) ?? Number.NaN) };
}

export interface BlockRow {
  id: number;
  firstStep: number;
  lastStep: number;
  points: number;
  data: Uint8Array;
}

const BLOCK_COLUMNS = "id, first_step AS firstStep, last_step AS lastStep, points, data";

/** A block's row without its data: enough to answer most look-ups (see `denseStep`). */
export interface BlockMeta {
  id: number;
  firstStep: number;
  lastStep: number;
  points: number;
  /** Bytes of data: 8 per point when the steps are consecutive (values only). */
  bytes: number;
}

const META_COLUMNS = "id, first_step AS firstStep, last_step AS lastStep, points, length(data) AS bytes";

/**
 * For a block storing values only (its steps are first..last), the first of its steps at or after
 * `from` — `null` when it has none — without reading the block. `undefined` for a block that stores
 * its steps, which must be read.
 */
export function denseStepAtOrAfter(meta: BlockMeta, from: number): number | null | undefined {
  if (meta.bytes !== 8 * meta.points) return undefined;
  const step = from <= meta.firstStep ? meta.firstStep : meta.firstStep + Math.ceil(from - meta.firstStep);
  return step <= meta.lastStep ? step : null;
}

/** Reads one series' blocks; every method is a bounded index range on (key_id, first_step). */
export class SeriesReader {
  private readonly db: SqliteDatabase;
  readonly keyId: number;
  private readonly maxSpan: number;
  private readonly cache = new Map<number, Block>();

  constructor(db: SqliteDatabase, keyId: number) {
    this.db = db;
    this.keyId = keyId;
    this.maxSpan =
      db.get<{ span: number }>("SELECT max_span AS span FROM metric_keys WHERE id = ?", [keyId])?.span ?? 0;
  }

  /** A block's steps, read only when its row does not imply them (`denseStepAtOrAfter`). */
  private stepsOf(meta: BlockMeta): Float64Array {
    const cached = this.cache.get(meta.id);
    if (cached) return cached.steps;
    const data = this.db.get<{ data: Uint8Array }>("SELECT data FROM metric_blocks WHERE id = ?", [
      meta.id,
    ])?.data;
    return this.decode({ ...meta, data: data ?? new Uint8Array() }).steps;
  }

  private decode(row: BlockRow): Block {
    const cached = this.cache.get(row.id);
    if (cached) return cached;
    const block = {
      id: row.id,
      firstStep: row.firstStep,
      lastStep: row.lastStep,
      ...decodeBlock(row.data, row.firstStep, row.points),
    };
    if (this.cache.size >= 64) this.cache.clear();
    this.cache.set(row.id, block);
    return block;
  }

  /**
   * Blocks that may hold steps in [lo, hi], by first step (then id), fetched a few at a time and
   * more as the scan goes on (most look-ups need one or two).
   */
  private *blocks(lo: number, hi: number): Generator<Block> {
    for (const row of this.rows<BlockRow>(BLOCK_COLUMNS, lo, hi)) yield this.decode(row);
  }

  /** Rows of the blocks that may hold steps in [lo, hi] (`columns` of them), as `blocks` orders them. */
  private *rows<T extends { id: number; firstStep: number }>(
    columns: string,
    lo: number,
    hi: number,
  ): Generator<T> {
    let after: [number, number] = [Math.max(Number.MIN_SAFE_INTEGER, lo - this.maxSpan) - 1, 0];
    let page = 2;
    for (;;) {
      const rows = this.db.all<T>(
        `SELECT ${columns} FROM metric_blocks
         WHERE key_id = ? AND (first_step, id) > (?, ?) AND first_step <= ? AND last_step >= ?
         ORDER BY first_step, id LIMIT ${page}`,
        [this.keyId, after[0], after[1], hi, lo],
      );
      yield* rows;
      const last = rows.at(-1);
      if (!last || rows.length < page) return;
      after = [last.firstStep, last.id];
      page = Math.min(PAGE_BLOCKS, page * 2);
    }
  }

  /**
   * The series' points with steps in [lo, hi], in step order, at most `limit` (the newest block's
   * value where blocks overlap). Stops reading once `limit` points are final.
   */
  points(lo: number, hi: number, limit: number): { steps: number[]; values: number[] } {
    const out = { steps: [] as number[], values: [] as number[] };
    // Points not yet final (a block further on may start at or below them): the previous block's
    // slice while blocks are disjoint, the common case; a merged map once two overlap.
    let slice: { steps: Float64Array; values: Float64Array; id: number } | undefined;
    let merged: Map<number, { value: number; id: number }> | undefined;
    const emit = (step: number, value: number) => {
      out.steps.push(step);
      out.values.push(value);
    };
    /** Emits the pending points below `below` (all when +∞), up to `limit` in all. */
    const flush = (below: number) => {
      if (slice) {
        let i = 0;
        for (; i < slice.steps.length && out.steps.length < limit; i++) {
          const step = slice.steps[i] ?? 0;
          if (step >= below) break;
          emit(step, slice.values[i] ?? Number.NaN);
        }
        slice =
          i < slice.steps.length
            ? { steps: slice.steps.subarray(i), values: slice.values.subarray(i), id: slice.id }
            : undefined;
      } else if (merged) {
        const ready = [...merged.keys()].filter((s) => s < below).sort((a, b) => a - b);
        for (const step of ready) {
          if (out.steps.length >= limit) break;
          emit(step, merged.get(step)?.value ?? Number.NaN);
          merged.delete(step);
        }
        if (merged.size === 0) merged = undefined;
      }
    };
    for (const block of this.blocks(lo, hi)) {
      flush(block.firstStep);
      if (out.steps.length >= limit) return out;
      const from = lowerBound(block.steps, lo);
      const to = lowerBound(block.steps, hi + 1);
      if (from >= to) continue;
      if (!slice && !merged) {
        slice = {
          steps: block.steps.subarray(from, to),
          values: block.values.subarray(from, to),
          id: block.id,
        };
        continue;
      }
      // Overlapping blocks (a step written again): merge, the newest block winning a step.
      const map = merged ?? new Map<number, { value: number; id: number }>();
      if (slice) {
        const { steps, values, id } = slice;
        steps.forEach((step, i) => {
          map.set(step, { value: values[i] ?? Number.NaN, id });
        });
        slice = undefined;
      }
      merged = map;
      for (let i = from; i < to; i++) {
        const step = block.steps[i] ?? 0;
        const seen = map.get(step);
        if (!seen || seen.id < block.id)
          map.set(step, { value: block.values[i] ?? Number.NaN, id: block.id });
      }
    }
    flush(Number.POSITIVE_INFINITY);
    return out;
  }

  /** The first step in [from, hi) that has a point, if any. */
  firstAtOrAfter(from: number, hi: number): number | undefined {
    let best: number | undefined;
    for (const block of this.rows<BlockMeta>(META_COLUMNS, from, hi - 1)) {
      if (best !== undefined && block.firstStep > best) break;
      if (block.firstStep >= from) {
        // A block's first step is one of its points: no need to look inside.
        if (block.firstStep < hi && (best === undefined || block.firstStep < best)) best = block.firstStep;
        continue;
      }
      const dense = denseStepAtOrAfter(block, from);
      const steps = dense === undefined ? this.stepsOf(block) : undefined;
      const step = steps ? steps[lowerBound(steps, from)] : (dense ?? undefined);
      if (step !== undefined && step < hi && (best === undefined || step < best)) best = step;
    }
    return best;
  }

  /** The last step in [lo, before) that has a point, if any. */
  lastBefore(before: number, lo: number): number | undefined {
    let best: number | undefined;
    let after: [number, number] = [before, Number.MAX_SAFE_INTEGER];
    let page = 2;
    for (;;) {
      // Bounded below: a block starting before lo − maxSpan ends before lo.
      const rows = this.db.all<BlockMeta>(
        `SELECT ${META_COLUMNS} FROM metric_blocks
         WHERE key_id = ? AND (first_step, id) < (?, ?) AND first_step >= ? AND last_step >= ?
         ORDER BY first_step DESC, id DESC LIMIT ${page}`,
        [this.keyId, after[0], after[1], lo - this.maxSpan, lo],
      );
      for (const row of rows) {
        // Blocks further down start earlier and end by first_step + maxSpan.
        if (best !== undefined && row.firstStep + this.maxSpan < best) return best;
        if (row.lastStep < before) {
          // A block's last step is one of its points: no need to look inside.
          if (best === undefined || row.lastStep > best) best = row.lastStep;
          continue;
        }
        // The step before the first one at or after `before`.
        const dense = denseStepAtOrAfter(row, before);
        let step: number | undefined;
        if (dense === undefined) {
          const steps = this.stepsOf(row);
          step = steps[lowerBound(steps, before) - 1];
        } else {
          const next = dense ?? row.lastStep + 1;
          step = next > row.firstStep ? next - 1 : undefined;
        }
        if (step !== undefined && step >= lo && (best === undefined || step > best)) best = step;
      }
      const last = rows.at(-1);
      if (!last || rows.length < page) return best;
      after = [last.firstStep, last.id];
      page = Math.min(PAGE_BLOCKS, page * 2);
    }
  }

  /** Whether the series has a point at `step`. */
  has(step: number): boolean {
    for (const block of this.rows<BlockMeta>(META_COLUMNS, step, step)) {
      const dense = denseStepAtOrAfter(block, step);
      if (dense !== undefined) {
        if (dense === step) return true;
        continue;
      }
      const steps = this.stepsOf(block);
      if (steps[lowerBound(steps, step)] === step) return true;
    }
    return false;
  }
}

/** A series' state as the writer keeps it in `metric_keys`. */
interface SeriesState {
  id: number;
  lastStep: number | null;
  lastValue: number | null;
  maxSpan: number;
  /** Points in the block holding lastStep when the last append only extended the series, else full. */
  tailPoints: number;
}

/**
 * Appends a request's points, series by series (key id → points in line order): into a series' last
 * block while that block is under half full and the new steps all follow it (so slow runs, a few
 * lines per request, still fill blocks), else as new blocks. Keeps each series' newest step and
 * value, its widest block span, and its last block's size. A few statements per request, whatever
 * the number of series: one read of their state, one multi-row insert, one update.
 */
export function appendPoints(
  db: SqliteDatabase,
  series: ReadonlyMap<number, { steps: number[]; values: number[] }>,
): void {
  if (series.size === 0) return;
  const states = new Map(
    db
      .all<SeriesState>(
        `SELECT id, last_step AS lastStep, last_value AS lastValue, max_span AS maxSpan, tail_points AS tailPoints
         FROM metric_keys WHERE id IN (SELECT value FROM json_each(?))`,
        [JSON.stringify([...series.keys()])],
      )
      .map((row) => [row.id, { ...row }]),
  );
  const rows: (number | Uint8Array)[] = [];
  for (const [keyId, points] of series) {
    const state = states.get(keyId);
    if (!state || points.steps.length === 0) continue;
    appendSeries(db, state, normalizePoints(points.steps, points.values), rows);
  }
  if (rows.length > 0) {
    db.runBatch("INSERT INTO metric_blocks (key_id, first_step, last_step, points, data)", 5, rows);
  }
  const updates = [...states.values()].flatMap((st) => [
    st.id,
    st.lastStep,
    st.lastValue,
    st.maxSpan,
    st.tailPoints,
  ]);
  for (let at = 0; at < updates.length; at += 5 * 200) {
    const chunk = updates.slice(at, at + 5 * 200);
    const tuples = new Array(chunk.length / 5).fill("(?, ?, ?, ?, ?)").join(", ");
    db.run(
      `WITH v (id, last_step, last_value, max_span, tail_points) AS (VALUES ${tuples})
       UPDATE metric_keys SET last_step = v.last_step, last_value = v.last_value, max_span = v.max_span,
         tail_points = v.tail_points
       FROM v WHERE metric_keys.id = v.id`,
      chunk,
    );
  }
}

/** One series' part of appendPoints; new blocks go to `rows`, `state` is updated in place. */
function appendSeries(
  db: SqliteDatabase,
  state: SeriesState,
  { steps, values }: { steps: number[]; values: number[] },
  rows: (number | Uint8Array)[],
): void {
  const first = steps[0] ?? 0;
  const last = steps.at(-1) ?? 0;
  const extends_ = state.lastStep === null || first > state.lastStep;
  let start = 0;
  let tailPoints = BLOCK_POINTS;
  if (extends_ && state.lastStep !== null && state.tailPoints < BLOCK_POINTS / 2) {
    const tail = db.get<BlockRow>(
      `SELECT ${BLOCK_COLUMNS} FROM metric_blocks WHERE key_id = ? ORDER BY first_step DESC, id DESC LIMIT 1`,
      [state.id],
    );
    if (tail && tail.lastStep === state.lastStep) {
      const room = Math.min(BLOCK_POINTS - tail.points, steps.length);
      const old = decodeBlock(tail.data, tail.firstStep, tail.points);
      const mergedSteps = [...old.steps, ...steps.slice(0, room)];
      const mergedValues = [...old.values, ...values.slice(0, room)];
      const blockLast = mergedSteps.at(-1) ?? 0;
      db.run("UPDATE metric_blocks SET last_step = ?, points = ?, data = ? WHERE id = ?", [
        blockLast,
        mergedSteps.length,
        encodeBlock(mergedSteps, mergedValues),
        tail.id,
      ]);
      state.maxSpan = Math.max(state.maxSpan, blockLast - tail.firstStep);
      tailPoints = mergedSteps.length;
      start = room;
    }
  }
  for (let i = start; i < steps.length; i += BLOCK_POINTS) {
    const s = steps.slice(i, i + BLOCK_POINTS);
    const v = values.slice(i, i + BLOCK_POINTS);
    const blockFirst = s[0] ?? 0;
    const blockLast = s.at(-1) ?? 0;
    rows.push(state.id, blockFirst, blockLast, s.length, encodeBlock(s, v));
    state.maxSpan = Math.max(state.maxSpan, blockLast - blockFirst);
    tailPoints = s.length;
  }
  // Only a pure extension leaves a known, growable last block.
  state.tailPoints = extends_ ? tailPoints : BLOCK_POINTS;
  // The newest point by step; a rewrite of the last step replaces its value. NaN is kept as NULL.
  if (state.lastStep === null || last >= state.lastStep) {
    const lastValue = values.at(-1) ?? Number.NaN;
    state.lastStep = last;
    state.lastValue = Number.isNaN(lastValue) ? null : lastValue;
  }
}

/**
 * SQL aggregate `ballast_pack_points(step, value)`: the packed block of a group of (step, value)
 * rows (NULL value = NaN), for the migration from one row per point.
 */
export function definePackAggregate(db: SqliteDatabase): void {
  // The accumulator must be an SQL value: "step value" pairs as text (a one-time migration).
  db.defineAggregate("ballast_pack_points", {
    start: "",
    step: (acc, step, value) => `${acc}${Number(step)} ${value === null ? "NaN" : Number(value)}\n`,
    result: (acc) => {
      const points = String(acc)
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => line.split(" ").map(Number) as [number, number])
        .sort((a, b) => a[0] - b[0]);
      return encodeBlock(
        points.map((p) => p[0]),
        points.map((p) => p[1]),
      );
    },
  });
}
