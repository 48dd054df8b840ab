import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError } from "@ballast/core";
import { checkRunEdit } from "../domain/runs/run-page.ts";
import { configValues, toWire } from "./runs.handler.ts";

test("checkRunEdit trims names and tags, drops duplicate tags, keeps notes as typed", () => {
  assert.deepEqual(checkRunEdit({ displayName: "  best run ", tags: [" a", "b ", "a"], notes: "  x\n" }), {
    displayName: "best run",
    tags: ["a", "b"],
    notes: "  x\n",
  });
  assert.deepEqual(checkRunEdit({}), {});
  assert.deepEqual(checkRunEdit({ tags: [] }), { tags: [] });
});

test("checkRunEdit refuses blank or oversized values with INVALID_ARGUMENT", () => {
  for (const edit of [
    { displayName: " " },
    { displayName: "x".repeat(129) },
    { tags: [""] },
    { tags: ["x".repeat(65)] },
    { tags: Array.from({ length: 101 }, (_, i) => `t${i}`) },
    { notes: "x".repeat(100_001) },
  ]) {
    assert.throws(
      () => checkRunEdit(edit),
      (error: unknown) => error instanceof AppError && error.code === "INVALID_ARGUMENT",
      JSON.stringify(edit).slice(0, 80),
    );
  }
});

test("configValues unwraps {value}, leaves out _wandb, and writes NaN/Infinity/big integers as JSON can carry them", () => {
  const text = `{"_wandb":{"value":{"t":1}},"lr":{"value":0.1,"desc":null},"inf":{"value":Infinity},"nan":{"value":NaN},"big":{"value":9007199254740993},"raw":5}`;
  assert.deepEqual(configValues(text), {
    lr: 0.1,
    inf: "Infinity",
    nan: null,
    big: "9007199254740993",
    raw: 5,
  });
  assert.deepEqual(configValues("not json"), {});
  assert.deepEqual(toWire([-Infinity, { a: [1n] }]), ["-Infinity", { a: ["1"] }]);
});
