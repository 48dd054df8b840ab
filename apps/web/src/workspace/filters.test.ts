import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { filterText, parseValue, rowsOf, withCondition } from "./filters.ts";

describe("filter builder ↔ filter JSON", () => {
  it("maps rows to the wandb.Api filter language, typing values by field", () => {
    const text = filterText([
      { field: "config.lr", op: "$gt", value: "0.01" },
      { field: "state", op: "$eq", value: "finished" },
      { field: "config.batch", op: "$in", value: "32, 64" },
      { field: "tags", op: "$in", value: "a, b" },
      { field: "displayName", op: "$regex", value: "^run-\\d+" },
      { field: "config.opt", op: "$eq", value: '"1"' },
      { field: "summary.loss", op: "$lte", value: "" },
    ]);
    assert.deepEqual(JSON.parse(text), {
      $and: [
        { "config.lr": { $gt: 0.01 } },
        { state: { $eq: "finished" } },
        { "config.batch": { $in: [32, 64] } },
        { tags: { $in: ["a", "b"] } },
        { displayName: { $regex: "^run-\\d+" } },
        { "config.opt": { $eq: "1" } },
      ],
    });
  });

  it("reads back the rows it wrote, and refuses filters it cannot show", () => {
    const rows = [
      { field: "config.lr", op: "$gte" as const, value: "0.001" },
      { field: "config.name", op: "$eq" as const, value: '"42"' },
      { field: "config.flag", op: "$ne" as const, value: "true" },
      { field: "tags", op: "$in" as const, value: "x, y" },
    ];
    assert.deepEqual(rowsOf(filterText(rows)), rows);
    assert.deepEqual(rowsOf(""), []);
    assert.equal(rowsOf('{"$or": [{"state": "running"}]}'), null);
    assert.equal(rowsOf("not json"), null);
  });

  it("keeps text columns as text and types config values", () => {
    assert.equal(parseValue("state", "1"), "1");
    assert.equal(parseValue("config.x", "1e-3"), 0.001);
    assert.equal(parseValue("config.x", "false"), false);
    assert.equal(parseValue("config.x", "null"), null);
    assert.equal(parseValue("config.x", "adam"), "adam");
  });

  it("narrows a filter to a group", () => {
    assert.equal(withCondition("", "config.batch", 32), '{"config.batch":32}');
    assert.deepEqual(JSON.parse(withCondition('{"state":"finished"}', "username", null)), {
      $and: [{ state: "finished" }, { username: null }],
    });
  });
});
