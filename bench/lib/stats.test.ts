import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { latencySummary, percentile } from "./stats.ts";

describe("percentile", () => {
  it("is nearest-rank", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    assert.equal(percentile(samples, 50), 50);
    assert.equal(percentile(samples, 99), 99);
    assert.equal(percentile(samples, 100), 100);
    assert.equal(percentile([7], 99), 7);
  });

  it("has no value for no samples", () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.equal(latencySummary([]), null);
    assert.deepEqual(latencySummary([3, 1, 2]), { p50: 2, p99: 3 });
  });
});
