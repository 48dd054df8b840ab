import assert from "node:assert/strict";
import { test } from "node:test";
import { alignRuns, decodeValue, ema, lastIndex, plottable, positiveOnly } from "./series-data.ts";

test("wire values decode; only finite numbers are plotted", () => {
  assert.equal(decodeValue("Infinity"), Number.POSITIVE_INFINITY);
  assert.equal(decodeValue("-Infinity"), Number.NEGATIVE_INFINITY);
  assert.equal(decodeValue(null), null);
  assert.equal(decodeValue(1.5), 1.5);
  assert.deepEqual(plottable([1, "Infinity", null, "-Infinity", -2]), [1, null, null, null, -2]);
});

test("runs are aligned on the union of their x values", () => {
  const aligned = alignRuns([
    {
      x: [0, 2, 4],
      ys: [
        [10, 12, 14],
        [0, 0, 0],
      ],
    },
    { x: [1, 2, null, 5], ys: [[21, 22, 99, 25]] },
  ]);
  assert.deepEqual(aligned.x, [0, 1, 2, 4, 5]);
  assert.deepEqual(aligned.ys, [
    [10, null, 12, 14, null],
    [0, null, 0, 0, null],
    [null, 21, 22, null, 25],
  ]);
  assert.deepEqual(alignRuns([]), { x: [], ys: [] });
});

test("EMA is debiased, keeps gaps, and weight 0 is the raw line", () => {
  assert.deepEqual(ema([1, 2, 3], 0), [1, 2, 3]);
  const smoothed = ema([1, null, 3], 0.5);
  assert.equal(smoothed[0], 1); // debiased: the first value is itself, not half of it
  assert.equal(smoothed[1], null);
  // average = (0.5*1*0.5 + 0.5*3) = 1.75, debias = 0.75 → 7/3
  assert.ok(Math.abs((smoothed[2] ?? 0) - 7 / 3) < 1e-12);
  // A constant stays constant whatever the weight.
  assert.deepEqual(
    ema([4, 4, 4, 4], 0.99).map((v) => Number(v?.toFixed(9))),
    [4, 4, 4, 4],
  );
});

test("log scale drops non-positive values; lastIndex finds the last placed point", () => {
  assert.deepEqual(positiveOnly([1, 0, -1, null, 2]), [1, null, null, null, 2]);
  assert.equal(lastIndex([0, 1, 2], [5, 6, null]), 1);
  assert.equal(lastIndex([0], [null]), -1);
});
