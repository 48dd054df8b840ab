import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SqliteDatabase } from "./database.ts";
import {
  appendLines,
  CHUNK_LINES,
  CHUNK_MAX_BYTES,
  decodeChunk,
  encodeSteps,
  encodeTexts,
  HistoryReader,
  lineOf,
  storedLines,
} from "./history-chunks.ts";
import { createSqliteFixture, type SqliteFixture } from "./test-fixture.ts";

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("history chunk encoding", () => {
  it("round-trips texts (any characters, a newline included) and steps; consecutive steps take no bytes", () => {
    const texts = ['{"a":1}', "", "línea 🎉 with\nnewline", '{"b":"\\u0000"}'];
    const steps = [5, 6, 7, 8];
    assert.equal(encodeSteps(steps).byteLength, 0);
    const chunk = decodeChunk({
      firstLine: 10,
      lines: 4,
      minStep: 5,
      steps: encodeSteps(steps),
      ...encodeTexts(texts),
    });
    assert.deepEqual(
      range(0, 4).map((i) => lineOf(chunk, i)),
      texts,
    );
    assert.deepEqual([...chunk.steps], steps);
    const sparse = [3, 1, 99, 99];
    const decoded = decodeChunk({
      firstLine: 0,
      lines: 4,
      minStep: 1,
      steps: encodeSteps(sparse),
      ...encodeTexts(texts),
    });
    assert.deepEqual([...decoded.steps], sparse);
    assert.throws(
      () =>
        decodeChunk({
          firstLine: 0,
          lines: 3,
          minStep: 0,
          steps: new Uint8Array(0),
          ends: encodeTexts(texts).ends,
        }),
      /corrupt/,
    );
  });
});

describe("history chunks on SQLite", () => {
  let f: SqliteFixture;
  let runId = 0;
  before(async () => {
    f = createSqliteFixture("history-chunks");
    runId = (await f.seedRun()).runId;
  });
  after(() => f.close());

  const chunks = (run: number) =>
    f.db
      .all<{ first: number; lines: number }>(
        "SELECT first_line AS first, lines FROM history_chunks WHERE run_id = ? ORDER BY first_line",
        [run],
      )
      .map((row) => ({ ...row }));
  const lineText = (i: number) => `{"_step":${i},"x":${i}}`;

  it("bounds a chunk's bytes: large lines split across chunks, a line above the bound alone", () => {
    const run = runId + 2000;
    const big = (i: number, mb: number) => `{"_step":${i},"blob":"${"é".repeat((mb * 1024 * 1024) / 2)}"}`;
    appendLines(f.db, run, 0, [lineText(0), lineText(1)], [0, 1]);
    // 3 MB lines: the small tail takes the first; then one per chunk (two would pass 4 MB); a 5 MB
    // line alone; the tiny lines after it start a new chunk (the big one is not "small").
    const texts = [big(2, 3), big(3, 3), big(4, 5), lineText(5), lineText(6)];
    appendLines(f.db, run, 2, texts, [2, 3, 4, 5, 6]);
    assert.deepEqual(chunks(run), [
      { first: 0, lines: 3 },
      { first: 3, lines: 1 },
      { first: 4, lines: 1 },
      { first: 5, lines: 2 },
    ]);
    const reader = new HistoryReader(f.db, run);
    assert.deepEqual(
      reader.linesFrom(0, 10).map((l) => l.line),
      [lineText(0), lineText(1), ...texts],
    );
    for (const row of f.db.all<{ size: number }>(
      "SELECT length(CAST(text AS BLOB)) AS size FROM history_chunks WHERE run_id = ?",
      [run],
    )) {
      assert.ok(row.size <= CHUNK_MAX_BYTES || row.size === Buffer.byteLength(big(4, 5)), String(row.size));
    }
  });

  it("grows a small last chunk with the lines that follow it, and starts new chunks when full", async () => {
    const run = runId + 1000; // chunks need no run row
    for (let i = 0; i < 300; i++) appendLines(f.db, run, i, [lineText(i)], [i]);
    // Tiny lines: the chunk grows until CHUNK_LINES.
    assert.deepEqual(chunks(run), [{ first: 0, lines: 300 }]);
    appendLines(f.db, run, 300, range(300, 3000).map(lineText), range(300, 3000));
    assert.deepEqual(chunks(run), [
      { first: 0, lines: CHUNK_LINES },
      { first: CHUNK_LINES, lines: CHUNK_LINES },
      { first: 2 * CHUNK_LINES, lines: 3000 - 2 * CHUNK_LINES },
    ]);
    const reader = new HistoryReader(f.db, run);
    assert.deepEqual(
      reader.linesFrom(1020, 8).map((l) => l.lineNo),
      range(1020, 1028),
    );
    assert.equal(reader.linesFrom(2990, 100).length, 10);
    assert.equal(reader.lastLine(), lineText(2999));
    assert.equal(reader.lastStep(), 2999);
    assert.deepEqual([...storedLines(f.db, run, 2995, 3005)], range(2995, 3000));
  });

  it("finds lines by step when steps rewind and chunks overlap in steps", () => {
    // Lines 0..99 at steps 0..99, then a rewound run logs lines 100..149 at steps 50..99 again.
    appendLines(f.db, runId, 0, range(0, 100).map(lineText), range(0, 100));
    f.db.run("UPDATE runs SET history_step_span = ? WHERE id = ?", [99, runId]);
    appendLines(
      f.db,
      runId,
      100,
      range(50, 100).map((s) => `{"_step":${s},"again":true}`),
      range(50, 100),
    );
    const reader = new HistoryReader(f.db, runId);
    assert.equal(reader.firstStepAtOrAfter(60, 1000), 60);
    assert.equal(reader.lastStepBefore(75, 0), 74);
    assert.equal(reader.firstStepAtOrAfter(100, 1000), undefined);
    // The last line at a step is the newest one.
    assert.deepEqual(
      reader.lastLinesAt([10, 60]).map((l) => [l.lineNo, l.line]),
      [
        [10, lineText(10)],
        [110, '{"_step":60,"again":true}'],
      ],
    );
    const inRange = reader.linesInRange(95, 97, 100);
    assert.deepEqual(
      inRange?.map((l) => l.lineNo),
      [95, 96, 145, 146],
    );
    assert.equal(reader.linesInRange(0, 1000, 149), undefined);
    assert.equal(reader.linesInRange(0, 1000, 150)?.length, 150);
  });
});

describe("migration 0009 (one row per line → chunks)", () => {
  it("cuts each contiguous stretch of a run's lines into chunks, texts, ends and steps intact", () => {
    const dir = mkdtempSync(join(tmpdir(), "ballast-migrate-0009-"));
    try {
      const db = new SqliteDatabase(join(dir, "db.sqlite"));
      // The schema as it was before 0009.
      db.migrate(8);
      // Run 1: lines 0..2499 (steps 10× the line), a hole, then 3000..3002 with an astral character
      // and a NULL step. Run 2: one line.
      const rows: (number | string | null)[] = [];
      for (let line = 0; line < 2500; line++) rows.push(1, line, line * 10, `{"i":${line}}`);
      rows.push(1, 3000, 5, "🎉", 1, 3001, null, "x", 1, 3002, 7, "");
      rows.push(2, 0, 0, "only");
      db.runBatch("INSERT INTO run_history (run_id, line_no, step, line)", 4, rows);

      assert.ok(db.migrate().includes("0009_history_chunks.sql"));
      const chunks = db
        .all<{ run: number; first: number; lines: number }>(
          "SELECT run_id AS run, first_line AS first, lines FROM history_chunks ORDER BY run_id, first_line",
        )
        .map((r) => ({ ...r }));
      assert.deepEqual(chunks, [
        { run: 1, first: 0, lines: 1024 },
        { run: 1, first: 1024, lines: 1024 },
        { run: 1, first: 2048, lines: 452 },
        { run: 1, first: 3000, lines: 3 },
        { run: 2, first: 0, lines: 1 },
      ]);
      const run1 = new HistoryReader(db, 1);
      const lines = run1.linesFrom(0, 10_000);
      assert.equal(lines.length, 2503);
      assert.deepEqual(lines[1234], { lineNo: 1234, step: 12340, line: '{"i":1234}' });
      assert.deepEqual(lines.slice(2500), [
        { lineNo: 3000, step: 5, line: "🎉" },
        { lineNo: 3001, step: 3001, line: "x" },
        { lineNo: 3002, step: 7, line: "" },
      ]);
      assert.equal(new HistoryReader(db, 2).lastLine(), "only");
      assert.equal(db.get("SELECT name FROM sqlite_master WHERE name = 'run_history'"), undefined);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
