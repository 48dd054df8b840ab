import assert from "node:assert/strict";
import { test } from "node:test";
import { anchorsOf, interpolateAt, stepRangeForX } from "./chart-x.ts";

const bucket = (lastStep: number, last: number | null) => ({
  step: lastStep,
  min: last,
  max: last,
  last,
  lastStep,
});

test("anchors are the buckets' last points with a finite value", () => {
  const anchors = anchorsOf([
    bucket(0, 1),
    bucket(5, null),
    bucket(9, Number.POSITIVE_INFINITY),
    bucket(10, 3),
  ]);
  assert.deepEqual(anchors, { steps: [0, 10], values: [1, 3] });
});

test("interpolates linearly between anchors and holds the ends", () => {
  const anchors = { steps: [10, 20, 40], values: [100, 200, 300] };
  assert.deepEqual(interpolateAt(anchors, [0, 10, 15, 20, 30, 40, 50]), [100, 100, 150, 200, 250, 300, 300]);
  assert.deepEqual(interpolateAt({ steps: [], values: [] }, [1, 2]), [null, null]);
});

test("exact anchors give exact times", () => {
  const steps = [0, 1, 2, 3];
  const anchors = { steps, values: [0.5, 1.25, 2, 7] };
  assert.deepEqual(interpolateAt(anchors, steps), [0.5, 1.25, 2, 7]);
});

test("a time range maps to the steps whose time may fall inside, widened to the anchors outside", () => {
  const anchors = { steps: [9, 19, 29, 39], values: [10, 20, 30, 40] };
  assert.deepEqual(stepRangeForX(anchors, 15, 25), { minStep: 9, maxStep: 29 });
  assert.deepEqual(stepRangeForX(anchors, 20, 30), { minStep: 9, maxStep: 39 });
  // Open ends: before the first anchor / after the last one nothing is cut.
  assert.deepEqual(stepRangeForX(anchors, 5, undefined), {
    minStep: Number.MIN_SAFE_INTEGER,
    maxStep: Number.MAX_SAFE_INTEGER,
  });
  assert.deepEqual(stepRangeForX(anchors, undefined, 12), { minStep: Number.MIN_SAFE_INTEGER, maxStep: 19 });
  assert.equal(stepRangeForX(anchors, 41, 50), undefined);
  assert.equal(stepRangeForX({ steps: [], values: [] }, 0, 1), undefined);
});
