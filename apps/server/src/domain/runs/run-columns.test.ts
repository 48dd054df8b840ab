import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLenientJson } from "@ballast/core";
import { cellOf, flattenConfig, flattenSummary } from "./run-columns.ts";

const parse = (text: string) => parseLenientJson(text, { exactIntegers: true });

describe("run table cells", () => {
  it("unwraps the client's {value, desc} config form and flattens nested dicts to dotted keys", () => {
    const config = flattenConfig(
      parse(
        '{"lr": {"value": 0.01, "desc": null}, "opt": {"value": {"name": "adam", "betas": {"b1": 0.9}}},' +
          ' "_wandb": {"value": {"cli_version": "0.31.0"}}, "bare": 3, "empty": {"value": {}}}',
      ),
    );
    assert.deepEqual(Object.fromEntries(config), {
      "config.lr": 0.01,
      "config.opt.name": "adam",
      "config.opt.betas.b1": 0.9,
      "config.bare": 3,
      "config.empty": "{}",
    });
  });

  it("flattens summary dicts, hides _wandb and names media objects by their type", () => {
    const summary = flattenSummary(
      parse(
        '{"loss": 0.5, "val": {"acc": 0.9}, "hist": {"_type": "histogram", "bins": [1, 2]}, "_wandb": {"runtime": 3}}',
      ),
    );
    assert.deepEqual(Object.fromEntries(summary), {
      "summary.loss": 0.5,
      "summary.val.acc": 0.9,
      "summary.hist": "[histogram]",
    });
  });

  it("keeps JSON-safe values: NaN null, ±Infinity as text, big integers exact, lists as short JSON", () => {
    const summary = flattenSummary(
      parse('{"a": NaN, "b": Infinity, "c": -Infinity, "d": 12345678901234567890}'),
    );
    assert.deepEqual(Object.fromEntries(summary), {
      "summary.a": null,
      "summary.b": "Infinity",
      "summary.c": "-Infinity",
      "summary.d": "12345678901234567890",
    });
    assert.equal(cellOf([1, 2, 3]), "[1,2,3]");
    const long = cellOf(Array.from({ length: 500 }, (_, i) => i));
    assert.equal(typeof long, "string");
    assert.ok(String(long).length <= 200 && String(long).endsWith("…"));
    assert.equal(cellOf(true), true);
  });

  it("ignores configs and summaries that are not objects", () => {
    assert.equal(flattenConfig(parse("[1]")).size, 0);
    assert.equal(flattenSummary(null).size, 0);
  });
});
