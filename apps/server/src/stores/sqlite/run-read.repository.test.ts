/**
 * SqliteRunReadRepository's history reads and run deletion on a real migrated SQLite file.
 * Real: database, migrations, run repository. Mocked: nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseHistoryBatch } from "../../domain/runs/history-line.ts";
import { createSqliteFixture } from "./test-fixture.ts";

const fixture = createSqliteFixture("run-read");
const { db, runs, runReads: reads } = fixture;
let runId = 0;
const LINES = 100;

/** Line i logs step i; every third line lacks `b`; line 50 is not JSON at all. */
function line(i: number): string {
  if (i === 50) return "not json";
  return i % 3 === 0 ? `{"_step":${i},"a":{"x":${i}}}` : `{"_step":${i},"a":{"x":${i}},"b":NaN}`;
}

before(async () => {
  ({ runId } = await fixture.seedRun());
  await runs.applyFileStream(runId, {
    history: parseHistoryBatch(
      0,
      Array.from({ length: LINES }, (_, i) => line(i)),
    ),
    now: 2,
  });
});

after(() => fixture.close());

const steps = (lines: string[]) =>
  lines.map((l) => (l === "not json" ? 50 : Number(/"_step":(\d+)/.exec(l)?.[1])));

describe("SqliteRunReadRepository history reads", () => {
  it("samples evenly, exactly `samples` lines, always the first and the last", async () => {
    for (const samples of [2, 3, 7, 50, 99]) {
      const got = steps(await reads.sampleLines({ runId, file: "history", samples }));
      assert.equal(got.length, samples, `samples=${samples}`);
      assert.equal(got[0], 0);
      assert.equal(got.at(-1), LINES - 1);
      assert.deepEqual(
        [...new Set(got)].sort((a, b) => a - b),
        got,
        "distinct and in order",
      );
    }
    assert.equal((await reads.sampleLines({ runId, file: "history", samples: 1000 })).length, LINES);
    assert.deepEqual(
      await reads.sampleLines({ runId, file: "history", samples: 1000 }),
      Array.from({ length: LINES }, (_, i) => line(i)),
      "stored text unchanged",
    );
  });

  it("reads a step range [min, max) and keeps only lines holding every key", async () => {
    assert.deepEqual(
      steps(await reads.sampleLines({ runId, file: "history", minStep: 10, maxStep: 14, samples: 100 })),
      [10, 11, 12, 13],
    );
    const withB = steps(
      await reads.sampleLines({
        runId,
        file: "history",
        keys: [[["b"]], [["a.x"], ["a", "x"]]],
        samples: 1000,
      }),
    );
    assert.deepEqual(
      withB,
      Array.from({ length: LINES }, (_, i) => i).filter((i) => i % 3 !== 0 && i !== 50),
    );
  });

  it("gives the last step and each key's last value", async () => {
    assert.deepEqual(await reads.historyKeys(runId), {
      lastStep: LINES - 1,
      // b is NaN wherever it is logged: a series whose last value reads as null.
      keys: [
        { name: "a.x", value: LINES - 1 },
        { name: "b", value: null },
      ],
    });
  });

  it("deletes a run with its history and metrics", async () => {
    await reads.deleteRun(runId, true, 3);
    assert.equal(await runs.findRunById(runId), undefined);
    assert.deepEqual(await reads.sampleLines({ runId, file: "history", samples: 10 }), []);
    assert.deepEqual(await reads.historyKeys(runId), { lastStep: null, keys: [] });
    assert.equal(db.get<{ n: number }>("SELECT count(*) AS n FROM metric_blocks")?.n, 0);
  });
});
