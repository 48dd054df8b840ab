import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cellText, pageInfo, stepIndexAtOrBefore } from "./media-steps.ts";

describe("media steps", () => {
  it("finds the step at or before a wanted step", () => {
    const steps = [0, 2, 5, 9];
    assert.equal(stepIndexAtOrBefore(steps, 5), 2);
    assert.equal(stepIndexAtOrBefore(steps, 6), 2);
    assert.equal(stepIndexAtOrBefore(steps, 100), 3);
    assert.equal(stepIndexAtOrBefore(steps, -3), 0);
    assert.equal(stepIndexAtOrBefore([], 1), -1);
  });

  it("describes table pages", () => {
    assert.deepEqual(pageInfo(50, 50, 120, 50), {
      label: "Rows 51–100 of 120",
      pages: 3,
      page: 2,
      hasPrevious: true,
      hasNext: true,
    });
    assert.equal(pageInfo(100, 20, 120, 50).hasNext, false);
    assert.equal(pageInfo(0, 0, 0, 50).label, "No rows");
  });

  it("shows cells as text", () => {
    assert.equal(cellText("<b>x</b>"), "<b>x</b>");
    assert.equal(cellText(null), "");
    assert.equal(cellText([1, 2]), "[1,2]");
    assert.equal(cellText(1.5), "1.5");
  });
});
