import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { durationSeconds } from "./resolvers.ts";

describe("durationSeconds (W&B Duration scalar)", () => {
  it("reads wandb-core's milliseconds", () => {
    assert.equal(durationSeconds(90_000), 90);
    assert.equal(durationSeconds(0), 0);
  });

  it("reads Go duration strings", () => {
    assert.equal(durationSeconds("1m30s"), 90);
    assert.equal(durationSeconds("1h"), 3600);
    assert.equal(durationSeconds("250ms"), 0.25);
  });

  it("is null when absent and refuses anything else", () => {
    assert.equal(durationSeconds(null), null);
    assert.equal(durationSeconds(undefined), null);
    assert.equal(durationSeconds(""), null);
    assert.throws(() => durationSeconds("soon"), { code: "INVALID_ARGUMENT" });
    assert.throws(() => durationSeconds("5 minutes"), { code: "INVALID_ARGUMENT" });
  });
});
