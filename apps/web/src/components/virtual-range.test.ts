import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { atBottom, visibleRange } from "./virtual-range.ts";

describe("visibleRange", () => {
  test("the rows in view plus overscan, clamped to the list", () => {
    assert.deepEqual(visibleRange(0, 100, 20, 1000, 5), { start: 0, end: 11 });
    assert.deepEqual(visibleRange(2000, 100, 20, 1000, 5), { start: 95, end: 111 });
    assert.deepEqual(visibleRange(19_990, 100, 20, 1000, 5), { start: 994, end: 1000 });
  });

  test("an empty list renders nothing; a short one renders all", () => {
    assert.deepEqual(visibleRange(0, 100, 20, 0), { start: 0, end: 0 });
    assert.deepEqual(visibleRange(0, 500, 20, 3), { start: 0, end: 3 });
  });

  test("atBottom allows a few pixels of slack", () => {
    assert.equal(atBottom(900, 100, 1000), true);
    assert.equal(atBottom(897, 100, 1000), true);
    assert.equal(atBottom(800, 100, 1000), false);
  });
});
