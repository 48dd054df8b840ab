/**
 * The filter builder's rows ↔ the wandb.Api filter language (JSON). Pure (filters.test.ts).
 * `[{field: "config.lr", op: "$gt", value: "0.01"}]` ↔ `{"$and": [{"config.lr": {"$gt": 0.01}}]}`.
 */

export const OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$regex"] as const;
export type Operator = (typeof OPERATORS)[number];

export const OPERATOR_LABELS: Readonly<Record<Operator, string>> = {
  $eq: "=",
  $ne: "≠",
  $gt: ">",
  $gte: "≥",
  $lt: "<",
  $lte: "≤",
  $in: "in",
  $regex: "matches",
};

export interface FilterRow {
  readonly field: string;
  readonly op: Operator;
  /** As typed; `$in` takes a comma-separated list. */
  readonly value: string;
}

type Scalar = null | boolean | number | string;

/** Run columns the server compares as text (run-query.ts): their values are never numbers. */
const TEXT_FIELDS = new Set([
  "name",
  "displayName",
  "state",
  "username",
  "group",
  "jobType",
  "sweep",
  "host",
  "notes",
  "tags",
  "createdAt",
  "heartbeatAt",
  "updatedAt",
]);

/**
 * A typed value as the field compares it: for config/summary fields `0.1` is a number, `true` /
 * `false` / `null` what they say, `"0.1"` (quoted) the text; text columns keep the text.
 */
export function parseValue(field: string, text: string): Scalar {
  const trimmed = text.trim();
  if (TEXT_FIELDS.has(field)) return trimmed;
  if (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  if (trimmed === "null") return null;
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1);
  return trimmed;
}

/** The text a value is typed as (the inverse of parseValue). */
export function valueText(field: string, value: unknown): string {
  if (typeof value === "string") {
    const numberLike = parseValue(field, value) !== value;
    return numberLike ? JSON.stringify(value) : value;
  }
  return value === null ? "null" : String(value);
}

const complete = (row: FilterRow) => row.field.trim() !== "" && row.value.trim() !== "";

function condition(row: FilterRow): Record<string, unknown> {
  const field = row.field.trim();
  let operand: unknown;
  if (row.op === "$in") operand = row.value.split(",").map((part) => parseValue(field, part));
  else if (row.op === "$regex") operand = row.value;
  else operand = parseValue(field, row.value);
  return { [field]: { [row.op]: operand } };
}

/** The filter JSON text for the complete rows; "" when there are none (all runs). */
export function filterText(rows: readonly FilterRow[]): string {
  const conditions = rows.filter(complete).map(condition);
  return conditions.length === 0 ? "" : JSON.stringify({ $and: conditions });
}

/** Rows for a filter this builder wrote; null for any other filter (it cannot be shown as rows). */
export function rowsOf(text: string): FilterRow[] | null {
  if (text.trim() === "") return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(parsed) || Object.keys(parsed).length !== 1 || !Array.isArray(parsed.$and)) return null;
  const rows: FilterRow[] = [];
  for (const item of parsed.$and as unknown[]) {
    if (!isRecord(item)) return null;
    const entries = Object.entries(item);
    const [entry] = entries;
    if (entries.length !== 1 || entry === undefined) return null;
    const [field, operand] = entry;
    if (!isRecord(operand)) return null;
    const ops = Object.entries(operand);
    const [op] = ops;
    if (ops.length !== 1 || op === undefined || !isOperator(op[0])) return null;
    const value = op[1];
    const text = Array.isArray(value)
      ? value.map((v) => valueText(field, v)).join(", ")
      : op[0] === "$regex"
        ? String(value)
        : valueText(field, value);
    rows.push({ field, op: op[0], value: text });
  }
  return rows;
}

/** `base` (filter JSON text or "") narrowed by `{field: value}` (a group). */
export function withCondition(base: string, field: string, value: unknown): string {
  const extra = { [field]: value };
  return JSON.stringify(base === "" ? extra : { $and: [JSON.parse(base), extra] });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isOperator(op: string): op is Operator {
  return (OPERATORS as readonly string[]).includes(op);
}
