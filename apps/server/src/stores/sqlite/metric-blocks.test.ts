import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SqliteDatabase } from "./database.ts";
import {
  appendPoints,
  BLOCK_POINTS,
  decodeBlock,
  encodeBlock,
  normalizePoints,
  SeriesReader,
} from "./metric-blocks.ts";
import { createSqliteFixture, type SqliteFixture } from "./test-fixture.ts";

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("metric block encoding", () => {
  it("round-trips steps and values, NaN and ±Infinity included, from unaligned bytes", () => {
    const steps = [0, 1, 2 ** 52, 7];
    const values = [Number.NaN, -0.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    const bytes = encodeBlock(steps, values);
    const unaligned = new Uint8Array(bytes.byteLength + 3).subarray(3);
    unaligned.set(bytes);
    const decoded = decodeBlock(unaligned, 0, 4);
    assert.deepEqual([...decoded.steps], steps);
    assert.deepEqual([...decoded.values], values);
    assert.throws(() => decodeBlock(new Uint8Array(24), 0, 2), /corrupt/);
  });

  it("stores only the values when the steps are consecutive", () => {
    const bytes = encodeBlock([7, 8, 9], [0.5, Number.NaN, 2]);
    assert.equal(bytes.byteLength, 24);
    const decoded = decodeBlock(bytes, 7, 3);
    assert.deepEqual([...decoded.steps], [7, 8, 9]);
    assert.deepEqual([...decoded.values], [0.5, Number.NaN, 2]);
    assert.equal(encodeBlock([7, 9, 10], [1, 2, 3]).byteLength, 48);
  });

  it("orders a request's points by step; a repeated step keeps the later value", () => {
    assert.deepEqual(normalizePoints([3, 1, 3, 2], [30, 10, 31, 20]), {
      steps: [1, 2, 3],
      values: [10, 20, 31],
    });
    const inOrder = { steps: [1, 2], values: [5, 6] };
    assert.equal(normalizePoints(inOrder.steps, inOrder.values).steps, inOrder.steps);
  });
});

describe("metric blocks on SQLite", () => {
  let f: SqliteFixture;
  let runId = 0;
  let names = 0;
  before(async () => {
    f = createSqliteFixture("metric-blocks");
    runId = (await f.seedRun()).runId;
  });
  after(() => f.close());

  function appendTo(key: number, steps: number[], values: number[]): void {
    appendPoints(f.db, new Map([[key, { steps, values }]]));
  }

  async function newSeries(): Promise<number> {
    names++;
    return f.db.run("INSERT INTO metric_keys (run_id, name) VALUES (?, ?)", [runId, `k${names}`])
      .lastInsertRowid;
  }
  const blocks = (key: number) =>
    f.db
      .all<{ first: number; last: number; points: number }>(
        "SELECT first_step AS first, last_step AS last, points FROM metric_blocks WHERE key_id = ? ORDER BY id",
        [key],
      )
      .map((row) => ({ ...row }));

  it("fills the last block across small appends, then starts new ones", async () => {
    const key = await newSeries();
    for (let start = 0; start < 1500; start += 100) {
      appendTo(key, range(start, start + 100), range(start, start + 100));
    }
    // A last block under half full takes the next points in; 500 + 100 reaches half, so 600 starts anew.
    assert.deepEqual(blocks(key), [
      { first: 0, last: 599, points: 600 },
      { first: 600, last: 1199, points: 600 },
      { first: 1200, last: 1499, points: 300 },
    ]);
    const read = new SeriesReader(f.db, key).points(0, 10_000, 10_000);
    assert.deepEqual(read.steps, range(0, 1500));
    assert.deepEqual(read.values, range(0, 1500));
    assert.deepEqual(new SeriesReader(f.db, key).points(596, 1030, 5).steps, [596, 597, 598, 599, 600]);
  });

  it("splits a large request into whole blocks", async () => {
    const key = await newSeries();
    appendTo(key, range(0, 2 * BLOCK_POINTS + 1), range(0, 2 * BLOCK_POINTS + 1));
    assert.deepEqual(
      blocks(key).map((b) => b.points),
      [BLOCK_POINTS, BLOCK_POINTS, 1],
    );
  });

  it("merges overlapping blocks: the newest write wins a step, every step is read once", async () => {
    const key = await newSeries();
    appendTo(key, range(0, 100), range(0, 100)); // values = step
    appendTo(key, range(50, 60), Array(10).fill(-1)); // a rewound run writes 50..59 again
    appendTo(key, range(100, 120), range(100, 120));
    const series = new SeriesReader(f.db, key);
    const all = series.points(0, 1000, 1000);
    assert.deepEqual(all.steps, range(0, 120));
    assert.deepEqual(
      all.values,
      range(0, 120).map((s) => (s >= 50 && s < 60 ? -1 : s)),
    );
    const part = series.points(55, 65, 8);
    assert.deepEqual(part.steps, range(55, 63));
    assert.deepEqual(part.values, [-1, -1, -1, -1, -1, 60, 61, 62]);
    assert.equal(series.firstAtOrAfter(57, 1000), 57);
    assert.equal(series.lastBefore(120, 0), 119);
    assert.equal(series.lastBefore(1000, 200), undefined);
    assert.equal(series.has(59), true);
    assert.equal(series.has(120), false);
    const key2 = f.db.get<{ step: number; value: number }>(
      "SELECT last_step AS step, last_value AS value FROM metric_keys WHERE id = ?",
      [key],
    );
    assert.deepEqual({ ...key2 }, { step: 119, value: 119 });
  });

  it("answers look-ups in blocks of consecutive steps from their rows, gaps between blocks included", async () => {
    const key = await newSeries();
    appendTo(key, range(0, 100), range(0, 100));
    appendTo(key, range(200, 300), range(200, 300));
    const series = new SeriesReader(f.db, key);
    assert.equal(series.firstAtOrAfter(37, 1000), 37);
    assert.equal(series.firstAtOrAfter(150, 1000), 200);
    assert.equal(series.firstAtOrAfter(150, 200), undefined);
    assert.equal(series.firstAtOrAfter(36.5, 1000), 37);
    assert.equal(series.lastBefore(250, 0), 249);
    assert.equal(series.lastBefore(200, 0), 99);
    assert.equal(series.lastBefore(200, 100), undefined);
    assert.equal(series.has(250), true);
    assert.equal(series.has(150), false);
    assert.equal(series.has(99.5), false);
  });

  it("finds the first and last steps of sparse series within bounds, across many blocks", async () => {
    const key = await newSeries();
    const steps = range(0, 5000).map((i) => i * 1000);
    appendTo(key, steps, steps);
    const series = new SeriesReader(f.db, key);
    assert.equal(series.firstAtOrAfter(1_234_567, Number.MAX_SAFE_INTEGER), 1_235_000);
    assert.equal(series.lastBefore(1_234_567, 0), 1_234_000);
    assert.equal(series.firstAtOrAfter(1_234_001, 1_235_000), undefined);
    assert.equal(series.has(1_235_000), true);
    assert.equal(series.has(1_235_001), false);
    assert.deepEqual(
      series.points(2_000_000, 2_003_000, 10).steps,
      [2_000_000, 2_001_000, 2_002_000, 2_003_000],
    );
  });
});

describe("migration 0007 (one row per point → blocks)", () => {
  it("packs existing points per series, keeps NaN and the newest point, and drops the 16-step tier", () => {
    const dir = mkdtempSync(join(tmpdir(), "ballast-migrate-0007-"));
    try {
      const db = new SqliteDatabase(join(dir, "db.sqlite"));
      // The schema as it was before 0007.
      db.migrate(6);
      db.exec("INSERT INTO metric_keys (id, run_id, name) VALUES (1, 1, 'a'), (2, 1, 'b')");
      const points: (number | null)[] = [];
      for (let step = 0; step < 2500; step++) points.push(1, step, step * 2);
      points.push(2, 5, null, 2, 3, 1.5);
      db.runBatch("INSERT INTO metric_points (key_id, step, value)", 3, points);
      db.exec("INSERT INTO metric_tiers VALUES (1, 1, 0, 0, 30, 15, 30), (1, 2, 0, 0, 510, 255, 510)");

      assert.ok(db.migrate().includes("0007_metric_blocks.sql"));
      const a = new SeriesReader(db, 1).points(0, 1e9, 1e9);
      assert.deepEqual(a.steps, range(0, 2500));
      assert.deepEqual(
        a.values,
        range(0, 2500).map((s) => s * 2),
      );
      const b = new SeriesReader(db, 2).points(0, 10, 10);
      assert.deepEqual(b.steps, [3, 5]);
      assert.deepEqual(b.values, [1.5, Number.NaN]);
      assert.deepEqual(
        db
          .all("SELECT id, last_step AS step, last_value AS value FROM metric_keys ORDER BY id")
          .map((r) => ({ ...r })),
        [
          { id: 1, step: 2499, value: 4998 },
          { id: 2, step: 5, value: null },
        ],
      );
      assert.deepEqual(
        db.all<{ level: number }>("SELECT level FROM metric_tiers").map((r) => r.level),
        [2],
      );
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
