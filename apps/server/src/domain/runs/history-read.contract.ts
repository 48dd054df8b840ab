/**
 * RunReadRepository's history reads — sampling, step ranges, key filters, the last values, run
 * deletion — and the sampling of long ranges by step seeks (stores/{sqlite,mysql}/history-sample.ts):
 * the same cases on every engine. SQLite runs it from history-read.test.ts, MariaDB from
 * e2e/mysql-run-reads.e2e.test.ts. Real: database, migrations, run repository, history parsing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SAMPLE_SCAN_LIMIT } from "../../stores/sqlite/history-sample.ts";
import type { FixtureFactory } from "../../stores/store-fixture.ts";
import { parseHistoryBatch } from "./history-line.ts";

/** A fresh store, and the row count of one of its tables (to see that a deletion left nothing). */
export type HistoryReadFixtureFactory = () => Promise<
  Awaited<ReturnType<FixtureFactory<"runs" | "runReads">>> & { countRows(table: string): Promise<number> }
>;

const LINES = 3 * SAMPLE_SCAN_LIMIT;
const SHORT = 100;

/** Line i of the short run logs step i; every third line lacks `b`; line 50 is not JSON at all. */
function shortLine(i: number): string {
  if (i === 50) return "not json";
  return i % 3 === 0 ? `{"_step":${i},"a":{"x":${i}}}` : `{"_step":${i},"a":{"x":${i}},"b":NaN}`;
}

const shortSteps = (lines: string[]) =>
  lines.map((l) => (l === "not json" ? 50 : Number(/"_step":(\d+)/.exec(l)?.[1])));

/** Line i is step 10·i; `acc` on every third line; `note` (a string) on every other line. */
function line(i: number): string {
  const acc = i % 3 === 0 ? `,"acc":${i / 3}` : "";
  const note = i % 2 === 0 ? `,"note":"n${i}"` : "";
  return `{"_step":${10 * i},"loss":${i}${acc}${note}}`;
}

const stepOf = (text: string) => Number(/"_step":(\d+)/.exec(text)?.[1]);

/** Registers the suite; `make` gives a fresh, migrated store (closed after the suite). */
export function historyReadContract(label: string, make: HistoryReadFixtureFactory): void {
  describe(`history reads of a short run: ${label}`, () => {
    let fixture: Awaited<ReturnType<typeof make>>;
    let runId = 0;

    before(async () => {
      fixture = await make();
      ({ runId } = await fixture.seedRun());
      await fixture.runs.applyFileStream(runId, {
        history: parseHistoryBatch(
          0,
          Array.from({ length: SHORT }, (_, i) => shortLine(i)),
        ),
        now: 2,
      });
    });

    after(() => fixture.close());

    it("samples evenly, exactly `samples` lines, always the first and the last", async () => {
      for (const samples of [2, 3, 7, 50, 99]) {
        const got = shortSteps(await fixture.runReads.sampleLines({ runId, file: "history", samples }));
        assert.equal(got.length, samples, `samples=${samples}`);
        assert.equal(got[0], 0);
        assert.equal(got.at(-1), SHORT - 1);
        assert.deepEqual(
          [...new Set(got)].sort((a, b) => a - b),
          got,
          "distinct and in order",
        );
      }
      assert.deepEqual(
        await fixture.runReads.sampleLines({ runId, file: "history", samples: 1000 }),
        Array.from({ length: SHORT }, (_, i) => shortLine(i)),
        "every line, stored text unchanged",
      );
    });

    it("reads a step range [min, max) and keeps only lines holding every key", async () => {
      assert.deepEqual(
        shortSteps(
          await fixture.runReads.sampleLines({
            runId,
            file: "history",
            minStep: 10,
            maxStep: 14,
            samples: 100,
          }),
        ),
        [10, 11, 12, 13],
      );
      const withB = shortSteps(
        await fixture.runReads.sampleLines({
          runId,
          file: "history",
          keys: [[["b"]], [["a.x"], ["a", "x"]]],
          samples: 1000,
        }),
      );
      assert.deepEqual(
        withB,
        Array.from({ length: SHORT }, (_, i) => i).filter((i) => i % 3 !== 0 && i !== 50),
      );
    });

    it("gives the last step and each key's last value", async () => {
      assert.deepEqual(await fixture.runReads.historyKeys(runId), {
        lastStep: SHORT - 1,
        // b is NaN wherever it is logged: a series whose last value reads as null.
        keys: [
          { name: "a.x", value: SHORT - 1 },
          { name: "b", value: null },
        ],
      });
    });

    it("deletes a run with its history and metrics", async () => {
      await fixture.runReads.deleteRun(runId, true, 3);
      assert.equal(await fixture.runs.findRunById(runId), undefined);
      assert.deepEqual(await fixture.runReads.sampleLines({ runId, file: "history", samples: 10 }), []);
      assert.deepEqual(await fixture.runReads.historyKeys(runId), { lastStep: null, keys: [] });
      for (const table of ["history_chunks", "metric_blocks", "metric_keys", "metric_tiers"]) {
        assert.equal(await fixture.countRows(table), 0, table);
      }
    });
  });

  describe(`history sampling of a long range: ${label}`, () => {
    let fixture: Awaited<ReturnType<typeof make>>;
    let runId = 0;
    const reads = () => fixture.runReads;

    before(async () => {
      fixture = await make();
      ({ runId } = await fixture.seedRun());
      for (let start = 0; start < LINES; start += 5000) {
        const history = parseHistoryBatch(
          start,
          Array.from({ length: 5000 }, (_, k) => line(start + k)),
        );
        await fixture.runs.applyFileStream(runId, { history, now: 2 });
      }
    });

    after(() => fixture.close());

    describe("sampleLines over a long range", () => {
      it("spreads the samples evenly by step, first and last included, in line order", async () => {
        const lines = await reads().sampleLines({ runId, file: "history", samples: 500 });
        assert.equal(lines.length, 500);
        const steps = lines.map(stepOf);
        assert.equal(steps[0], 0);
        assert.equal(steps.at(-1), 10 * (LINES - 1));
        const gaps = steps.slice(1).map((s, i) => s - (steps[i] ?? 0));
        // 299,990 steps over 499 gaps: targets ~601.2 steps apart, each met by the next line (10 steps).
        assert.ok(
          gaps.every((g) => g === 600 || g === 610),
          `gaps ${[...new Set(gaps)].join(",")}`,
        );
        assert.deepEqual(
          lines.slice(0, 3),
          [0, 61, 121].map((i) => line(i)),
        );
      });

      it("keeps only lines holding every requested key, with `_step` on every line", async () => {
        const lines = await reads().sampleLines({
          runId,
          file: "history",
          samples: 200,
          keys: [[["_step"]], [["acc"]], [["loss"]]],
        });
        assert.equal(lines.length, 200);
        assert.ok(lines.every((l) => l.includes('"acc":')));
        assert.equal(stepOf(lines[0] ?? ""), 0);
        // The last line with `acc` is line 29,997.
        assert.equal(stepOf(lines.at(-1) ?? ""), 10 * (LINES - 3));
        const steps = lines.map(stepOf);
        assert.deepEqual(
          steps,
          [...steps].sort((a, b) => a - b),
        );
      });

      it("honours minStep (inclusive) and maxStep (exclusive)", async () => {
        const lines = await reads().sampleLines({
          runId,
          file: "history",
          samples: 100,
          minStep: 10_005,
          maxStep: 10 * (LINES - 100),
          keys: [[["loss"]]],
        });
        const steps = lines.map(stepOf);
        assert.equal(steps.length, 100);
        assert.equal(steps[0], 10_010);
        assert.equal(steps.at(-1), 10 * (LINES - 101));
      });

      it("falls back to the exact scan for a key that is not a numeric series", async () => {
        const lines = await reads().sampleLines({ runId, file: "history", samples: 300, keys: [[["note"]]] });
        assert.equal(lines.length, 300);
        assert.ok(lines.every((l) => l.includes('"note":')));
      });

      it("samples a short range exactly by rank", async () => {
        const lines = await reads().sampleLines({
          runId,
          file: "history",
          samples: 5,
          minStep: 0,
          maxStep: 90,
        });
        assert.deepEqual(lines.map(stepOf), [0, 20, 40, 60, 80]);
      });
    });
  });
}
