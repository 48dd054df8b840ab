/**
 * Compiles a typed run query (stores/run-query.ts) to SQLite SQL. User text only ever reaches the
 * statement as a bound parameter: field names become JSON paths bound with `?`, values are bound,
 * and the SQL around them comes from fixed fragments here. JSON fields are read from the JSONB query
 * copies (tables `run_config_query`, `run_summary_query`, migrations 0004 and 0006, joined as `cq`
 * and `sq`), never from the client's original text.
 *
 * Comparison semantics follow MongoDB's: a comparison only matches values of the operand's type (a
 * string is never "greater than" a number), `$ne`/`$nin` also match runs where the field is absent,
 * and `{field: null}` matches absent or null. Every leaf is `… IS TRUE` so NULL never leaks into a
 * NOT.
 */
import type { SQLInputValue } from "node:sqlite";
import type {
  Comparison,
  FilterValue,
  RunColumn,
  RunCursor,
  RunField,
  RunFilter,
  RunQuery,
} from "../run-query.ts";

/** The scalar SQL function `$regex` uses (registered by SqliteRunQueryRepository). */
export const REGEXP_FUNCTION = "ballast_regexp";

const COLUMN_SQL: Readonly<Record<RunColumn, string>> = {
  name: "runs.name",
  display_name: "runs.display_name",
  state: "runs.state",
  group_name: "runs.group_name",
  job_type: "runs.job_type",
  sweep_name: "runs.sweep_name",
  host: "runs.host",
  notes: "runs.notes",
  description: "runs.description",
  created_at: "runs.created_at",
  heartbeat_at: "runs.heartbeat_at",
  updated_at: "runs.updated_at",
  username: "(SELECT users.username FROM users WHERE users.id = runs.user_id)",
  duration: "((coalesce(runs.finished_at, runs.heartbeat_at) - runs.created_at) / 1000.0)",
};

const OPERATORS: Readonly<Record<Comparison, string>> = {
  eq: "=",
  ne: "<>",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
};

/** A JSON path for json_extract: `$."a"."b"`, each key quoted and escaped as a JSON string. */
export function jsonPath(path: readonly string[]): string {
  return `$${path.map((key) => `.${JSON.stringify(key)}`).join("")}`;
}

/** SQL text plus its parameters, in order. */
export class Sql {
  readonly params: SQLInputValue[] = [];
  private readonly parts: string[] = [];

  add(text: string, ...params: SQLInputValue[]): this {
    this.parts.push(text);
    this.params.push(...params);
    return this;
  }

  get text(): string {
    return this.parts.join("");
  }
}

function jsonColumn(field: { source: "config" | "summary" }): string {
  return field.source === "config" ? "cq.doc" : "sq.doc";
}

/**
 * The runs and their query copies. LEFT JOINs on the copies' primary keys: SQLite leaves out a join
 * whose table the statement never reads, and a missing copy reads as absent fields.
 */
const FROM_RUNS = `FROM runs LEFT JOIN run_config_query cq ON cq.run_id = runs.id
  LEFT JOIN run_summary_query sq ON sq.run_id = runs.id`;

/** Appends the expression a field evaluates to (its value, or the JSON value at its path). */
export function valueExpr(sql: Sql, field: RunField): void {
  if (field.kind === "column") sql.add(COLUMN_SQL[field.column]);
  else if (field.kind === "json") sql.add(`json_extract(${jsonColumn(field)}, ?)`, jsonPath(field.path));
  else sql.add("runs.tags");
}

function bind(value: FilterValue): SQLInputValue {
  switch (value.type) {
    case "null":
      return null;
    case "boolean":
      return value.value ? 1 : 0;
    case "number":
    case "string":
      return value.value;
    case "json":
      return value.text;
  }
}

export function compileFilter(sql: Sql, filter: RunFilter): void {
  switch (filter.kind) {
    case "all":
      sql.add("1");
      return;
    case "and":
    case "or":
      sql.add("(");
      filter.items.forEach((item, i) => {
        if (i > 0) sql.add(filter.kind === "and" ? " AND " : " OR ");
        compileFilter(sql, item);
      });
      sql.add(")");
      return;
    case "not":
      sql.add("NOT (");
      compileFilter(sql, filter.item);
      sql.add(")");
      return;
    case "compare":
      if (filter.op === "ne") {
        sql.add("NOT ");
        compare(sql, filter.field, "eq", filter.value);
      } else compare(sql, filter.field, filter.op, filter.value);
      return;
    case "in":
      if (filter.values.length === 0) {
        sql.add("0");
        return;
      }
      sql.add("(");
      filter.values.forEach((value, i) => {
        if (i > 0) sql.add(" OR ");
        compare(sql, filter.field, "eq", value);
      });
      sql.add(")");
      return;
    case "exists":
      exists(sql, filter.field);
      return;
    case "regex":
      regex(sql, filter.field, filter.pattern, filter.ignoreCase);
      return;
  }
}

/** One comparison (never `ne`: that is NOT eq), always 0 or 1. */
function compare(sql: Sql, field: RunField, op: Exclude<Comparison, "ne">, value: FilterValue): void {
  const operator = OPERATORS[op];
  if (field.kind === "tags") {
    if (value.type === "null") sql.add("(json_array_length(runs.tags) = 0)");
    else sql.add("(EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value = ?))", bind(value));
    return;
  }
  if (field.kind === "column") {
    if (value.type === "null") sql.add(`(${COLUMN_SQL[field.column]} IS NULL)`);
    else sql.add(`((${COLUMN_SQL[field.column]} ${operator} ?) IS TRUE)`, bind(value));
    return;
  }
  const column = jsonColumn(field);
  const path = jsonPath(field.path);
  const type = `json_type(${column}, ?)`;
  switch (value.type) {
    case "null":
      sql.add(`(coalesce(${type}, 'null') = 'null')`, path);
      return;
    case "boolean":
      sql.add(`(coalesce(${type}, '') = ?)`, path, value.value ? "true" : "false");
      return;
    case "json":
      sql.add(
        `((${type} IN ('object', 'array') AND json_extract(${column}, ?) = json(?)) IS TRUE)`,
        path,
        path,
        value.text,
      );
      return;
    case "number":
    case "string": {
      const types = value.type === "number" ? "('integer', 'real')" : "('text')";
      sql.add(
        `((${type} IN ${types} AND json_extract(${column}, ?) ${operator} ?) IS TRUE)`,
        path,
        path,
        bind(value),
      );
    }
  }
}

function exists(sql: Sql, field: RunField): void {
  if (field.kind === "tags") sql.add("(json_array_length(runs.tags) > 0)");
  else if (field.kind === "column") sql.add(`(${COLUMN_SQL[field.column]} IS NOT NULL)`);
  else sql.add(`(json_type(${jsonColumn(field)}, ?) IS NOT NULL)`, jsonPath(field.path));
}

function regex(sql: Sql, field: RunField, pattern: string, ignoreCase: boolean): void {
  const flags = ignoreCase ? "i" : "";
  if (field.kind === "tags") {
    sql.add(
      `(EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE ${REGEXP_FUNCTION}(?, ?, json_each.value)))`,
      pattern,
      flags,
    );
  } else if (field.kind === "column") {
    sql.add(`(coalesce(${REGEXP_FUNCTION}(?, ?, ${COLUMN_SQL[field.column]}), 0) = 1)`, pattern, flags);
  } else {
    const column = jsonColumn(field);
    const path = jsonPath(field.path);
    // CASE keeps the function from seeing non-text values.
    sql.add(
      `(CASE WHEN json_type(${column}, ?) = 'text' THEN ${REGEXP_FUNCTION}(?, ?, json_extract(${column}, ?)) ELSE 0 END = 1)`,
      path,
      pattern,
      flags,
      path,
    );
  }
}

/**
 * Keyset pagination: the rows strictly after the cursor in `ORDER BY value, id` (both ascending or
 * both descending). SQLite orders NULL first ascending (last descending), then numbers, then text,
 * and its `<`/`>` compare across those classes in the same order, so one condition serves any type.
 */
export function afterCursor(sql: Sql, field: RunField, descending: boolean, cursor: RunCursor): void {
  const value = () => valueExpr(sql, field);
  if (cursor.value === null) {
    if (descending) {
      sql.add("(");
      value();
      sql.add(" IS NULL AND runs.id < ?)", cursor.id);
    } else {
      sql.add("(");
      value();
      sql.add(" IS NOT NULL OR runs.id > ?)", cursor.id);
    }
    return;
  }
  const [cmp, idCmp] = descending ? ["<", "<"] : [">", ">"];
  sql.add("(");
  value();
  sql.add(` ${cmp} ? OR (`, cursor.value);
  value();
  sql.add(` = ? AND runs.id ${idCmp} ?)`, cursor.value, cursor.id);
  if (descending) {
    sql.add(" OR ");
    value();
    sql.add(" IS NULL");
  }
  sql.add(")");
}

/**
 * The whole page query: `columns` (unqualified, of `runs`), the sort value (integers as text so none
 * loses precision) and its type. The inner query filters and sorts run ids and sort values only;
 * the wide rows are read for the page alone (SQLite's sorter would otherwise carry every matching
 * run's config and summary text).
 */
export function compileRunPage(query: RunQuery, columns: string): Sql {
  const { field, descending } = query.order;
  const direction = descending ? "DESC" : "ASC";
  const sql = new Sql().add(
    `SELECT ${columns}, page.sortValue, page.sortType FROM (SELECT runs.id AS pageId, `,
  );
  valueExpr(sql, field);
  sql.add(" AS sortKey, CASE WHEN typeof(");
  valueExpr(sql, field);
  sql.add(") = 'integer' THEN CAST(");
  valueExpr(sql, field);
  sql.add(" AS TEXT) ELSE ");
  valueExpr(sql, field);
  sql.add(" END AS sortValue, typeof(");
  valueExpr(sql, field);
  sql.add(`) AS sortType ${FROM_RUNS} WHERE runs.project_id = ? AND `, query.projectId);
  compileFilter(sql, query.filter);
  if (query.after) {
    sql.add(" AND ");
    afterCursor(sql, field, descending, query.after);
  }
  sql.add(" ORDER BY sortKey ");
  sql.add(
    `${direction}, runs.id ${direction} LIMIT ? OFFSET ?) page JOIN runs ON runs.id = page.pageId`,
    query.limit,
    query.offset ?? 0,
  );
  sql.add(` ORDER BY page.sortKey ${direction}, page.pageId ${direction}`);
  return sql;
}

export function compileRunCount(projectId: number, filter: RunFilter): Sql {
  const sql = new Sql().add(`SELECT count(*) AS n ${FROM_RUNS} WHERE runs.project_id = ? AND `, projectId);
  compileFilter(sql, filter);
  return sql;
}

/**
 * The distinct values of a field among the matching runs, with their counts, in value order (the
 * web table's "group by"). Integers as text, as in compileRunPage; json_type tells true/false and
 * objects from numbers and text.
 */
export function compileRunGroups(projectId: number, filter: RunFilter, field: RunField, limit: number): Sql {
  const sql = new Sql().add(
    "SELECT CASE WHEN typeof(g.value) = 'integer' THEN CAST(g.value AS TEXT) ELSE g.value END AS value, g.type AS type, count(*) AS n FROM (SELECT ",
  );
  valueExpr(sql, field);
  sql.add(" AS value, ");
  if (field.kind === "json")
    sql.add(`coalesce(json_type(${jsonColumn(field)}, ?), 'null')`, jsonPath(field.path));
  else {
    sql.add("typeof(");
    valueExpr(sql, field);
    sql.add(")");
  }
  sql.add(` AS type ${FROM_RUNS} WHERE runs.project_id = ? AND `, projectId);
  compileFilter(sql, filter);
  sql.add(") g GROUP BY g.value, g.type ORDER BY g.value LIMIT ?", limit);
  return sql;
}
