/**
 * The strict-JSON copy of a run's config or summary that MySQL queries read. The W&B client writes
 * NaN and ±Infinity into summaries (and configs), which MySQL's JSON functions refuse: such a text
 * gets a copy in `runs.config_query` / `summary_query` in which NaN is null and ±Infinity is
 * ±DBL_MAX (MySQL has no infinities; SQLite's JSON5 reading makes NaN null and ±Infinity a real
 * beyond every finite one, so filters and order agree). Strict JSON needs no copy (NULL), and a
 * text that is no JSON at all reads as `{}`, as on SQLite.
 */
import { type JsonValue, parseLenientJson } from "@ballast/core";

export function queryCopy(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch {
    // Not strict JSON: read it leniently below.
  }
  let value: JsonValue;
  try {
    value = parseLenientJson(text, { exactIntegers: true });
  } catch {
    return "{}";
  }
  return stringify(value);
}

function stringify(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "null";
    if (value === Number.POSITIVE_INFINITY) return "1.7976931348623157e308";
    if (value === Number.NEGATIVE_INFINITY) return "-1.7976931348623157e308";
    return JSON.stringify(value);
  }
  if (typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stringify).join(",")}]`;
  return `{${Object.entries(value)
    .map(([key, item]) => `${JSON.stringify(key)}:${stringify(item)}`)
    .join(",")}}`;
}
