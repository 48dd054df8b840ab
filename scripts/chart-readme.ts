/**
 * The values tables of the charts' READMEs, generated from each chart's values.yaml (keys, defaults,
 * and the comments above them), between `<!-- values:start -->` and `<!-- values:end -->`.
 * `node scripts/gen-chart-readme.ts` rewrites them; scripts/chart-readme.test.ts fails on drift.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, isPair, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from "yaml";

export const CHARTS = ["charts/ballast", "charts/ballast-operator"];
const START = "<!-- values:start -->";
const END = "<!-- values:end -->";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function rows(map: YAMLMap, prefix: string, out: string[]): void {
  for (const pair of map.items) {
    if (!isPair(pair) || !isScalar(pair.key)) continue;
    const key = `${prefix}${String(pair.key.value)}`;
    const comment = (pair.key.commentBefore ?? "")
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .join(" ");
    const value = pair.value as Node | null;
    if (isMap(value) && value.items.length > 0) {
      if (comment) out.push(`| \`${key}\` | | ${cell(comment)} |`);
      rows(value, `${key}.`, out);
      continue;
    }
    const shown =
      value === null
        ? "null"
        : isSeq(value) || isMap(value)
          ? JSON.stringify(value.toJSON())
          : JSON.stringify(isScalar(value) ? value.value : null);
    out.push(`| \`${key}\` | \`${cell(shown)}\` | ${cell(comment)} |`);
  }
}

export function valuesTable(chartDir: string, root: string): string {
  const doc = parseDocument(readFileSync(join(root, chartDir, "values.yaml"), "utf8"));
  const out = ["| key | default | meaning |", "| --- | --- | --- |"];
  if (isMap(doc.contents)) rows(doc.contents, "", out);
  return out.join("\n");
}

/** The README with its values table regenerated. */
export function withTable(readme: string, table: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the README has no ${START} … ${END} section`);
  return `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
}
