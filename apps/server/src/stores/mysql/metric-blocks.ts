/**
 * Metric series on MySQL, in the packed blocks stores/sqlite/metric-blocks.ts describes (read it
 * first): the same rows and bytes, the newest block winning a step written twice, `max_span`
 * bounding every look-up to an index range on (key_id, first_step). The codecs are shared with the
 * SQLite store; here every read is awaited on the pool, and tuple comparisons are spelled out
 * (`a > x OR (a = x AND b > y)`) so the index range is plain on both MySQL 8 and MariaDB.
 */
import {
  BLOCK_POINTS,
  type Block,
  type BlockMeta,
  type BlockRow,
  decodeBlock,
  denseStepAtOrAfter,
  encodeBlock,
  lowerBound,
  normalizePoints,
  PAGE_BLOCKS,
} from "../sqlite/metric-blocks.ts";
import type { MysqlDatabase, Queryable, Value } from "./database.ts";
import { bytes } from "./history-chunks.ts";
import { toDouble } from "./tiers.ts";

const BLOCK_COLUMNS = "id, first_step AS firstStep, last_step AS lastStep, points, data";
const META_COLUMNS = "id, first_step AS firstStep, last_step AS lastStep, points, LENGTH(data) AS bytes";

/** Reads one series' blocks; every method is a bounded index range on (key_id, first_step). */
export class SeriesReader {
  private readonly db: Queryable;
  readonly keyId: number;
  private readonly maxSpan: number;
  private readonly cache = new Map<number, Block>();

  private constructor(db: Queryable, keyId: number, maxSpan: number) {
    this.db = db;
    this.keyId = keyId;
    this.maxSpan = maxSpan;
  }

  static async open(db: MysqlDatabase | Queryable, keyId: number): Promise<SeriesReader> {
    const row = await db.get<{ span: number }>("SELECT max_span AS span FROM metric_keys WHERE id = ?", [
      keyId,
    ]);
    return new SeriesReader(db, keyId, Number(row?.span ?? 0));
  }

  /** A block's steps, read only when its row does not imply them (`denseStepAtOrAfter`). */
  private async stepsOf(meta: BlockMeta): Promise<Float64Array> {
    const cached = this.cache.get(meta.id);
    if (cached) return cached.steps;
    const row = await this.db.get<{ data: Uint8Array }>("SELECT data FROM metric_blocks WHERE id = ?", [
      meta.id,
    ]);
    return this.decode({ ...meta, data: row?.data ?? new Uint8Array() }).steps;
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

  private async *blocks(lo: number, hi: number): AsyncGenerator<Block> {
    for await (const row of this.rows<BlockRow>(BLOCK_COLUMNS, lo, hi)) yield this.decode(row);
  }

  /** Rows of the blocks that may hold steps in [lo, hi], by first step then id, a page at a time. */
  private async *rows<T extends { id: number; firstStep: number }>(
    columns: string,
    lo: number,
    hi: number,
  ): AsyncGenerator<T> {
    let after: [number, number] = [Math.max(Number.MIN_SAFE_INTEGER, lo - this.maxSpan) - 1, 0];
    let page = 2;
    for (;;) {
      const rows = await this.db.all<T>(
        `SELECT ${columns} FROM metric_blocks
         WHERE key_id = ? AND (first_step > ? OR (first_step = ? AND id > ?)) AND first_step <= ? AND last_step >= ?
         ORDER BY first_step, id LIMIT ${page}`,
        [this.keyId, after[0], after[0], after[1], hi, lo],
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
   * value where blocks overlap).
   */
  async points(lo: number, hi: number, limit: number): Promise<{ steps: number[]; values: number[] }> {
    // Collected per step with the id of the block that wrote it: the newest block wins a step.
    const byStep = new Map<number, { value: number; id: number }>();
    let finalBelow = Number.NEGATIVE_INFINITY;
    for await (const block of this.blocks(lo, hi)) {
      // Steps below this block's first step are final (no later block starts lower).
      finalBelow = block.firstStep;
      if (countBelow(byStep, finalBelow) >= limit) break;
      const from = lowerBound(block.steps, lo);
      const to = lowerBound(block.steps, hi + 1);
      for (let i = from; i < to; i++) {
        const step = block.steps[i] ?? 0;
        const seen = byStep.get(step);
        if (!seen || seen.id < block.id)
          byStep.set(step, { value: block.values[i] ?? Number.NaN, id: block.id });
      }
    }
    const steps = [...byStep.keys()].sort((a, b) => a - b).slice(0, limit);
    return { steps, values: steps.map((step) => byStep.get(step)?.value ?? Number.NaN) };
  }

  /** The first step in [from, hi) that has a point, if any. */
  async firstAtOrAfter(from: number, hi: number): Promise<number | undefined> {
    let best: number | undefined;
    for await (const block of this.rows<BlockMeta>(META_COLUMNS, from, hi - 1)) {
      if (best !== undefined && block.firstStep > best) break;
      if (block.firstStep >= from) {
        if (block.firstStep < hi && (best === undefined || block.firstStep < best)) best = block.firstStep;
        continue;
      }
      const dense = denseStepAtOrAfter(block, from);
      const steps = dense === undefined ? await this.stepsOf(block) : undefined;
      const step = steps ? steps[lowerBound(steps, from)] : (dense ?? undefined);
      if (step !== undefined && step < hi && (best === undefined || step < best)) best = step;
    }
    return best;
  }

  /** The last step in [lo, before) that has a point, if any. */
  async lastBefore(before: number, lo: number): Promise<number | undefined> {
    let best: number | undefined;
    let after: [number, number] = [before, Number.MAX_SAFE_INTEGER];
    let page = 2;
    for (;;) {
      const rows = await this.db.all<BlockMeta>(
        `SELECT ${META_COLUMNS} FROM metric_blocks
         WHERE key_id = ? AND (first_step < ? OR (first_step = ? AND id < ?)) AND first_step >= ? AND last_step >= ?
         ORDER BY first_step DESC, id DESC LIMIT ${page}`,
        [this.keyId, after[0], after[0], after[1], lo - this.maxSpan, lo],
      );
      for (const row of rows) {
        if (best !== undefined && row.firstStep + this.maxSpan < best) return best;
        if (row.lastStep < before) {
          if (best === undefined || row.lastStep > best) best = row.lastStep;
          continue;
        }
        const dense = denseStepAtOrAfter(row, before);
        let step: number | undefined;
        if (dense === undefined) {
          const steps = await this.stepsOf(row);
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
  async has(step: number): Promise<boolean> {
    for await (const block of this.rows<BlockMeta>(META_COLUMNS, step, step)) {
      const dense = denseStepAtOrAfter(block, step);
      if (dense !== undefined) {
        if (dense === step) return true;
        continue;
      }
      const steps = await this.stepsOf(block);
      if (steps[lowerBound(steps, step)] === step) return true;
    }
    return false;
  }
}

function countBelow(byStep: ReadonlyMap<number, unknown>, below: number): number {
  let n = 0;
  for (const step of byStep.keys()) if (step < below) n++;
  return n;
}

/** A series' state as the writer keeps it in `metric_keys`. */
interface SeriesState {
  id: number;
  lastStep: number | null;
  lastValue: number | null;
  maxSpan: number;
  tailPoints: number;
}

/**
 * Appends a request's points, series by series (key id → points in line order), as the SQLite
 * store's appendPoints does: into a series' last block while it is under half full and the new
 * steps follow it, else as new blocks; then each series' newest step and value, widest block span
 * and last block's size. The caller holds the run's row lock.
 */
export async function appendPoints(
  tx: Queryable,
  series: ReadonlyMap<number, { steps: number[]; values: number[] }>,
): Promise<void> {
  if (series.size === 0) return;
  const ids = [...series.keys()];
  const states = new Map<number, SeriesState>();
  for (let at = 0; at < ids.length; at += 500) {
    const part = ids.slice(at, at + 500);
    const rows = await tx.all<SeriesState>(
      `SELECT id, last_step AS lastStep, last_value AS lastValue, max_span AS maxSpan, tail_points AS tailPoints
       FROM metric_keys WHERE id IN (${part.map(() => "?").join(", ")})`,
      part,
    );
    for (const row of rows) states.set(row.id, { ...row });
  }
  const rows: Value[] = [];
  for (const [keyId, points] of series) {
    const state = states.get(keyId);
    if (!state || points.steps.length === 0) continue;
    await appendSeries(tx, state, normalizePoints(points.steps, points.values), rows);
  }
  if (rows.length > 0) {
    await tx.runBatch(
      "INSERT INTO metric_blocks (key_id, first_step, last_step, points, data)",
      5,
      rows,
      "",
      200,
    );
  }
  // Every state in one statement per 200 series, joined to a derived table of the new values.
  const all = [...states.values()];
  for (let at = 0; at < all.length; at += 200) {
    const part = all.slice(at, at + 200);
    await tx.run(
      `UPDATE metric_keys k JOIN (${part
        .map(() => "SELECT ? AS id, ? AS last_step, ? AS last_value, ? AS max_span, ? AS tail_points")
        .join(" UNION ALL ")}) v ON k.id = v.id
       SET k.last_step = v.last_step, k.last_value = v.last_value, k.max_span = v.max_span,
           k.tail_points = v.tail_points`,
      part.flatMap((st) => [st.id, st.lastStep, toDouble(st.lastValue), st.maxSpan, st.tailPoints]),
    );
  }
}

async function appendSeries(
  tx: Queryable,
  state: SeriesState,
  { steps, values }: { steps: number[]; values: number[] },
  rows: Value[],
): Promise<void> {
  const first = steps[0] ?? 0;
  const last = steps.at(-1) ?? 0;
  const extends_ = state.lastStep === null || first > state.lastStep;
  let start = 0;
  let tailPoints = BLOCK_POINTS;
  if (extends_ && state.lastStep !== null && state.tailPoints < BLOCK_POINTS / 2) {
    const tail = await tx.get<BlockRow>(
      `SELECT ${BLOCK_COLUMNS} FROM metric_blocks WHERE key_id = ? ORDER BY first_step DESC, id DESC LIMIT 1`,
      [state.id],
    );
    if (tail && tail.lastStep === state.lastStep) {
      const room = Math.min(BLOCK_POINTS - tail.points, steps.length);
      const old = decodeBlock(tail.data, tail.firstStep, tail.points);
      const mergedSteps = [...old.steps, ...steps.slice(0, room)];
      const mergedValues = [...old.values, ...values.slice(0, room)];
      const blockLast = mergedSteps.at(-1) ?? 0;
      await tx.run("UPDATE metric_blocks SET last_step = ?, points = ?, data = ? WHERE id = ?", [
        blockLast,
        mergedSteps.length,
        bytes(encodeBlock(mergedSteps, mergedValues)),
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
    rows.push(state.id, blockFirst, blockLast, s.length, bytes(encodeBlock(s, v)));
    state.maxSpan = Math.max(state.maxSpan, blockLast - blockFirst);
    tailPoints = s.length;
  }
  state.tailPoints = extends_ ? tailPoints : BLOCK_POINTS;
  if (state.lastStep === null || last >= state.lastStep) {
    const lastValue = values.at(-1) ?? Number.NaN;
    state.lastStep = last;
    state.lastValue = Number.isNaN(lastValue) ? null : lastValue;
  }
}
