/**
 * Config and summary values for tables: nested objects flattened to dotted keys, every value turned
 * into the text a person reads (strings as they are, other values as JSON). Pure (values.test.ts).
 */
import type { JsonValue } from "../api/runs.ts";

export interface ValueRow {
  readonly key: string;
  readonly text: string;
}

const isPlainObject = (value: JsonValue): value is { readonly [key: string]: JsonValue } =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Rows sorted by key. Objects nest into `a.b` keys, except media references (objects with `_type`,
 * which the client writes for images, tables, histograms), shown whole. Keys in `hidden` are left out.
 */
export function flattenValues(
  values: { readonly [key: string]: JsonValue },
  hidden: (key: string) => boolean = () => false,
): ValueRow[] {
  const rows: ValueRow[] = [];
  const walk = (prefix: string, value: JsonValue) => {
    if (isPlainObject(value) && !("_type" in value) && Object.keys(value).length > 0) {
      for (const [key, item] of Object.entries(value)) walk(`${prefix}.${key}`, item);
    } else rows.push({ key: prefix, text: valueText(value) });
  };
  for (const [key, value] of Object.entries(values)) if (!hidden(key)) walk(key, value);
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows;
}

export function valueText(value: JsonValue): string {
  if (typeof value === "string") return value;
  if (value === null) return "null";
  return JSON.stringify(value);
}

/** "45s", "12m 5s", "3h 2m", "2d 4h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** A shell-like command line from the program and its arguments (quoted where a shell would need it). */
export function commandLine(program: string | null, args: readonly string[]): string {
  const quote = (word: string) =>
    /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'"'"'`)}'`;
  return ["python", ...(program === null ? [] : [program]), ...args].map(quote).join(" ");
}

/** Tags from what someone typed: split at commas, trimmed, empties and duplicates dropped. */
export function parseTagInput(text: string, existing: readonly string[]): string[] {
  const out = [...existing];
  for (const part of text.split(",")) {
    const tag = part.trim();
    if (tag !== "" && !out.includes(tag)) out.push(tag);
  }
  return out;
}
