/** Regenerates the values tables of the charts' READMEs from values.yaml. Usage: node scripts/gen-chart-readme.ts */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CHARTS, valuesTable, withTable } from "./chart-readme.ts";

const root = join(import.meta.dirname, "..");
for (const chart of CHARTS) {
  const file = join(root, chart, "README.md");
  writeFileSync(file, withTable(readFileSync(file, "utf8"), valuesTable(chart, root)));
  console.log(`wrote ${chart}/README.md`);
}
