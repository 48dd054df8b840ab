/**
 * Compiles a typed run query (stores/run-query.ts) to SQL for MySQL 8 and MariaDB 10.11, with the
 * semantics of the SQLite compiler (stores/sqlite/run-query.sql.ts, read its header): MongoDB-style
 * typed comparisons, `$ne`/`$nin` matching absent fields, `{field: null}` matching absent or null,
 * user text only ever bound as a parameter (JSON paths included), keyset cursors.
 *
 * Config and summary are read with JSON_EXTRACT from the runs' JSON texts, or from their strict
 * copies when the client wrote NaN or ±Infinity (json-query.ts: NaN null, ±Infinity ±DBL_MAX). Order is
 * SQLite's: absent/null first, then numbers (booleans as 0/1), then text (objects and lists as
 * JSON text). MySQL's own JSON order differs, so rows sort on an explicit key: a rank (0 null,
 * 1 number, 2 text), the number as DOUBLE, integers again as DECIMAL (exact beyond 2^53), the text.
 * Number filters compare as DOUBLE: integers beyond 2^53 compare approximately (SQLite: exactly).
 *
 * `$regex` uses the engine's REGEXP (ICU in MySQL 8, PCRE2 in MariaDB) on at most 64 KiB of the
 * value, after the pattern passed core LinearRegex (RE2 syntax, linear time). For the syntax both
 * accept, the engines agree with RE2 except on rare escapes (`\C`, `\Q…\E`), which LinearRegex
 * refuses first; case-insensitive matching is `(?i)`, as in RE2.
 */
import type {
  Comparison,
  FilterValue,
  RunColumn,
  RunCursor,
  RunField,
  RunFilter,
  RunQuery,
} from "../run-query.ts";
import { jsonPath } from "../sqlite/run-query.sql.ts";
import type { Value } from "./database.ts";

const NUMERIC_COLUMNS = new Set<RunColumn>(["created_at", "heartbeat_at", "updated_at", "duration"]);

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
  duration: "((COALESCE(runs.finished_at, runs.heartbeat_at) - runs.created_at) / 1000.0)",
};

const OPERATORS: Readonly<Record<Comparison, string>> = {
  eq: "=",
  ne: "<>",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
};

const INTEGER_TYPES = "('INTEGER', 'UNSIGNED INTEGER')";
const NUMBER_TYPES = "('INTEGER', 'UNSIGNED INTEGER', 'DOUBLE', 'DECIMAL')";
const MAX_REGEX_INPUT = 64 * 1024;

/** The server's family: the few functions that differ between MySQL 8 and MariaDB. */
export type Dialect = "mysql" | "mariadb";

type JsonField = Extract<RunField, { kind: "json" }>;

const fieldKey = (field: JsonField) => JSON.stringify([field.source, field.path]);

/** SQL text plus its parameters, in order. */
export class Sql {
  readonly params: Value[] = [];
  readonly dialect: Dialect;
  private readonly parts: string[] = [];
  /** Config and summary values already extracted into columns of the `vals` derived table. */
  private readonly values = new Map<string, string>();
  private readonly extracted: JsonField[] = [];

  constructor(dialect: Dialect) {
    this.dialect = dialect;
  }

  /** The column holding a field's extracted value, when the query extracts it up front. */
  valueColumn(field: JsonField): string | undefined {
    return this.values.get(fieldKey(field));
  }

  /**
   * Has `fromRuns` extract these config and summary fields once per run, and every expression
   * appended afterwards read the extracted column instead (call it before appending any).
   */
  extractOnce(fields: readonly JsonField[]): this {
    for (const field of fields) {
      const key = fieldKey(field);
      if (this.values.has(key)) continue;
      this.values.set(key, `vals.v${this.extracted.length}`);
      this.extracted.push(field);
    }
    return this;
  }

  /**
   * Appends `FROM runs … WHERE` for a project's runs. With fields to extract, the runs come
   * through a derived table `vals` holding each field's JSON value, so the runs' JSON documents are
   * parsed once per field and run instead of once per mention (a sort key alone mentions its field
   * a dozen times). The LIMIT keeps MySQL and MariaDB from merging the table back into the query.
   */
  fromRuns(projectId: number): this {
    if (this.extracted.length === 0) return this.add(" FROM runs WHERE runs.project_id = ?", projectId);
    this.add(" FROM (SELECT runs.id AS vid");
    this.extracted.forEach((field, i) => {
      this.add(`, JSON_EXTRACT(${doc(field.source)}, ?) AS v${i}`, jsonPath(field.path));
    });
    return this.add(
      " FROM runs WHERE runs.project_id = ? LIMIT 18446744073709551615) vals JOIN runs ON runs.id = vals.vid WHERE 1",
      projectId,
    );
  }

  add(text: string, ...params: Value[]): this {
    this.parts.push(text);
    this.params.push(...params);
    return this;
  }

  get text(): string {
    return this.parts.join("");
  }
}

/**
 * The document a JSON field reads: the strict copy when the run's text needed one (json-query.ts),
 * else the text itself (`{}` should it not be JSON after all).
 */
const doc = (source: "config" | "summary") =>
  `COALESCE(runs.${source}_query, CASE WHEN JSON_VALID(runs.${source}) THEN runs.${source} ELSE '{}' END)`;

/** Appends the JSON value at a field's path (SQL NULL when absent). */
function extract(sql: Sql, field: JsonField): void {
  const column = sql.valueColumn(field);
  if (column !== undefined) sql.add(column);
  else sql.add(`JSON_EXTRACT(${doc(field.source)}, ?)`, jsonPath(field.path));
}

/** The config and summary fields a filter (and a sort field) read. */
function jsonFields(filter: RunFilter, also?: RunField): JsonField[] {
  const out: JsonField[] = also?.kind === "json" ? [also] : [];
  const walk = (item: RunFilter): void => {
    switch (item.kind) {
      case "and":
      case "or":
        item.items.forEach(walk);
        return;
      case "not":
        walk(item.item);
        return;
      case "compare":
      case "in":
      case "exists":
      case "regex":
        if (item.field.kind === "json") out.push(item.field);
        return;
      case "all":
        return;
    }
  };
  walk(filter);
  return out;
}

/** Appends JSON_TYPE of the field's value: NULL when absent, 'NULL' for a JSON null. */
function jsonType(sql: Sql, field: JsonField): void {
  sql.add("JSON_TYPE(");
  extract(sql, field);
  sql.add(")");
}

/** Appends a string as the table's binary collation compares it. */
function unquoted(sql: Sql, field: JsonField): void {
  sql.add("(CONVERT(JSON_UNQUOTE(");
  extract(sql, field);
  sql.add(") USING utf8mb4) COLLATE utf8mb4_bin)");
}

/** The four parts of the sort key, each appended by a function (params bound at each use). */
interface SortKey {
  rank(sql: Sql): void;
  real(sql: Sql): void;
  exact(sql: Sql): void;
  text(sql: Sql): void;
}

function sortKey(field: RunField): SortKey {
  if (field.kind === "tags") {
    return {
      rank: (sql) => sql.add("2"),
      real: (sql) => sql.add("NULL"),
      exact: (sql) => sql.add("NULL"),
      text: (sql) => sql.add("runs.tags"),
    };
  }
  if (field.kind === "column") {
    const column = COLUMN_SQL[field.column];
    const numeric = NUMERIC_COLUMNS.has(field.column);
    return {
      rank: (sql) => sql.add(`(CASE WHEN ${column} IS NULL THEN 0 ELSE ${numeric ? 1 : 2} END)`),
      real: (sql) => sql.add(numeric ? `CAST(${column} AS DOUBLE)` : "NULL"),
      exact: (sql) => sql.add(numeric ? `CAST(${column} AS DECIMAL(65, 0))` : "NULL"),
      text: (sql) => sql.add(numeric ? "NULL" : column),
    };
  }
  const real = (sql: Sql) => {
    sql.add("(CASE WHEN ");
    jsonType(sql, field);
    sql.add(` IN ${NUMBER_TYPES} THEN CAST(JSON_UNQUOTE(`);
    extract(sql, field);
    sql.add(") AS DOUBLE) WHEN ");
    jsonType(sql, field);
    sql.add(" = 'BOOLEAN' THEN (CASE WHEN JSON_UNQUOTE(");
    extract(sql, field);
    sql.add(") = 'true' THEN 1 ELSE 0 END) END)");
  };
  return {
    rank: (sql) => {
      sql.add("(CASE WHEN COALESCE(");
      jsonType(sql, field);
      sql.add(`, 'NULL') = 'NULL' THEN 0 WHEN `);
      jsonType(sql, field);
      sql.add(` IN ${NUMBER_TYPES} OR `);
      jsonType(sql, field);
      sql.add(" = 'BOOLEAN' THEN 1 ELSE 2 END)");
    },
    real,
    // Integers exactly; any other number as its DOUBLE rounded, which is what a cursor can repeat.
    exact: (sql) => {
      sql.add("(CASE WHEN ");
      jsonType(sql, field);
      sql.add(` IN ${INTEGER_TYPES} THEN CAST(JSON_UNQUOTE(`);
      extract(sql, field);
      sql.add(") AS DECIMAL(65, 0)) ELSE CAST(");
      real(sql);
      sql.add(" AS DECIMAL(65, 0)) END)");
    },
    text: (sql) => {
      sql.add("(CASE WHEN ");
      jsonType(sql, field);
      sql.add(" = 'STRING' THEN ");
      unquoted(sql, field);
      sql.add(" WHEN ");
      jsonType(sql, field);
      sql.add(" IN ('OBJECT', 'ARRAY') THEN (CONVERT(CAST(");
      extract(sql, field);
      sql.add(" AS CHAR) USING utf8mb4) COLLATE utf8mb4_bin) END)");
    },
  };
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

function bind(value: FilterValue): Value {
  switch (value.type) {
    case "null":
      return null;
    case "boolean":
      return value.value ? 1 : 0;
    case "number":
      return typeof value.value === "bigint" ? value.value.toString() : value.value;
    case "string":
      return value.value;
    case "json":
      return value.text;
  }
}

/** One comparison (never `ne`: that is NOT eq), always 0 or 1 (never NULL, so NOT stays exact). */
function compare(sql: Sql, field: RunField, op: Exclude<Comparison, "ne">, value: FilterValue): void {
  const operator = OPERATORS[op];
  if (field.kind === "tags") {
    if (value.type === "null") sql.add("(COALESCE(JSON_LENGTH(runs.tags), 0) = 0)");
    else if (value.type === "string")
      sql.add("(JSON_CONTAINS(runs.tags, JSON_QUOTE(?)) IS TRUE)", value.value);
    else sql.add("0");
    return;
  }
  if (field.kind === "column") {
    const column = COLUMN_SQL[field.column];
    if (value.type === "null") sql.add(`(${column} IS NULL)`);
    else sql.add(`((${column} ${operator} ?) IS TRUE)`, bind(value));
    return;
  }
  switch (value.type) {
    case "null":
      sql.add("(COALESCE(");
      jsonType(sql, field);
      sql.add(", 'NULL') = 'NULL')");
      return;
    case "boolean":
      sql.add("((");
      jsonType(sql, field);
      sql.add(" = 'BOOLEAN' AND JSON_UNQUOTE(");
      extract(sql, field);
      sql.add(") = ?) IS TRUE)", value.value ? "true" : "false");
      return;
    case "json":
      // Objects and lists compare as documents (keys in any order, lists in order): MySQL's JSON
      // equality does that; MariaDB compares texts, so both sides are normalised first.
      sql.add("((");
      jsonType(sql, field);
      sql.add(" IN ('OBJECT', 'ARRAY') AND ");
      if (sql.dialect === "mariadb") {
        sql.add("JSON_NORMALIZE(");
        extract(sql, field);
        sql.add(") = JSON_NORMALIZE(?)) IS TRUE)", value.text);
      } else {
        extract(sql, field);
        sql.add(" = CAST(? AS JSON)) IS TRUE)", value.text);
      }
      return;
    case "number":
      sql.add("((");
      jsonType(sql, field);
      sql.add(` IN ${NUMBER_TYPES} AND CAST(JSON_UNQUOTE(`);
      extract(sql, field);
      sql.add(`) AS DOUBLE) ${operator} ?) IS TRUE)`, Number(value.value));
      return;
    case "string":
      sql.add("((");
      jsonType(sql, field);
      sql.add(" = 'STRING' AND ");
      unquoted(sql, field);
      sql.add(` ${operator} ?) IS TRUE)`, value.value);
      return;
  }
}

function exists(sql: Sql, field: RunField): void {
  if (field.kind === "tags") sql.add("(COALESCE(JSON_LENGTH(runs.tags), 0) > 0)");
  else if (field.kind === "column") sql.add(`(${COLUMN_SQL[field.column]} IS NOT NULL)`);
  else {
    sql.add("(");
    extract(sql, field);
    sql.add(" IS NOT NULL)");
  }
}

function regex(sql: Sql, field: RunField, pattern: string, ignoreCase: boolean): void {
  const re = ignoreCase ? `(?i)${pattern}` : pattern;
  if (field.kind === "tags") {
    sql.add(
      `(EXISTS (SELECT 1 FROM JSON_TABLE(runs.tags, '$[*]' COLUMNS (tag VARCHAR(760) PATH '$')) t
         WHERE (CONVERT(t.tag USING utf8mb4) COLLATE utf8mb4_bin) REGEXP ?))`,
      re,
    );
  } else if (field.kind === "column") {
    sql.add(`((LEFT(${COLUMN_SQL[field.column]}, ${MAX_REGEX_INPUT}) REGEXP ?) IS TRUE)`, re);
  } else {
    sql.add("((");
    jsonType(sql, field);
    sql.add(" = 'STRING' AND LEFT(");
    unquoted(sql, field);
    sql.add(`, ${MAX_REGEX_INPUT}) REGEXP ?) IS TRUE)`, re);
  }
}

/** The cursor's value as the sort key's parts. */
function cursorKey(value: RunCursor["value"]): {
  rank: number;
  real: number | null;
  exact: bigint | number | null;
  text: string | null;
} {
  if (value === null) return { rank: 0, real: null, exact: null, text: null };
  if (typeof value === "string") return { rank: 2, real: null, exact: null, text: value };
  return { rank: 1, real: Number(value), exact: value, text: null };
}

/** The cursor's `exact` part, computed as the sort key computes it for the row it came from. */
function exactOf(sql: Sql, exact: bigint | number | null): void {
  if (typeof exact === "bigint") sql.add("CAST(? AS DECIMAL(65, 0))", exact.toString());
  else sql.add("CAST(CAST(? AS DOUBLE) AS DECIMAL(65, 0))", exact ?? 0);
}

/**
 * Keyset pagination: rows strictly after the cursor in the sort key's order (all parts ascending,
 * or all descending), the run id breaking ties.
 */
function afterCursor(sql: Sql, key: SortKey, descending: boolean, cursor: RunCursor): void {
  const gt = descending ? "<" : ">";
  const c = cursorKey(cursor.value);
  sql.add("(");
  key.rank(sql);
  sql.add(` ${gt} ? OR (`, c.rank);
  key.rank(sql);
  sql.add(" = ? AND (", c.rank);
  if (c.rank === 1) {
    sql.add("COALESCE(");
    key.real(sql);
    sql.add(`, 0) ${gt} ? OR (COALESCE(`, c.real ?? 0);
    key.real(sql);
    sql.add(", 0) = ? AND (COALESCE(", c.real ?? 0);
    key.exact(sql);
    sql.add(`, 0) ${gt} `);
    exactOf(sql, c.exact);
    sql.add(" OR (COALESCE(");
    key.exact(sql);
    sql.add(", 0) = ");
    exactOf(sql, c.exact);
    sql.add(` AND runs.id ${gt} ?)))))`, cursor.id);
  } else if (c.rank === 2) {
    key.text(sql);
    sql.add(` ${gt} ? OR (`, c.text ?? "");
    key.text(sql);
    sql.add(` = ? AND runs.id ${gt} ?)))`, c.text ?? "", cursor.id);
  } else {
    sql.add(`runs.id ${gt} ?))`, cursor.id);
  }
  sql.add(")");
}

/** Appends the sort key's parts as columns `sk_rank`, `sk_real`, `sk_exact`, `sk_text`. */
function sortColumns(sql: Sql, key: SortKey): void {
  key.rank(sql);
  sql.add(" AS sk_rank, COALESCE(");
  key.real(sql);
  sql.add(", 0) AS sk_real, COALESCE(");
  key.exact(sql);
  sql.add(", 0) AS sk_exact, ");
  key.text(sql);
  sql.add(" AS sk_text");
}

/** The raw value and its type, for the cursor the page hands back (see run-read.repository.ts). */
function rawColumns(sql: Sql, field: RunField): void {
  if (field.kind === "json") {
    sql.add("CAST(");
    extract(sql, field);
    sql.add(" AS CHAR) AS sortRaw, ");
    jsonType(sql, field);
    sql.add(" AS sortType");
  } else if (field.kind === "column") {
    const numeric = NUMERIC_COLUMNS.has(field.column);
    sql.add(
      `${COLUMN_SQL[field.column]} AS sortRaw, '${numeric ? "column-number" : "column-text"}' AS sortType`,
    );
  } else {
    sql.add("runs.tags AS sortRaw, 'column-text' AS sortType");
  }
}

/**
 * The page query: `columns` (unqualified, of `runs`) plus the sort value's raw text and type. The
 * inner query filters and sorts run ids and sort keys only; the wide rows are read for the page alone.
 */
export function compileRunPage(dialect: Dialect, query: RunQuery, columns: string): Sql {
  const { field, descending } = query.order;
  const direction = descending ? "DESC" : "ASC";
  const key = sortKey(field);
  const sql = new Sql(dialect)
    .extractOnce(jsonFields(query.filter, field))
    .add(`SELECT ${columns}, page.sortRaw, page.sortType FROM (SELECT runs.id AS pageId, `);
  sortColumns(sql, key);
  sql.add(", ");
  rawColumns(sql, field);
  sql.fromRuns(query.projectId).add(" AND ");
  compileFilter(sql, query.filter);
  if (query.after) {
    sql.add(" AND ");
    afterCursor(sql, key, descending, query.after);
  }
  const order = (prefix: string, id: string) =>
    `${prefix}sk_rank ${direction}, ${prefix}sk_real ${direction}, ${prefix}sk_exact ${direction}, ${prefix}sk_text ${direction}, ${id} ${direction}`;
  sql.add(
    ` ORDER BY ${order("", "runs.id")} LIMIT ? OFFSET ?) page JOIN runs ON runs.id = page.pageId`,
    query.limit,
    query.offset ?? 0,
  );
  sql.add(` ORDER BY ${order("page.", "page.pageId")}`);
  return sql;
}

export function compileRunCount(dialect: Dialect, projectId: number, filter: RunFilter): Sql {
  const sql = new Sql(dialect).extractOnce(jsonFields(filter)).add("SELECT count(*) AS n");
  sql.fromRuns(projectId).add(" AND ");
  compileFilter(sql, filter);
  return sql;
}

/**
 * The distinct values of a field among the matching runs, with their counts, in sort order (the
 * web table's "group by"); the raw value and type are turned into SQLite's shapes by the caller.
 */
export function compileRunGroups(
  dialect: Dialect,
  projectId: number,
  filter: RunFilter,
  field: RunField,
  limit: number,
): Sql {
  const key = sortKey(field);
  const sql = new Sql(dialect)
    .extractOnce(jsonFields(filter, field))
    .add(
      "SELECT g.sortRaw, g.sortType, count(*) AS n, min(g.sk_rank) AS r, min(g.sk_real) AS re, min(g.sk_exact) AS ex, min(g.sk_text) AS tx FROM (SELECT ",
    );
  sortColumns(sql, key);
  sql.add(", ");
  rawColumns(sql, field);
  sql.fromRuns(projectId).add(" AND ");
  compileFilter(sql, filter);
  sql.add(") g GROUP BY g.sortRaw, g.sortType ORDER BY r, re, ex, tx LIMIT ?", limit);
  return sql;
}
