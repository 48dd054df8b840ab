import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { commandLine, flattenValues, formatDuration, parseTagInput, valueText } from "./values.ts";

describe("flattenValues", () => {
  test("nested objects become dotted keys, sorted; arrays and media stay whole", () => {
    const rows = flattenValues({
      lr: 0.001,
      model: { name: "mlp", widths: [1.5, 2.5], deep: { x: null } },
      image: { _type: "image-file", path: "media/a.png" },
      empty: {},
    });
    assert.deepEqual(
      rows.map((r) => [r.key, r.text]),
      [
        ["empty", "{}"],
        ["image", '{"_type":"image-file","path":"media/a.png"}'],
        ["lr", "0.001"],
        ["model.deep.x", "null"],
        ["model.name", "mlp"],
        ["model.widths", "[1.5,2.5]"],
      ],
    );
  });

  test("hidden keys are left out", () => {
    assert.deepEqual(
      flattenValues({ _wandb: { runtime: 1 }, loss: 0.5 }, (k) => k === "_wandb").map((r) => r.key),
      ["loss"],
    );
  });

  test("values are text: strings as they are, markup included", () => {
    assert.equal(valueText('<img src=x onerror="window.__xss=1">'), '<img src=x onerror="window.__xss=1">');
    assert.equal(valueText("Infinity"), "Infinity");
    assert.equal(valueText(true), "true");
    assert.equal(valueText(null), "null");
  });
});

test("formatDuration", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(59.6), "1m 0s");
  assert.equal(formatDuration(725), "12m 5s");
  assert.equal(formatDuration(3 * 3600 + 125), "3h 2m");
  assert.equal(formatDuration(2 * 86_400 + 4 * 3600), "2d 4h");
});

test("commandLine quotes what a shell would need quoted", () => {
  assert.equal(
    commandLine("train.py", ["--lr", "0.1", "a b", "it's"]),
    `python train.py --lr 0.1 'a b' 'it'"'"'s'`,
  );
  assert.equal(commandLine(null, []), "python");
});

test("parseTagInput splits at commas and drops empties and duplicates", () => {
  assert.deepEqual(parseTagInput(" a, b ,,a, c", ["c"]), ["c", "a", "b"]);
});
