import assert from "node:assert/strict";
import { test } from "node:test";
import { systemSeries } from "./system-series.ts";

test("system-metric lines become columns, a key missing from a sample is null there", () => {
  const series = systemSeries([
    '{"system.cpu": 10, "_runtime": 2, "_timestamp": 1700000002, "_wandb": true}',
    "not json",
    '{"system.cpu": 20, "system.gpu.0.temp": 50, "_runtime": 4, "_timestamp": 1700000004}',
    '{"system.gpu.0.temp": NaN, "system.disk": Infinity, "_runtime": 6, "_timestamp": 1700000006, "x": 1}',
  ]);
  assert.deepEqual(series.runtime, [2, 4, 6]);
  assert.deepEqual(series.timestamp, [1700000002, 1700000004, 1700000006]);
  assert.deepEqual(series.metrics, {
    "system.cpu": [10, 20, null],
    "system.gpu.0.temp": [null, 50, null],
    "system.disk": [null, null, Number.POSITIVE_INFINITY],
  });
});
