/**
 * An engine-neutral run query: what `api.runs(filters, order)` asks for, after the domain has
 * parsed and validated the client's MongoDB-style filter (domain/runs/run-query.ts). Each metadata
 * store compiles it to its own SQL (sqlite/run-query.sql.ts); nothing here is SQL or user text
 * spliced into SQL.
 */

/** A run attribute stored in its own column. */
export type RunColumn =
  | "name"
  | "display_name"
  | "state"
  | "group_name"
  | "job_type"
  | "sweep_name"
  | "host"
  | "notes"
  | "description"
  | "created_at"
  | "heartbeat_at"
  | "updated_at"
  | "username"
  | "duration";

/** What a filter or an ordering reads. */
export type RunField =
  | { readonly kind: "column"; readonly column: RunColumn }
  | { readonly kind: "tags" }
  /** A path into the config (`["lr", "value"]`) or summary (`["train", "loss"]`) JSON. */
  | { readonly kind: "json"; readonly source: "config" | "summary"; readonly path: readonly string[] };

/** A filter operand. Times are already Unix milliseconds; objects and arrays compare as JSON text. */
export type FilterValue =
  | { readonly type: "null" }
  | { readonly type: "boolean"; readonly value: boolean }
  | { readonly type: "number"; readonly value: number | bigint }
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "json"; readonly text: string };

export type Comparison = "eq" | "ne" | "gt" | "gte" | "lt" | "lte";

export type RunFilter =
  | { readonly kind: "all" }
  | { readonly kind: "and" | "or"; readonly items: readonly RunFilter[] }
  | { readonly kind: "not"; readonly item: RunFilter }
  | {
      readonly kind: "compare";
      readonly field: RunField;
      readonly op: Comparison;
      readonly value: FilterValue;
    }
  | { readonly kind: "in"; readonly field: RunField; readonly values: readonly FilterValue[] }
  | { readonly kind: "exists"; readonly field: RunField }
  /** `pattern` has been checked to compile as RE2 (core LinearRegex). */
  | {
      readonly kind: "regex";
      readonly field: RunField;
      readonly pattern: string;
      readonly ignoreCase: boolean;
    };

export interface RunOrder {
  readonly field: RunField;
  readonly descending: boolean;
}

/** Where the previous page ended: the last run's sort value and id (keyset pagination). */
export interface RunCursor {
  readonly value: null | number | bigint | string;
  readonly id: number;
}

export interface RunQuery {
  readonly projectId: number;
  readonly filter: RunFilter;
  readonly order: RunOrder;
  readonly after: RunCursor | null;
  readonly limit: number;
  /** Rows to skip before the page (the web table's windows); only without `after`. */
  readonly offset?: number;
}

/** One group of `groupRuns`: a distinct value of the field (SQL type as `type`) and its run count. */
export interface RunGroup {
  /** Integers arrive as decimal text so big ones stay exact; JSON objects/lists as JSON text. */
  readonly value: null | number | string;
  /** `null` (absent), SQLite's typeof for columns, json_type for config/summary fields. */
  readonly type: string;
  readonly count: number;
}
