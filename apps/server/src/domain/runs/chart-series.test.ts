import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createSqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import type { Stores } from "../services.ts";
import { chartSeries } from "./chart-series.ts";
import { parseHistoryBatch } from "./history-line.ts";

const STEPS = 200_000;
const valueAt = (step: number) => Math.sin(step / 977) * 100 + ((step * 7919) % 13);

describe("chartSeries over the per-metric layout (real SQLite)", () => {
  const fixture = createSqliteFixture("chart");
  const stores: Stores = { ...fixture, objects: undefined as never };
  let runId = 0;

  before(async () => {
    ({ runId } = await fixture.seedRun());
    const { runs } = fixture;
    for (let start = 0; start < STEPS; start += 10_000) {
      const texts = [];
      for (let step = start; step < start + 10_000; step++) {
        texts.push(JSON.stringify({ _step: step, loss: valueAt(step) }));
      }
      await runs.applyFileStream(runId, { history: parseHistoryBatch(start, texts), now: 2 });
    }
  });

  after(() => fixture.close());

  it("returns every point exactly when the range holds no more than the bucket count", async () => {
    const { exact, points } = await chartSeries(stores, {
      runId,
      metric: "loss",
      minStep: 5000,
      maxStep: 5999,
      buckets: 1000,
    });
    assert.equal(exact, true);
    assert.equal(points.length, 1000);
    assert.deepEqual(
      points.map((p) => [p.step, p.last]),
      Array.from({ length: 1000 }, (_, i) => [5000 + i, valueAt(5000 + i)]),
    );
  });

  it("bounds each bucket by the true min and max of the steps it covers", async () => {
    const buckets = 1000;
    const { exact, points } = await chartSeries(stores, {
      runId,
      metric: "loss",
      minStep: 0,
      maxStep: STEPS - 1,
      buckets,
    });
    assert.equal(exact, false);
    assert.ok(points.length > buckets * 0.9 && points.length <= buckets, `got ${points.length} buckets`);
    let globalMin = Number.POSITIVE_INFINITY;
    let globalMax = Number.NEGATIVE_INFINITY;
    for (let step = 0; step < STEPS; step++) {
      globalMin = Math.min(globalMin, valueAt(step));
      globalMax = Math.max(globalMax, valueAt(step));
    }
    assert.equal(Math.min(...points.map((p) => p.min ?? Number.POSITIVE_INFINITY)), globalMin);
    assert.equal(Math.max(...points.map((p) => p.max ?? Number.NEGATIVE_INFINITY)), globalMax);
    const lastBucket = points[points.length - 1];
    assert.equal(lastBucket?.lastStep, STEPS - 1);
    assert.equal(lastBucket?.last, valueAt(STEPS - 1));
    for (const p of points) {
      assert.ok(p.min !== null && p.max !== null && p.last !== null);
      assert.ok(p.min <= p.last && p.last <= p.max);
      assert.equal(p.last, valueAt(p.lastStep));
    }
  });

  it("answers an unknown metric with no points", async () => {
    const { points } = await chartSeries(stores, {
      runId,
      metric: "nope",
      minStep: 0,
      maxStep: 10,
      buckets: 10,
    });
    assert.deepEqual(points, []);
  });
});
