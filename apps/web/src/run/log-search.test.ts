import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { findMatches, markSegments, stepMatch } from "./log-search.ts";

describe("findMatches", () => {
  test("every case-insensitive occurrence, in order", () => {
    assert.deepEqual(findMatches(["Needle one", "none", "a needle, a NEEDLE"], "needle"), [
      { index: 0, start: 0, end: 6 },
      { index: 2, start: 2, end: 8 },
      { index: 2, start: 12, end: 18 },
    ]);
  });

  test("an empty query finds nothing; the limit caps the list", () => {
    assert.deepEqual(findMatches(["abc"], ""), []);
    assert.equal(findMatches(["aaaa", "aaaa"], "a", 5).length, 5);
    // Occurrences do not overlap.
    assert.equal(findMatches(["aaaa"], "aa").length, 2);
  });
});

describe("markSegments", () => {
  test("splits styled segments at the match edges and keeps their styles", () => {
    const segments = [
      { text: "red line", style: { fg: 1 } },
      { text: " and plain", style: {} },
    ];
    assert.deepEqual(
      markSegments(segments, [{ start: 4, end: 12 }], 0).map((s) => [s.text, s.style, s.mark]),
      [
        ["red ", { fg: 1 }, 0],
        ["line", { fg: 1 }, 2],
        [" and", {}, 2],
        [" plain", {}, 0],
      ],
    );
  });

  test("several ranges; only the current one is emphasised", () => {
    const marked = markSegments(
      [{ text: "abcabc", style: {} }],
      [
        { start: 0, end: 1 },
        { start: 3, end: 4 },
      ],
      1,
    );
    assert.deepEqual(
      marked.map((s) => [s.text, s.mark]),
      [
        ["a", 1],
        ["bc", 0],
        ["a", 2],
        ["bc", 0],
      ],
    );
  });

  test("no ranges: the segments unchanged", () => {
    assert.deepEqual(
      markSegments([{ text: "x", style: { bold: true } }], []).map((s) => [s.text, s.mark]),
      [["x", 0]],
    );
  });
});

describe("stepMatch", () => {
  test("wraps in both directions", () => {
    assert.equal(stepMatch(3, -1, 1), 0);
    assert.equal(stepMatch(3, -1, -1), 2);
    assert.equal(stepMatch(3, 2, 1), 0);
    assert.equal(stepMatch(3, 0, -1), 2);
    assert.equal(stepMatch(0, 0, 1), -1);
  });
});
