import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CHARTS, valuesTable, withTable } from "./chart-readme.ts";

const root = join(import.meta.dirname, "..");

describe("the charts' READMEs", () => {
  for (const chart of CHARTS) {
    it(`${chart}: the values table is values.yaml's (run node scripts/gen-chart-readme.ts)`, () => {
      const readme = readFileSync(join(root, chart, "README.md"), "utf8");
      assert.equal(readme, withTable(readme, valuesTable(chart, root)));
    });
  }
});
