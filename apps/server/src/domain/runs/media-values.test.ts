import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLenientJson } from "@ballast/core";
import { mediaItemsOf, mediaKeysOf, tablePage, wireValue } from "./media-values.ts";

describe("media values as wandb 0.31 logs them", () => {
  it("reads an image-file with its caption and size", () => {
    const value = parseLenientJson(
      '{"_type":"image-file","path":"media/images/img_3_abc.png","sha256":"x","size":90,"format":"png","width":8,"height":4,"caption":"<b>step 3</b>"}',
    );
    assert.deepEqual(mediaItemsOf(value), [
      { kind: "image", path: "media/images/img_3_abc.png", caption: "<b>step 3</b>", width: 8, height: 4 },
    ]);
  });

  it("splits images/separated into one item per file, captions by position", () => {
    const value = parseLenientJson(
      '{"_type":"images/separated","width":2,"height":2,"format":"png","count":2,"filenames":["media/images/a.png","media/images/b.png"],"captions":["first"]}',
    );
    assert.deepEqual(
      mediaItemsOf(value).map((i) => (i.kind === "image" ? [i.path, i.caption] : [])),
      [
        ["media/images/a.png", "first"],
        ["media/images/b.png", null],
      ],
    );
  });

  it("reads html-file and table-file; refuses paths outside media/ or with traversal", () => {
    assert.deepEqual(mediaItemsOf({ _type: "html-file", path: "media/html/p_1.html" }), [
      { kind: "html", path: "media/html/p_1.html" },
    ]);
    assert.deepEqual(
      mediaItemsOf({ _type: "table-file", path: "media/table/t.table.json", nrows: 120, ncols: 3 }),
      [{ kind: "table", path: "media/table/t.table.json", rows: 120, columns: 3 }],
    );
    assert.deepEqual(mediaItemsOf({ _type: "html-file", path: "media/../wandb-metadata.json" }), []);
    assert.deepEqual(mediaItemsOf({ _type: "html-file", path: "output.log" }), []);
    assert.deepEqual(mediaItemsOf({ _type: "histogram", values: [1] }), []);
    assert.deepEqual(mediaItemsOf(3), []);
  });

  it("finds the summary keys holding media, sorted, ignoring other values and NaN tokens", () => {
    const summary =
      '{"loss":NaN,"tbl":{"_type":"table-file","path":"media/table/t.table.json"},"img":{"_type":"image-file","path":"media/images/i.png"},"page":{"_type":"html-file","path":"media/html/p.html"},"_step":4}';
    assert.deepEqual(mediaKeysOf(summary), [
      { key: "img", kind: "image" },
      { key: "page", kind: "html" },
      { key: "tbl", kind: "table" },
    ]);
    assert.deepEqual(mediaKeysOf("not json"), []);
  });

  it("pages a table file and makes its cells JSON-safe", () => {
    const text = `{"columns":["i","x"],"data":[${Array.from({ length: 120 }, (_, i) => `[${i},${i === 5 ? "NaN" : i === 6 ? "-Infinity" : i === 7 ? "9007199254740993" : `"r${i}"`}]`).join(",")}]}`;
    const first = tablePage(text, 0, 50);
    assert.equal(first.total, 120);
    assert.deepEqual(first.columns, ["i", "x"]);
    assert.equal(first.rows.length, 50);
    assert.deepEqual(first.rows[5], [5, null]);
    assert.deepEqual(first.rows[6], [6, "-Infinity"]);
    assert.deepEqual(first.rows[7], [7, "9007199254740993"]);
    const last = tablePage(text, 100, 50);
    assert.equal(last.rows.length, 20);
    assert.deepEqual(last.rows[19], [119, "r119"]);
    assert.throws(() => tablePage("[1]", 0, 1), /columns/);
  });

  it("wireValue keeps finite numbers and nests", () => {
    assert.deepEqual(wireValue({ a: [1, Number.NaN, { b: Number.POSITIVE_INFINITY }] }), {
      a: [1, null, { b: "Infinity" }],
    });
  });
});
