/**
 * The web runs table's cells: a run's config and summary flattened to `config.<a.b>` /
 * `summary.<a.b>` keys with JSON-safe values. Pure (unit-tested in run-columns.test.ts).
 *
 * Config arrives as the client sends it, `{"lr": {"value": 0.01, "desc": null}}`; the table shows the
 * value. Nested dicts flatten to dotted keys, the same names the filter language reads
 * (domain/runs/run-query.ts parseField: `config.opt.lr` → path `opt.value.lr`).
 */
import type { JsonValue } from "@ballast/core";

/**
 * A cell: JSON scalars as they are; ±Infinity as "Infinity"/"-Infinity" and NaN as null (JSON has no
 * literal for them); integers beyond 2^53 as their decimal text; lists as (shortened) JSON text;
 * W&B media/histogram objects (`{"_type": "histogram", …}`) as `[histogram]`.
 */
export type Cell = null | boolean | number | string;

/** Nesting a dict may have before it is shown as JSON text instead of being flattened further. */
const MAX_DEPTH = 4;
/** Keys one run contributes; a run with a huge config keeps its first ones. */
const MAX_KEYS = 2000;
const MAX_TEXT = 200;

type JsonObject = { [key: string]: JsonValue };

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Internal bookkeeping the client writes (`_wandb`: its own config/summary); not a user column. */
const HIDDEN = new Set(["_wandb"]);

export function cellOf(value: JsonValue): Cell {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (Number.isNaN(value)) return null;
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return value;
  }
  if (isObject(value) && typeof value._type === "string") return `[${value._type}]`;
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function flattenInto(out: Map<string, Cell>, prefix: string, value: JsonValue, depth: number): void {
  if (out.size >= MAX_KEYS) return;
  if (isObject(value) && typeof value._type !== "string" && depth < MAX_DEPTH) {
    const entries = Object.entries(value);
    if (entries.length > 0) {
      for (const [key, inner] of entries) flattenInto(out, `${prefix}.${key}`, inner, depth + 1);
      return;
    }
  }
  out.set(prefix, cellOf(value));
}

/** `{"lr": {"value": 0.1}, "opt": {"value": {"beta": 0.9}}}` → config.lr = 0.1, config.opt.beta = 0.9. */
export function flattenConfig(config: JsonValue): Map<string, Cell> {
  const out = new Map<string, Cell>();
  if (!isObject(config)) return out;
  for (const [key, entry] of Object.entries(config)) {
    if (HIDDEN.has(key)) continue;
    // The client's {value, desc} wrapper; a bare value (older or hand-written configs) as it is.
    const value = isObject(entry) && Object.hasOwn(entry, "value") ? (entry.value ?? null) : entry;
    flattenInto(out, `config.${key}`, value, 0);
  }
  return out;
}

/** `{"loss": 0.1, "val": {"acc": 0.9}}` → summary.loss, summary.val.acc. */
export function flattenSummary(summary: JsonValue): Map<string, Cell> {
  const out = new Map<string, Cell>();
  if (!isObject(summary)) return out;
  for (const [key, value] of Object.entries(summary)) {
    if (HIDDEN.has(key)) continue;
    flattenInto(out, `summary.${key}`, value, 0);
  }
  return out;
}
