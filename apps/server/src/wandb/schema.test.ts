import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { printedSchema, SCHEMA_SNAPSHOT } from "../../../../scripts/print-schema.ts";

describe("the served GraphQL schema", () => {
  it("matches the committed snapshot (run `node scripts/print-schema.ts` after changing it)", () => {
    assert.equal(printedSchema(), readFileSync(SCHEMA_SNAPSHOT, "utf8"));
  });
});
