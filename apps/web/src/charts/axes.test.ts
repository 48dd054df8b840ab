import assert from "node:assert/strict";
import { test } from "node:test";
import { formatDuration, formatValue, formatX, zoomRange } from "./axes.ts";

test("durations, values and x labels", () => {
  assert.equal(formatDuration(45), "45s");
  assert.equal(formatDuration(2.5), "2.5s");
  assert.equal(formatDuration(725), "12m 5s");
  assert.equal(formatDuration(3 * 3600 + 20 * 60), "3h 20m");
  assert.equal(formatDuration(2 * 86_400 + 4 * 3600), "2d 4h");
  assert.equal(formatValue(1 / 3), "0.3333");
  assert.equal(formatValue(0), "0");
  assert.equal(formatValue(1e-6), "1.000e-6");
  assert.equal(formatValue(null), "–");
  assert.equal(formatValue(Number.POSITIVE_INFINITY), "∞");
  assert.equal(formatX("step", 1200), "1200");
  assert.equal(formatX("runtime", 90), "1m 30s");
});

test("a dragged step interval becomes whole steps covering it, either direction", () => {
  assert.deepEqual(zoomRange("step", 20.4, 10.6), { min: 10, max: 21 });
  assert.deepEqual(zoomRange("runtime", 3.5, 1.25), { min: 1.25, max: 3.5 });
});
