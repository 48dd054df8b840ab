/**
 * The run filter and order language of `api.runs(path, filters, order)`: MongoDB-style operators
 * over run columns, tags, `config.*` and `summary_metrics.*` (wandb/apis/public/api.py `Api.runs`
 * docstring; wandb/apis/public/query_generator.py). Client text becomes a typed query
 * (stores/run-query.ts); a store compiles that to parameterised SQL. Nothing is evaluated as code,
 * and anything malformed is INVALID_ARGUMENT with a message saying what was wrong.
 */
import { AppError, type JsonValue, LinearRegex, parseLenientJson, stringifyLenientJson } from "@ballast/core";
import type {
  Comparison,
  FilterValue,
  RunColumn,
  RunCursor,
  RunField,
  RunFilter,
  RunOrder,
} from "../../stores/run-query.ts";

/** Bounds on one filter document, so a request cannot build an unbounded SQL statement. */
const MAX_DEPTH = 16;
const MAX_CONDITIONS = 200;
const MAX_IN_VALUES = 1000;

/** Filter/order names → run columns; W&B clients use both camelCase and snake_case. */
const COLUMNS: Readonly<Record<string, RunColumn>> = {
  name: "name",
  id: "name",
  displayName: "display_name",
  display_name: "display_name",
  state: "state",
  group: "group_name",
  jobType: "job_type",
  job_type: "job_type",
  sweep: "sweep_name",
  sweepName: "sweep_name",
  host: "host",
  notes: "notes",
  description: "description",
  createdAt: "created_at",
  created_at: "created_at",
  heartbeatAt: "heartbeat_at",
  heartbeat_at: "heartbeat_at",
  updatedAt: "updated_at",
  updated_at: "updated_at",
  username: "username",
  duration: "duration",
};

const TIME_COLUMNS = new Set<RunColumn>(["created_at", "heartbeat_at", "updated_at"]);

const COMPARISONS: Readonly<Record<string, Comparison>> = {
  $eq: "eq",
  $ne: "ne",
  $gt: "gt",
  $gte: "gte",
  $lt: "lt",
  $lte: "lte",
};

function invalid(message: string): never {
  throw new AppError("INVALID_ARGUMENT", `Invalid runs filter: ${message}`);
}

/**
 * A filter or order key → the field it reads. `config.lr` and `config.lr.value` are the same field
 * (config is stored as `{"lr": {"value": …, "desc": …}}`; W&B's own reports use the `.value` form,
 * its docs the short one).
 */
export function parseField(key: string): RunField | undefined {
  const column = COLUMNS[key];
  if (column) return { kind: "column", column };
  if (key === "tags") return { kind: "tags" };
  const dot = key.indexOf(".");
  if (dot <= 0 || dot === key.length - 1) return undefined;
  const head = key.slice(0, dot);
  const rest = key.slice(dot + 1).split(".");
  if (rest.some((segment) => segment === "")) return undefined;
  if (head === "config") {
    const [name, ...nested] = rest;
    if (name === undefined) return undefined;
    const tail = nested[0] === "value" ? nested.slice(1) : nested;
    return { kind: "json", source: "config", path: [name, "value", ...tail] };
  }
  if (head === "summary_metrics" || head === "summaryMetrics" || head === "summary") {
    return { kind: "json", source: "summary", path: rest };
  }
  return undefined;
}

function fieldOf(key: string): RunField {
  const field = parseField(key);
  if (!field) {
    invalid(
      `unknown field ${JSON.stringify(key)}; use name, displayName, state, tags, group, jobType, sweep, ` +
        "username, host, createdAt, heartbeatAt, updatedAt, duration, config.<key> or summary_metrics.<key>",
    );
  }
  return field;
}

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class FilterParser {
  private conditions = 0;

  parse(value: JsonValue, depth: number): RunFilter {
    if (depth > MAX_DEPTH) invalid(`nested more than ${MAX_DEPTH} levels deep`);
    if (!isObject(value)) invalid("each filter must be a JSON object");
    const items: RunFilter[] = [];
    for (const [key, operand] of Object.entries(value)) {
      if (key === "$and" || key === "$or" || key === "$nor") {
        if (!Array.isArray(operand) || operand.length === 0)
          invalid(`${key} takes a non-empty list of filters`);
        const parts = operand.map((item) => this.parse(item, depth + 1));
        if (key === "$and") items.push({ kind: "and", items: parts });
        else if (key === "$or") items.push({ kind: "or", items: parts });
        else items.push({ kind: "not", item: { kind: "or", items: parts } });
      } else if (key === "$not") {
        items.push({ kind: "not", item: this.parse(operand, depth + 1) });
      } else if (key.startsWith("$")) {
        invalid(`unknown operator ${JSON.stringify(key)} at the top of a filter`);
      } else {
        items.push(this.condition(fieldOf(key), operand));
      }
    }
    if (items.length === 0) return { kind: "all" };
    return items.length === 1 ? (items[0] as RunFilter) : { kind: "and", items };
  }

  private count(): void {
    if (++this.conditions > MAX_CONDITIONS) invalid(`more than ${MAX_CONDITIONS} conditions`);
  }

  /** `{"field": value}` (equality) or `{"field": {"$op": value, …}}` (all must hold). */
  private condition(field: RunField, operand: JsonValue): RunFilter {
    if (!isObject(operand) || !Object.keys(operand).some((k) => k.startsWith("$"))) {
      this.count();
      return { kind: "compare", field, op: "eq", value: this.value(field, operand, "eq") };
    }
    const keys = Object.keys(operand);
    if (!keys.every((k) => k.startsWith("$"))) invalid("an operator object cannot also hold plain keys");
    const parts: RunFilter[] = [];
    for (const [op, value] of Object.entries(operand)) {
      if (op === "$options") continue; // read with $regex
      this.count();
      const comparison = COMPARISONS[op];
      if (comparison) {
        parts.push({ kind: "compare", field, op: comparison, value: this.value(field, value, comparison) });
      } else if (op === "$in" || op === "$nin") {
        if (!Array.isArray(value)) invalid(`${op} takes a list`);
        if (value.length > MAX_IN_VALUES) invalid(`${op} takes at most ${MAX_IN_VALUES} values`);
        const values = value.map((item) => this.value(field, item, "eq"));
        const test: RunFilter = { kind: "in", field, values };
        parts.push(op === "$in" ? test : { kind: "not", item: test });
      } else if (op === "$exists") {
        if (typeof value !== "boolean") invalid("$exists takes true or false");
        const test: RunFilter = { kind: "exists", field };
        parts.push(value ? test : { kind: "not", item: test });
      } else if (op === "$regex") {
        parts.push(this.regex(field, value, operand.$options));
      } else if (op === "$not") {
        parts.push({ kind: "not", item: this.condition(field, value) });
      } else {
        invalid(`unknown operator ${JSON.stringify(op)}`);
      }
    }
    if (parts.length === 0) invalid("$options needs a $regex");
    return parts.length === 1 ? (parts[0] as RunFilter) : { kind: "and", items: parts };
  }

  private regex(field: RunField, pattern: JsonValue, options: JsonValue | undefined): RunFilter {
    if (typeof pattern !== "string") invalid("$regex takes a string");
    if (options !== undefined && options !== "" && options !== "i") invalid('$options supports only "i"');
    try {
      new LinearRegex(pattern);
    } catch (error) {
      invalid(`$regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
    }
    return { kind: "regex", field, pattern, ignoreCase: options === "i" };
  }

  /** A comparison operand, checked against the field's type. */
  private value(field: RunField, value: JsonValue, op: Comparison): FilterValue {
    const ordered = op !== "eq" && op !== "ne";
    if (field.kind === "column" && TIME_COLUMNS.has(field.column)) {
      if (value === null && !ordered) return { type: "null" };
      if (typeof value !== "string") invalid(`${field.column} takes an ISO 8601 time string`);
      return { type: "number", value: parseTime(value) };
    }
    if (field.kind === "tags") {
      if (value === null && !ordered) return { type: "null" };
      if (typeof value !== "string" || ordered) invalid("tags take a tag name with $eq, $ne, $in or $nin");
      return { type: "string", value };
    }
    if (field.kind === "column" && field.column === "duration") {
      if (typeof value !== "number" || !Number.isFinite(value)) invalid("duration takes a number of seconds");
      return { type: "number", value };
    }
    if (field.kind === "column") {
      if (value === null && !ordered) return { type: "null" };
      if (typeof value !== "string") invalid(`${field.column} takes a string`);
      return { type: "string", value };
    }
    switch (typeof value) {
      case "string":
        return { type: "string", value };
      case "bigint":
        return { type: "number", value };
      case "number":
        if (!Number.isFinite(value)) invalid("NaN and Infinity cannot be compared");
        return { type: "number", value };
      case "boolean":
        if (ordered) invalid(`$${op} cannot compare booleans`);
        return { type: "boolean", value };
      default:
        if (value === null) {
          if (ordered) invalid(`$${op} cannot compare null`);
          return { type: "null" };
        }
        if (ordered) invalid(`$${op} cannot compare objects or lists`);
        return { type: "json", text: stringifyLenientJson(value) };
    }
  }
}

/** ISO 8601 → Unix ms. W&B times carry no zone and are UTC, so a time without one is read as UTC. */
function parseTime(text: string): number {
  const withZone = /(Z|[+-]\d\d:?\d\d)$/i.test(text) || !/T|\d:\d/.test(text) ? text : `${text}Z`;
  const ms = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(withZone) : Number.NaN;
  if (Number.isNaN(ms)) invalid(`${JSON.stringify(text)} is not an ISO 8601 time`);
  return ms;
}

/** The client's `filters` JSON text (`"{}"` when none) → a typed filter. */
export function parseRunFilter(text: string | null | undefined): RunFilter {
  if (text === null || text === undefined || text.trim() === "") return { kind: "all" };
  let value: JsonValue;
  try {
    value = parseLenientJson(text, { exactIntegers: true });
  } catch (error) {
    invalid(`not valid JSON (${(error as Error).message})`);
  }
  return new FilterParser().parse(value, 0);
}

/** `+created_at`, `-summary_metrics.loss`, `config.lr.value` (ascending without a sign). */
export function parseRunOrder(text: string | null | undefined): RunOrder {
  const order = (text ?? "").trim() || "+created_at";
  const descending = order.startsWith("-");
  const key = order.startsWith("-") || order.startsWith("+") ? order.slice(1) : order;
  const field = parseField(key);
  if (!field) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid runs order ${JSON.stringify(order)}: use [+|-] then created_at, heartbeat_at, updated_at, name, ` +
        "display_name, state, group, job_type, duration, config.<key>[.value] or summary_metrics.<key>",
    );
  }
  if (field.kind === "tags") throw new AppError("INVALID_ARGUMENT", "Runs cannot be ordered by tags.");
  return { field, descending };
}

/**
 * Cursors name the order they belong to, the last sort value (typed, so a big integer survives) and
 * the last run id. They are opaque base64 to the client.
 */
export function encodeRunCursor(order: string, cursor: RunCursor): string {
  const { value: v } = cursor;
  const value =
    typeof v === "bigint"
      ? { big: v.toString() }
      : typeof v === "number" && !Number.isFinite(v)
        ? { inf: v > 0 ? 1 : -1 } // a summary value of ±Infinity
        : { v };
  return Buffer.from(JSON.stringify({ o: order, id: cursor.id, ...value }), "utf8").toString("base64");
}

export function decodeRunCursor(order: string, text: string | null | undefined): RunCursor | null {
  if (text === null || text === undefined || text === "") return null;
  const bad = () => new AppError("INVALID_ARGUMENT", "Invalid runs cursor; start again without one.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64").toString("utf8"));
  } catch {
    throw bad();
  }
  if (typeof parsed !== "object" || parsed === null) throw bad();
  const { o, id, v, big, inf } = parsed as Record<string, unknown>;
  if (o !== order || typeof id !== "number" || !Number.isSafeInteger(id)) throw bad();
  if (inf === 1 || inf === -1) return { id, value: inf * Number.POSITIVE_INFINITY };
  if (typeof big === "string" && /^-?\d{1,40}$/.test(big)) return { id, value: BigInt(big) };
  if (v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v))) {
    return { id, value: v };
  }
  throw bad();
}
