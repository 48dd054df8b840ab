import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHistoryLine } from "./history-line.ts";

/** The metrics as a name → value map (names are unique within one line). */
function metricsOf(lineNo: number, text: string): Map<string, number> {
  const line = parseHistoryLine(lineNo, text);
  const map = new Map<string, number>();
  for (const [name, value] of line.metrics) {
    assert.ok(!map.has(name), `metric ${name} listed twice`);
    map.set(name, value);
  }
  return map;
}

describe("parseHistoryLine", () => {
  it("keeps the line number and the text exactly as sent", () => {
    const text = '{"loss": 0.5,  "_step": 3}';
    const line = parseHistoryLine(7, text);
    assert.equal(line.lineNo, 7);
    assert.equal(line.text, text);
  });

  it("uses _step as the step and does not list it as a metric", () => {
    const line = parseHistoryLine(7, '{"loss":0.5,"_step":3,"_runtime":1.5,"_timestamp":1755000000.25}');
    assert.equal(line.step, 3);
    assert.deepEqual(
      new Map(line.metrics),
      new Map([
        ["loss", 0.5],
        ["_runtime", 1.5],
        ["_timestamp", 1755000000.25],
      ]),
    );
  });

  it("uses _step 0 (a falsy step) as the step", () => {
    assert.equal(parseHistoryLine(9, '{"_step":0,"x":1}').step, 0);
  });

  it("falls back to the line number when _step is missing or not an integer", () => {
    assert.equal(parseHistoryLine(11, '{"loss":1}').step, 11);
    assert.equal(parseHistoryLine(12, '{"loss":1,"_step":"4"}').step, 12);
    assert.equal(parseHistoryLine(13, '{"loss":1,"_step":4.5}').step, 13);
    assert.equal(parseHistoryLine(14, '{"loss":1,"_step":NaN}').step, 14);
    assert.equal(parseHistoryLine(15, '{"loss":1,"_step":null}').step, 15);
  });

  it("flattens nested dicts into dotted names", () => {
    const metrics = metricsOf(0, '{"a":{"b":{"c":1,"d":2}},"e":{"f":3},"g":4,"_step":0}');
    assert.deepEqual(
      metrics,
      new Map([
        ["a.b.c", 1],
        ["a.b.d", 2],
        ["e.f", 3],
        ["g", 4],
      ]),
    );
  });

  it("keeps a nested key named _step (only the top-level _step is the step)", () => {
    const line = parseHistoryLine(5, '{"a":{"_step":9},"_step":2}');
    assert.equal(line.step, 2);
    assert.deepEqual(line.metrics, [["a._step", 9]]);
  });

  it("skips media objects and everything under them", () => {
    const metrics = metricsOf(
      0,
      JSON.stringify({
        img: {
          _type: "image-file",
          path: "media/images/img_0_abc.png",
          sha256: "abc",
          size: 123,
          width: 32,
          height: 32,
        },
        charts: { hist: { _type: "histogram", bins: [1, 2], values: [3] }, acc: 0.9 },
        loss: 0.1,
        _step: 0,
      }),
    );
    assert.deepEqual(
      metrics,
      new Map([
        ["charts.acc", 0.9],
        ["loss", 0.1],
      ]),
    );
  });

  it("skips strings, booleans, nulls and arrays", () => {
    const metrics = metricsOf(
      0,
      '{"s":"1.5","b":true,"f":false,"n":null,"arr":[1,2,3],"nested":{"t":"x","v":2}}',
    );
    assert.deepEqual(metrics, new Map([["nested.v", 2]]));
  });

  it("keeps NaN and ±Infinity as numbers", () => {
    const line = parseHistoryLine(3, '{"a":NaN,"b":Infinity,"c":-Infinity,"d":{"e":NaN},"_step":3}');
    assert.equal(line.step, 3);
    const metrics = new Map(line.metrics);
    assert.equal(metrics.size, 4);
    assert.ok(Number.isNaN(metrics.get("a")));
    assert.equal(metrics.get("b"), Number.POSITIVE_INFINITY);
    assert.equal(metrics.get("c"), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(metrics.get("d.e")));
  });

  it("keeps integers beyond 2^53 as (rounded) numbers", () => {
    const metrics = metricsOf(0, '{"big":9007199254740993}');
    assert.equal(metrics.get("big"), 2 ** 53);
  });

  it("keeps a line that is not JSON, with no metrics and the line number as step", () => {
    for (const text of ['{"loss":0.5', "not json", "", '{"a":NaNx}']) {
      const line = parseHistoryLine(21, text);
      assert.deepEqual(line, { lineNo: 21, step: 21, text, metrics: [] });
    }
  });

  it("keeps a JSON line that is not an object, with no metrics", () => {
    for (const text of ["[1,2]", "5", '"s"', "null"]) {
      assert.deepEqual(parseHistoryLine(4, text), { lineNo: 4, step: 4, text, metrics: [] });
    }
  });
});
