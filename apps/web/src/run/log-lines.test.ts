import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeLines } from "./log-lines.ts";

const lines = (...pairs: [number, string][]) => pairs.map(([line, text]) => ({ line, text }));

test("mergeLines appends new lines and replaces rewritten ones", () => {
  const existing = lines([0, "a"], [1, "b 10%"]);
  assert.deepEqual(
    mergeLines(existing, lines([1, "b 100%"], [2, "c"])),
    lines([0, "a"], [1, "b 100%"], [2, "c"]),
  );
});

test("mergeLines returns the same array when nothing changed", () => {
  const existing = lines([0, "a"], [1, "b"]);
  assert.equal(mergeLines(existing, lines([1, "b"])), existing);
  assert.equal(mergeLines(existing, []), existing);
});

test("mergeLines keeps line order whatever order pages arrive in", () => {
  const existing = lines([5, "f"], [6, "g"], [7, "h"], [8, "i"], [9, "j"]);
  assert.deepEqual(
    mergeLines(existing, lines([0, "a"], [1, "b"])).map((l) => l.line),
    [0, 1, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(
    mergeLines(lines([0, "a"], [2, "c"]), lines([1, "b"])).map((l) => l.line),
    [0, 1, 2],
  );
});
