/**
 * History lines on MySQL, in the chunks stores/sqlite/history-chunks.ts describes (read it first):
 * the same rows and the same bytes, the same index ranges bounded by `runs.history_step_span`. The
 * codecs are shared with the SQLite store; what differs is only that every read is a query awaited
 * on the pool, and that a chunk's line is cut out with SUBSTRING (bytes, on a BLOB) where SQLite
 * uses substr. `lines` is a reserved word in MySQL, hence the backticks.
 */
import {
  CHUNK_LINES,
  CHUNK_MAX_BYTES,
  type Chunk,
  type ChunkAtStep,
  type ChunkMeta,
  type ChunkRow,
  decodeChunk,
  encodeSteps,
  encodeTexts,
  GROW_BELOW_BYTES,
  lineAtStep,
  lineOf,
  linesThatFit,
  type StoredLine,
  startOf,
} from "../sqlite/history-chunks.ts";
import type { MysqlDatabase, Queryable, Value } from "./database.ts";

const META_COLUMNS =
  "id, first_line AS firstLine, `lines`, min_step AS minStep, max_step AS maxStep, steps, ends";
const CHUNK_COLUMNS = `${META_COLUMNS}, text`;

/** A packed column as mysql2 sends it (binary). */
export const bytes = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** Line numbers of `runId` in [from, to) that are already stored. */
export async function storedLines(
  tx: Queryable,
  runId: number,
  from: number,
  to: number,
): Promise<Set<number>> {
  const stored = new Set<number>();
  const rows = await tx.all<{ first: number; n: number }>(
    "SELECT first_line AS first, `lines` AS n FROM history_chunks WHERE run_id = ? AND first_line > ? AND first_line < ?",
    [runId, from - CHUNK_LINES, to],
  );
  for (const { first, n } of rows) {
    for (let line = Math.max(first, from); line < Math.min(first + n, to); line++) stored.add(line);
  }
  return stored;
}

/**
 * Stores consecutive new lines starting at line `first` (none of them stored yet), growing the
 * run's last chunk when it is small and they follow it. Returns the widest step range written.
 * The caller holds the run's row lock, so no other request of the run grows the same chunk.
 */
export async function appendLines(
  tx: Queryable,
  runId: number,
  first: number,
  texts: readonly string[],
  steps: ArrayLike<number>,
): Promise<number> {
  let start = 0;
  let span = 0;
  const tail = await tx.get<{ id: number; firstLine: number; lines: number; size: number }>(
    "SELECT id, first_line AS firstLine, `lines`, LENGTH(text) AS size FROM history_chunks WHERE run_id = ? ORDER BY first_line DESC LIMIT 1",
    [runId],
  );
  const grown =
    tail &&
    tail.firstLine + tail.lines === first &&
    tail.size < GROW_BELOW_BYTES &&
    tail.lines < CHUNK_LINES &&
    linesThatFit(texts, 0, CHUNK_LINES - tail.lines, CHUNK_MAX_BYTES - tail.size, false) > 0 &&
    (await tx.get<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM history_chunks WHERE id = ?`, [tail.id]));
  if (grown) {
    const take = linesThatFit(texts, 0, CHUNK_LINES - grown.lines, CHUNK_MAX_BYTES - tail.size, false);
    const old = decodeChunk(grown);
    const oldTexts = Array.from({ length: grown.lines }, (_, i) => lineOf(old, i));
    const allTexts = [...oldTexts, ...texts.slice(0, take)];
    const allSteps = [...old.steps, ...Array.from({ length: take }, (_, i) => steps[i] ?? 0)];
    const min = Math.min(...allSteps);
    const max = Math.max(...allSteps);
    const packed = encodeTexts(allTexts);
    await tx.run(
      "UPDATE history_chunks SET `lines` = ?, min_step = ?, max_step = ?, steps = ?, ends = ?, text = ? WHERE id = ?",
      [
        allTexts.length,
        min,
        max,
        bytes(encodeSteps(allSteps)),
        bytes(packed.ends),
        bytes(packed.text),
        grown.id,
      ],
    );
    span = max - min;
    start = take;
  }
  const rows: Value[] = [];
  for (let i = start, n = 0; i < texts.length; i += n) {
    n = linesThatFit(texts, i, CHUNK_LINES, CHUNK_MAX_BYTES, true);
    const chunkTexts = texts.slice(i, i + n);
    const chunkSteps = Array.from({ length: chunkTexts.length }, (_, k) => steps[i + k] ?? 0);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const step of chunkSteps) {
      if (step < min) min = step;
      if (step > max) max = step;
    }
    span = Math.max(span, max - min);
    const packed = encodeTexts(chunkTexts);
    rows.push(
      runId,
      first + i,
      chunkTexts.length,
      min,
      max,
      bytes(encodeSteps(chunkSteps)),
      bytes(packed.ends),
      bytes(packed.text),
    );
  }
  if (rows.length > 0) {
    // One chunk per statement at most: a chunk of large lines may approach max_allowed_packet.
    await tx.runBatch(
      "INSERT INTO history_chunks (run_id, first_line, `lines`, min_step, max_step, steps, ends, text)",
      8,
      rows,
      "",
      1,
    );
  }
  return span;
}

const lineText = (data: Uint8Array | undefined) => (data ? bytes(data).toString("utf8") : "");

/** Reads one run's chunks; every look-up is an index range, never a scan of the run. */
export class HistoryReader {
  private readonly db: Queryable;
  readonly runId: number;
  private readonly span: number;

  private constructor(db: Queryable, runId: number, span: number) {
    this.db = db;
    this.runId = runId;
    this.span = span;
  }

  static async open(db: MysqlDatabase | Queryable, runId: number): Promise<HistoryReader> {
    const row = await db.get<{ span: number }>("SELECT history_step_span AS span FROM runs WHERE id = ?", [
      runId,
    ]);
    return new HistoryReader(db, runId, Number(row?.span ?? 0));
  }

  /** Lines from line number `fromLine` on, in line order, at most `limit`. */
  async linesFrom(fromLine: number, limit: number): Promise<StoredLine[]> {
    const out: StoredLine[] = [];
    let after = fromLine - CHUNK_LINES;
    const page = Math.min(8, Math.ceil(limit / CHUNK_LINES) + 1);
    while (out.length < limit) {
      const rows = await this.db.all<ChunkRow>(
        `SELECT ${CHUNK_COLUMNS} FROM history_chunks WHERE run_id = ? AND first_line > ? ORDER BY first_line LIMIT ${page}`,
        [this.runId, after],
      );
      for (const row of rows) {
        const chunk = decodeChunk(row);
        for (let i = Math.max(0, fromLine - row.firstLine); i < row.lines && out.length < limit; i++) {
          out.push({ lineNo: row.firstLine + i, step: chunk.steps[i] ?? 0, line: lineOf(chunk, i) });
        }
      }
      const last = rows.at(-1);
      if (!last || rows.length < page) break;
      after = last.firstLine;
    }
    return out;
  }

  async lastLine(): Promise<string | undefined> {
    const row = await this.db.get<ChunkMeta>(
      `SELECT ${META_COLUMNS} FROM history_chunks WHERE run_id = ? ORDER BY first_line DESC LIMIT 1`,
      [this.runId],
    );
    return row && this.lineAt(row, decodeChunk(row), row.lines - 1);
  }

  /** Line i of a chunk decoded without its text: just that line's bytes are read. */
  private async lineAt(row: ChunkMeta, chunk: Chunk, i: number): Promise<string> {
    const start = startOf(chunk, i);
    const found = await this.db.get<{ line: Uint8Array }>(
      "SELECT SUBSTRING(text, ?, ?) AS line FROM history_chunks WHERE id = ?",
      [start + 1, (chunk.ends[i] ?? 0) - start, row.id],
    );
    return lineText(found?.line);
  }

  async lastStep(): Promise<number | null> {
    const row = await this.db.get<{ step: number | null }>(
      "SELECT max(max_step) AS step FROM history_chunks WHERE run_id = ?",
      [this.runId],
    );
    return row?.step === null || row?.step === undefined ? null : Number(row.step);
  }

  /**
   * Chunks whose steps may fall in [lo, hi), by min_step ascending (descending when `reverse`),
   * without their texts; fetched a few at a time, more as the scan goes on.
   */
  private async *chunks(lo: number, hi: number, reverse = false): AsyncGenerator<ChunkMeta> {
    let page = 2;
    let cursor: [number, number] = reverse
      ? [hi, Number.MAX_SAFE_INTEGER]
      : [Math.max(Number.MIN_SAFE_INTEGER, lo - this.span) - 1, 0];
    for (;;) {
      const rows = await this.db.all<ChunkMeta>(
        reverse
          ? `SELECT ${META_COLUMNS} FROM history_chunks
             WHERE run_id = ? AND (min_step < ? OR (min_step = ? AND first_line < ?)) AND min_step >= ? AND max_step >= ?
             ORDER BY min_step DESC, first_line DESC LIMIT ${page}`
          : `SELECT ${META_COLUMNS} FROM history_chunks
             WHERE run_id = ? AND (min_step > ? OR (min_step = ? AND first_line > ?)) AND min_step < ? AND max_step >= ?
             ORDER BY min_step, first_line LIMIT ${page}`,
        reverse
          ? [this.runId, cursor[0], cursor[0], cursor[1], lo - this.span, lo]
          : [this.runId, cursor[0], cursor[0], cursor[1], hi, lo],
      );
      for (const row of rows) yield row;
      const last = rows.at(-1);
      if (!last || rows.length < page) return;
      cursor = [last.minStep, last.firstLine];
      page = Math.min(64, page * 2);
    }
  }

  /** A chunk's text, for reading many of its lines. */
  private async withText(row: ChunkMeta): Promise<Chunk> {
    const found = await this.db.get<{ text: Uint8Array }>("SELECT text FROM history_chunks WHERE id = ?", [
      row.id,
    ]);
    return decodeChunk({ ...row, text: found?.text ?? new Uint8Array(0) });
  }

  /** How many lines have steps in [lo, hi), counting no further than `limit` + 1. */
  async countInRange(lo: number, hi: number, limit: number): Promise<number> {
    let n = 0;
    for await (const row of this.chunks(lo, hi)) {
      if (row.minStep >= lo && row.maxStep < hi) {
        n += row.lines;
      } else {
        for (const step of decodeChunk(row).steps) if (step >= lo && step < hi) n++;
      }
      if (n > limit) return n;
    }
    return n;
  }

  /** Lines with steps in [lo, hi), in line order; stops (returning undefined) past `limit`. */
  async linesInRange(lo: number, hi: number, limit: number): Promise<StoredLine[] | undefined> {
    const out: StoredLine[] = [];
    for await (const row of this.chunks(lo, hi)) {
      const chunk = await this.withText(row);
      for (let i = 0; i < row.lines; i++) {
        const step = chunk.steps[i] ?? 0;
        if (step < lo || step >= hi) continue;
        if (out.length >= limit) return undefined;
        out.push({ lineNo: row.firstLine + i, step, line: lineOf(chunk, i) });
      }
    }
    return out.sort((a, b) => a.lineNo - b.lineNo);
  }

  /** The smallest step in [from, hi), if any line has one. */
  async firstStepAtOrAfter(from: number, hi: number): Promise<number | undefined> {
    let best: number | undefined;
    for await (const row of this.chunks(from, hi)) {
      if (best !== undefined && row.minStep > best) break;
      if (row.minStep >= from) {
        best = best === undefined ? row.minStep : Math.min(best, row.minStep);
        continue;
      }
      for (const step of decodeChunk(row).steps) {
        if (step >= from && step < hi && (best === undefined || step < best)) best = step;
      }
    }
    return best;
  }

  /** The largest step in [lo, before), if any line has one. */
  async lastStepBefore(before: number, lo: number): Promise<number | undefined> {
    let best: number | undefined;
    for await (const row of this.chunks(lo, before, true)) {
      if (best !== undefined && row.minStep + this.span < best) break;
      if (row.maxStep < before) {
        best = best === undefined ? row.maxStep : Math.max(best, row.maxStep);
        continue;
      }
      for (const step of decodeChunk(row).steps) {
        if (step >= lo && step < before && (best === undefined || step > best)) best = step;
      }
    }
    return best;
  }

  /**
   * The last line at each of `steps` (steps without a line are left out), in line order: per
   * step an index range on (run_id, min_step) finds the chunks that may hold it — reading, for a
   * chunk of consecutive steps, just the two end offsets around the line, as on SQLite — a few
   * hundred steps to a statement; then the lines' bytes alone, a few hundred to a statement.
   */
  async lastLinesAt(steps: readonly number[]): Promise<StoredLine[]> {
    const targets = [...new Set(steps.filter(Number.isFinite))];
    if (targets.length === 0) return [];
    const found = new Map<number, { lineNo: number; id: number; start: number; end: number }>();
    for (let at = 0; at < targets.length; at += 200) {
      const part = targets.slice(at, at + 200);
      const rows = await this.db.all<ChunkAtStep>(
        part
          .map(
            () =>
              `(SELECT ? AS target, id, first_line AS firstLine, \`lines\`, min_step AS minStep, steps,
                  CASE WHEN LENGTH(steps) > 0 THEN ends
                       WHEN ? = min_step THEN SUBSTRING(ends, 1, 4)
                       ELSE SUBSTRING(ends, 4 * (? - min_step) - 3, 8) END AS ends
                FROM history_chunks
                WHERE run_id = ? AND min_step <= ? AND min_step >= ? AND max_step >= ?)`,
          )
          .join(" UNION ALL "),
        part.flatMap((target) => [target, target, target, this.runId, target, target - this.span, target]),
      );
      for (const row of rows) {
        const target = Number(row.target);
        const at = lineAtStep({ ...row, target, minStep: Number(row.minStep), lines: Number(row.lines) });
        if (!at) continue;
        const lineNo = Number(row.firstLine) + at.i;
        const seen = found.get(target);
        // Per step, the highest line number holding it (a rewound run writes a step again, later).
        if (!seen || seen.lineNo < lineNo)
          found.set(target, { lineNo, id: Number(row.id), start: at.start, end: at.end });
      }
    }
    if (found.size === 0) return [];
    const wanted = [...found.entries()].sort((a, b) => a[1].lineNo - b[1].lineNo);
    const out: StoredLine[] = [];
    // A few hundred lines per statement: one SUBSTRING each, in the order asked.
    for (let at = 0; at < wanted.length; at += 200) {
      const part = wanted.slice(at, at + 200);
      const texts = await this.db.all<{ k: number; line: Uint8Array }>(
        part
          .map(() => "SELECT ? AS k, SUBSTRING(text, ?, ?) AS line FROM history_chunks WHERE id = ?")
          .join(" UNION ALL "),
        part.flatMap(([, w], k) => [k, w.start + 1, w.end - w.start, w.id]),
      );
      const byK = new Map(texts.map((row) => [Number(row.k), row.line]));
      part.forEach(([step, w], k) => {
        out.push({ lineNo: w.lineNo, step, line: lineText(byK.get(k)) });
      });
    }
    return out;
  }
}
