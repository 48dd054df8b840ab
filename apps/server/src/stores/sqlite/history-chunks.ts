/**
 * History lines on SQLite, in chunks: up to CHUNK_LINES consecutive lines of a run per row, their
 * texts concatenated as UTF-8, with each line's end byte offset and step packed beside them (so one
 * line can be read with `substr` without loading its chunk). One row per
 * file_stream request instead of one per line: the per-row B-tree work (two trees, a clustered one
 * and the step index, each insert landing mid-tree while runs interleave) was the largest part of
 * ingest once metric points were packed.
 *
 * A line number is stored once (history is write-once: a re-sent line is skipped), so chunks of a
 * run never overlap in line numbers. Their step ranges may (a rewound run); `runs.history_step_span`,
 * the widest chunk's step range, bounds how far before a step a chunk holding it can start, so "the
 * chunks that may hold step s" is an index range on (run_id, min_step).
 */
import type { SqliteDatabase } from "./database.ts";
import { consecutive, packFloat64, packUint32, unpackFloat64, unpackUint32 } from "./packed.ts";

/** Lines per chunk at most. */
export const CHUNK_LINES = 1024;

/** A run's last chunk smaller than this takes the next lines in (slow runs still fill chunks). */
export const GROW_BELOW_BYTES = 16 * 1024;

/**
 * Bytes of line text per chunk at most; a longer line gets a chunk of its own. A chunk is one row
 * written by one statement, and MySQL refuses statements above max_allowed_packet (16 MB on
 * MariaDB by default), while one file_stream request may carry 64 MB of lines.
 */
export const CHUNK_MAX_BYTES = 4 * 1024 * 1024;

/**
 * How many of `texts[from…]` go into one chunk with room for `maxLines` lines and `maxBytes` bytes:
 * at least one line when `atLeastOne` (a new chunk always takes its first line, however long).
 */
export function linesThatFit(
  texts: readonly string[],
  from: number,
  maxLines: number,
  maxBytes: number,
  atLeastOne: boolean,
): number {
  const end = Math.min(texts.length, from + maxLines);
  // Fast path: three bytes per UTF-16 unit is the most UTF-8 can take, so no byte count is needed.
  let units = 0;
  for (let i = from; i < end; i++) units += (texts[i] ?? "").length;
  if (units * 3 <= maxBytes) return end - from;
  let bytes = 0;
  let n = 0;
  for (let i = from; i < end; i++) {
    bytes += Buffer.byteLength(texts[i] ?? "", "utf8");
    if (bytes > maxBytes) break;
    n++;
  }
  return n === 0 && atLeastOne && from < end ? 1 : n;
}

export interface ChunkRow {
  readonly id: number;
  readonly firstLine: number;
  readonly lines: number;
  readonly minStep: number;
  readonly maxStep: number;
  readonly steps: Uint8Array;
  readonly ends: Uint8Array;
  readonly text: Uint8Array;
}

/** A chunk's row without its text. */
export type ChunkMeta = Omit<ChunkRow, "text">;

export const META_COLUMNS =
  "id, first_line AS firstLine, lines, min_step AS minStep, max_step AS maxStep, steps, ends";
export const CHUNK_COLUMNS = `${META_COLUMNS}, text`;

/** A decoded chunk: line i is line number firstLine + i. */
export interface Chunk {
  readonly firstLine: number;
  readonly steps: Float64Array;
  readonly ends: Uint32Array;
  readonly text: Buffer | undefined;
}

export const startOf = (chunk: Chunk, i: number) => (i === 0 ? 0 : (chunk.ends[i - 1] ?? 0));

export function lineOf(chunk: Chunk, i: number): string {
  if (!chunk.text) throw new Error("history chunk decoded without its text");
  return chunk.text.toString("utf8", startOf(chunk, i), chunk.ends[i] ?? 0);
}

/** Steps packed as float64 little-endian; empty when they are minStep, minStep + 1, … (the usual case). */
export function encodeSteps(steps: ArrayLike<number>): Uint8Array {
  const n = steps.length;
  const first = steps[0] ?? 0;
  let dense = true;
  for (let i = 1; i < n && dense; i++) dense = steps[i] === first + i;
  if (dense) return new Uint8Array(0);
  return packFloat64(Float64Array.from({ length: n }, (_, i) => steps[i] ?? 0));
}

/** The lines as one UTF-8 text, and each line's end byte offset packed as uint32 little-endian. */
export function encodeTexts(texts: readonly string[]): { text: Uint8Array; ends: Uint8Array } {
  // Exact size: a bound of 3 bytes per UTF-16 unit would hold three times the memory per request.
  let size = 0;
  for (const text of texts) size += Buffer.byteLength(text, "utf8");
  const out = Buffer.allocUnsafe(size);
  const ends = new Uint32Array(texts.length);
  let at = 0;
  texts.forEach((text, i) => {
    at += out.write(text, at, "utf8");
    ends[i] = at;
  });
  return { text: out, ends: packUint32(ends) };
}

export function decodeChunk(
  row: Pick<ChunkRow, "firstLine" | "lines" | "minStep" | "steps" | "ends"> & { text?: Uint8Array },
): Chunk {
  const ends = unpackUint32(row.ends);
  const steps = row.steps.byteLength === 0 ? consecutive(row.minStep, row.lines) : unpackFloat64(row.steps);
  if (ends.length !== row.lines || steps.length !== row.lines) {
    throw new Error(`history chunk at line ${row.firstLine} is corrupt`);
  }
  const text = row.text && Buffer.from(row.text.buffer, row.text.byteOffset, row.text.byteLength);
  return { firstLine: row.firstLine, steps, ends, text };
}

/** Line numbers of `runId` in [from, to) that are already stored. */
export function storedLines(db: SqliteDatabase, runId: number, from: number, to: number): Set<number> {
  const stored = new Set<number>();
  const rows = db.all<{ first: number; n: number }>(
    "SELECT first_line AS first, lines AS n FROM history_chunks WHERE run_id = ? AND first_line > ? AND first_line < ?",
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
 */
export function appendLines(
  db: SqliteDatabase,
  runId: number,
  first: number,
  texts: readonly string[],
  steps: ArrayLike<number>,
): number {
  let start = 0;
  let span = 0;
  const tail = db.get<{ id: number; firstLine: number; lines: number; bytes: number }>(
    `SELECT id, first_line AS firstLine, lines, length(text) AS bytes FROM history_chunks
     WHERE run_id = ? ORDER BY first_line DESC LIMIT 1`,
    [runId],
  );
  const grown =
    tail &&
    tail.firstLine + tail.lines === first &&
    tail.bytes < GROW_BELOW_BYTES &&
    tail.lines < CHUNK_LINES &&
    linesThatFit(texts, 0, CHUNK_LINES - tail.lines, CHUNK_MAX_BYTES - tail.bytes, false) > 0 &&
    db.get<ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM history_chunks WHERE id = ?`, [tail.id]);
  if (grown) {
    const take = linesThatFit(texts, 0, CHUNK_LINES - grown.lines, CHUNK_MAX_BYTES - tail.bytes, false);
    const old = decodeChunk(grown);
    const oldTexts = Array.from({ length: grown.lines }, (_, i) => lineOf(old, i));
    const allTexts = [...oldTexts, ...texts.slice(0, take)];
    const allSteps = [...old.steps, ...Array.from({ length: take }, (_, i) => steps[i] ?? 0)];
    const min = Math.min(...allSteps);
    const max = Math.max(...allSteps);
    const packed = encodeTexts(allTexts);
    db.run(
      "UPDATE history_chunks SET lines = ?, min_step = ?, max_step = ?, steps = ?, ends = ?, text = ? WHERE id = ?",
      [allTexts.length, min, max, encodeSteps(allSteps), packed.ends, packed.text, grown.id],
    );
    span = max - min;
    start = take;
  }
  const rows: (number | Uint8Array)[] = [];
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
      encodeSteps(chunkSteps),
      packed.ends,
      packed.text,
    );
  }
  if (rows.length > 0) {
    db.runBatch(
      "INSERT INTO history_chunks (run_id, first_line, lines, min_step, max_step, steps, ends, text)",
      8,
      rows,
    );
  }
  return span;
}

/** One history line with its place. */
export interface StoredLine {
  readonly lineNo: number;
  readonly step: number;
  readonly line: string;
}

/** A chunk found for a step by `lastLinesAt`: `ends` is the whole column, or just the line's offsets. */
export interface ChunkAtStep {
  readonly target: number;
  readonly id: number;
  readonly firstLine: number;
  readonly lines: number;
  readonly minStep: number;
  readonly steps: Uint8Array;
  readonly ends: Uint8Array;
}

/** Where the last line at `row.target` is in its chunk (index, byte range), if the chunk has one. */
export function lineAtStep(row: ChunkAtStep): { i: number; start: number; end: number } | undefined {
  if (row.steps.byteLength === 0) {
    // Consecutive steps: line i has step minStep + i; `ends` holds end(i − 1) and end(i), or end(0).
    const i = row.target - row.minStep;
    if (!Number.isInteger(i) || i < 0 || i >= row.lines) return undefined;
    const offsets = unpackUint32(row.ends);
    return i === 0
      ? { i, start: 0, end: offsets[0] ?? 0 }
      : { i, start: offsets[0] ?? 0, end: offsets[1] ?? 0 };
  }
  const chunk = decodeChunk(row);
  for (let i = row.lines - 1; i >= 0; i--) {
    if (chunk.steps[i] === row.target) return { i, start: startOf(chunk, i), end: chunk.ends[i] ?? 0 };
  }
  return undefined;
}

/** Reads one run's chunks; every look-up is an index range, never a scan of the run. */
export class HistoryReader {
  private readonly db: SqliteDatabase;
  readonly runId: number;
  private readonly span: number;

  constructor(db: SqliteDatabase, runId: number) {
    this.db = db;
    this.runId = runId;
    this.span =
      db.get<{ span: number }>("SELECT history_step_span AS span FROM runs WHERE id = ?", [runId])?.span ?? 0;
  }

  /** Lines from line number `fromLine` on, in line order, at most `limit`. */
  linesFrom(fromLine: number, limit: number): StoredLine[] {
    const out: StoredLine[] = [];
    let after = fromLine - CHUNK_LINES;
    const page = Math.min(8, Math.ceil(limit / CHUNK_LINES) + 1);
    while (out.length < limit) {
      const rows = this.db.all<ChunkRow>(
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

  lastLine(): string | undefined {
    const row = this.db.get<ChunkMeta>(
      `SELECT ${META_COLUMNS} FROM history_chunks WHERE run_id = ? ORDER BY first_line DESC LIMIT 1`,
      [this.runId],
    );
    return row && this.lineAt(row, decodeChunk(row), row.lines - 1);
  }

  /** Line i of a chunk decoded without its text: just that line's bytes are read. */
  private lineAt(row: ChunkMeta, chunk: Chunk, i: number): string {
    const start = startOf(chunk, i);
    const bytes = this.db.get<{ line: Uint8Array }>(
      "SELECT substr(text, ?, ?) AS line FROM history_chunks WHERE id = ?",
      [start + 1, (chunk.ends[i] ?? 0) - start, row.id],
    )?.line;
    return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8") : "";
  }

  lastStep(): number | null {
    return (
      this.db.get<{ step: number | null }>(
        "SELECT max(max_step) AS step FROM history_chunks WHERE run_id = ?",
        [this.runId],
      )?.step ?? null
    );
  }

  /**
   * Chunks whose steps may fall in [lo, hi), by min_step ascending (descending when `reverse`),
   * without their texts; fetched a few at a time, more as the scan goes on.
   */
  private *chunks(lo: number, hi: number, reverse = false): Generator<ChunkMeta> {
    let page = 2;
    let cursor: [number, number] = reverse
      ? [hi, Number.MAX_SAFE_INTEGER]
      : [Math.max(Number.MIN_SAFE_INTEGER, lo - this.span) - 1, 0];
    for (;;) {
      const rows = this.db.all<ChunkMeta>(
        reverse
          ? `SELECT ${META_COLUMNS} FROM history_chunks
             WHERE run_id = ? AND (min_step, first_line) < (?, ?) AND min_step >= ? AND max_step >= ?
             ORDER BY min_step DESC, first_line DESC LIMIT ${page}`
          : `SELECT ${META_COLUMNS} FROM history_chunks
             WHERE run_id = ? AND (min_step, first_line) > (?, ?) AND min_step < ? AND max_step >= ?
             ORDER BY min_step, first_line LIMIT ${page}`,
        reverse
          ? [this.runId, cursor[0], cursor[1], lo - this.span, lo]
          : [this.runId, cursor[0], cursor[1], hi, lo],
      );
      for (const row of rows) yield row;
      const last = rows.at(-1);
      if (!last || rows.length < page) return;
      cursor = [last.minStep, last.firstLine];
      page = Math.min(64, page * 2);
    }
  }

  /** A chunk's text, for reading many of its lines. */
  private withText(row: ChunkMeta): Chunk {
    const text = this.db.get<{ text: Uint8Array }>("SELECT text FROM history_chunks WHERE id = ?", [
      row.id,
    ])?.text;
    return decodeChunk({ ...row, text: text ?? new Uint8Array(0) });
  }

  /** How many lines have steps in [lo, hi), counting no further than `limit` + 1. */
  countInRange(lo: number, hi: number, limit: number): number {
    let n = 0;
    for (const row of this.chunks(lo, hi)) {
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
  linesInRange(lo: number, hi: number, limit: number): StoredLine[] | undefined {
    const out: StoredLine[] = [];
    for (const row of this.chunks(lo, hi)) {
      const chunk = this.withText(row);
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
  firstStepAtOrAfter(from: number, hi: number): number | undefined {
    let best: number | undefined;
    for (const row of this.chunks(from, hi)) {
      if (best !== undefined && row.minStep > best) break;
      if (row.minStep >= from) {
        best = best === undefined ? row.minStep : Math.min(best, row.minStep);
        continue;
      }
      const steps = decodeChunk(row).steps;
      for (const step of steps) {
        if (step >= from && step < hi && (best === undefined || step < best)) best = step;
      }
    }
    return best;
  }

  /** The largest step in [lo, before), if any line has one. */
  lastStepBefore(before: number, lo: number): number | undefined {
    let best: number | undefined;
    for (const row of this.chunks(lo, before, true)) {
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
   * The last line at each of `steps` (steps without a line are left out), in line order. Two
   * statements whatever the number of steps: one finds the chunks holding them — reading, for a
   * chunk of consecutive steps, just the two end offsets around the line — and one reads the lines'
   * bytes with `substr`.
   */
  lastLinesAt(steps: readonly number[]): StoredLine[] {
    const targets = [...new Set(steps.filter(Number.isFinite))];
    if (targets.length === 0) return [];
    const rows = this.db.all<ChunkAtStep>(
      `SELECT t.value AS target, c.id, c.first_line AS firstLine, c.lines, c.min_step AS minStep,
              c.steps,
              CASE WHEN length(c.steps) > 0 THEN c.ends
                   WHEN t.value = c.min_step THEN substr(c.ends, 1, 4)
                   ELSE substr(c.ends, 4 * (t.value - c.min_step) - 3, 8) END AS ends
       FROM json_each(?) AS t CROSS JOIN history_chunks AS c
       WHERE c.run_id = ? AND c.min_step <= t.value AND c.min_step >= t.value - ? AND c.max_step >= t.value`,
      [JSON.stringify(targets), this.runId, this.span],
    );
    // Per step, the highest line number holding it (a rewound run writes a step again, later).
    const found = new Map<number, { lineNo: number; id: number; start: number; end: number }>();
    for (const row of rows) {
      const at = lineAtStep(row);
      if (!at) continue;
      const lineNo = row.firstLine + at.i;
      const seen = found.get(row.target);
      if (!seen || seen.lineNo < lineNo)
        found.set(row.target, { lineNo, id: row.id, start: at.start, end: at.end });
    }
    if (found.size === 0) return [];
    const wanted = [...found.entries()].sort((a, b) => a[1].lineNo - b[1].lineNo);
    const texts = this.db.all<{ line: Uint8Array }>(
      `SELECT substr(c.text, j.value ->> '$[1]', j.value ->> '$[2]') AS line
       FROM json_each(?) AS j CROSS JOIN history_chunks AS c ON c.id = j.value ->> '$[0]'
       ORDER BY j.key`,
      [JSON.stringify(wanted.map(([, w]) => [w.id, w.start + 1, w.end - w.start]))],
    );
    return wanted.map(([step, w], k) => {
      const bytes = texts[k]?.line;
      const line = bytes
        ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")
        : "";
      return { lineNo: w.lineNo, step, line };
    });
  }
}

/**
 * SQL aggregates for the migration from one row per line: `ballast_pack_steps(step)` and
 * `ballast_pack_ends(line)`, each over a group's rows in line order (ORDER BY in the call).
 */
export function defineChunkAggregates(db: SqliteDatabase): void {
  // Accumulators must be SQL values: steps as text, line lengths as text (a one-time migration).
  db.defineAggregate("ballast_pack_steps", {
    start: "",
    step: (acc, step) => `${acc}${Number(step)} `,
    result: (acc) => encodeSteps(String(acc).trim().split(" ").filter(Boolean).map(Number)),
  });
  db.defineAggregate("ballast_pack_ends", {
    start: "",
    step: (acc, line) => `${acc}${Buffer.byteLength(String(line), "utf8")} `,
    result: (acc) => {
      const lengths = String(acc).trim().split(" ").filter(Boolean).map(Number);
      const ends = new Uint32Array(lengths.length);
      let at = 0;
      lengths.forEach((n, i) => {
        at += n;
        ends[i] = at;
      });
      return packUint32(ends);
    },
  });
}
