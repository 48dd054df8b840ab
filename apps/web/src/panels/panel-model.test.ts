import assert from "node:assert/strict";
import { test } from "node:test";
import { buildPanel, sectionsOf } from "./panel-model.ts";

const runs = [
  { name: "a", displayName: "run A", color: "#ff0000" },
  { name: "b", displayName: "run B", color: "#0000ff" },
];
const settings = { xKind: "step" as const, smoothing: 0, logY: false, band: true };

test("exact series: one line per run, no band, last values as logged", () => {
  const model = buildPanel(
    runs,
    [
      {
        run: "a",
        exact: true,
        x: [0, 1, 2],
        step: [0, 1, 2],
        min: [1, 0.5, 0.25],
        max: [1, 0.5, 0.25],
        last: [1, 0.5, 0.25],
      },
      { run: "b", exact: true, x: [1, 3], step: [1, 3], min: [5, null], max: [5, null], last: [5, null] },
    ],
    settings,
  );
  assert.deepEqual(model.x, [0, 1, 2, 3]);
  assert.deepEqual(model.ys, [
    [1, 0.5, 0.25, null],
    [null, 5, null, null],
  ]);
  assert.deepEqual(
    model.lines.map((l) => [l.label, l.role]),
    [
      ["run A", "line"],
      ["run B", "line"],
    ],
  );
  assert.deepEqual(model.bands, []);
  assert.deepEqual(
    model.latest.map((l) => [l.run, l.step, l.value]),
    [
      ["a", 2, 0.25],
      ["b", 3, null],
    ],
  );
  assert.equal(model.exact, true);
});

test("bucketed series get a min/max band; smoothing adds the raw line under the smoothed one", () => {
  const model = buildPanel(
    runs.slice(0, 1),
    [{ run: "a", exact: false, x: [9, 19], step: [9, 19], min: [0, -1], max: [2, "Infinity"], last: [1, 0] }],
    { ...settings, smoothing: 0.5, logY: true },
  );
  assert.deepEqual(
    model.lines.map((l) => l.role),
    ["edge", "edge", "faint", "line"],
  );
  assert.deepEqual(model.bands, [[0, 1]]);
  // Log scale: non-positive values and Infinity are gaps.
  assert.deepEqual(model.ys[0], [2, null]);
  assert.deepEqual(model.ys[1], [null, null]);
  assert.deepEqual(model.ys[2], [1, null]);
  assert.equal(model.exact, false);
});

test("metrics are grouped by their prefix", () => {
  assert.deepEqual(sectionsOf(["acc", "train/loss", "loss", "train/acc", "val/loss"]), [
    { name: "Charts", keys: ["acc", "loss"] },
    { name: "train", keys: ["train/loss", "train/acc"] },
    { name: "val", keys: ["val/loss"] },
  ]);
});
