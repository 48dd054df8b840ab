import type { SQLInputValue } from "node:sqlite";
import { LinearRegex } from "@ballast/core";
import type { ProjectRecord, RunFileRecord, RunRecord, UserRecord } from "../records.ts";
import type { LineSample, RunReadRepository } from "../repositories.ts";
import type { RunCursor, RunField, RunFilter, RunGroup, RunQuery } from "../run-query.ts";
import type { SqliteDatabase } from "./database.ts";
import { HistoryReader } from "./history-chunks.ts";
import { evenSample, hasKeys, sampleByStep } from "./history-sample.ts";
import { toUser, USER_SELECT, type UserRow } from "./identity.repository.ts";
import { SeriesReader } from "./metric-blocks.ts";
import { RUN_COLUMNS, type RunRow, toRun } from "./run.repository.ts";
import { compileRunCount, compileRunGroups, compileRunPage, REGEXP_FUNCTION, Sql } from "./run-query.sql.ts";

/** `$regex` looks at most this much of a value: linear time in it, and a bounded cost per row. */
const MAX_REGEX_INPUT = 64 * 1024;

/** The page's sort value as the cursor keeps it; integers arrive as text so big ones stay exact. */
function sortValue(value: unknown, type: unknown): RunCursor["value"] {
  if (type === "integer" && typeof value === "string") {
    const big = BigInt(value);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(big)
      : big;
  }
  if (typeof value === "number" || typeof value === "string") return value;
  return null;
}

/**
 * Selects every `samples`-th line evenly, always the first and the last: row `rn` of `n` is kept
 * when it is ⌊k(n−1)/(s−1)⌋ for some k in 0..s−1, i.e. when k₀ = ⌈rn(s−1)/(n−1)⌉ maps back to it.
 * Exactly `s` rows when n > s; every row otherwise.
 */
const EVEN_SAMPLE = "(n <= ? OR ((((rn * (? - 1)) + n - 2) / (n - 1)) * (n - 1)) / (? - 1) = rn)";

/** The read side of runs on SQLite (see RunReadRepository). */
export class SqliteRunReadRepository implements RunReadRepository {
  private readonly db: SqliteDatabase;
  private readonly patterns = new Map<string, LinearRegex>();

  constructor(db: SqliteDatabase) {
    this.db = db;
    // ballast_regexp(pattern, flags, value): RE2-syntax search in linear time (core LinearRegex).
    db.defineFunction(REGEXP_FUNCTION, (pattern, flags, value) => {
      if (typeof value !== "string" || typeof pattern !== "string") return null;
      const ignoreCase = flags === "i";
      const key = `${ignoreCase ? "i" : "-"}${pattern}`;
      let compiled = this.patterns.get(key);
      if (!compiled) {
        if (this.patterns.size > 256) this.patterns.clear();
        compiled = new LinearRegex(ignoreCase ? `(?i)${pattern}` : pattern);
        this.patterns.set(key, compiled);
      }
      return compiled.test(value.length > MAX_REGEX_INPUT ? value.slice(0, MAX_REGEX_INPUT) : value) ? 1 : 0;
    });
  }

  async listRuns(query: RunQuery): Promise<{ run: RunRecord; cursor: RunCursor }[]> {
    const sql = compileRunPage(query, RUN_COLUMNS);
    const rows = this.db.all<RunRow & { sortValue: unknown; sortType: unknown }>(sql.text, sql.params);
    return rows.map(({ sortValue: value, sortType, ...row }) => ({
      run: toRun(row),
      cursor: { value: sortValue(value, sortType), id: row.id },
    }));
  }

  async countRuns(projectId: number, filter: RunFilter): Promise<number> {
    const sql = compileRunCount(projectId, filter);
    return this.db.get<{ n: number }>(sql.text, sql.params)?.n ?? 0;
  }

  async groupRuns(projectId: number, filter: RunFilter, field: RunField, limit: number): Promise<RunGroup[]> {
    const sql = compileRunGroups(projectId, filter, field, limit);
    const rows = this.db.all<{ value: number | string | null; type: string; n: number }>(
      sql.text,
      sql.params,
    );
    return rows.map(({ value, type, n }) => ({ value, type, count: n }));
  }

  async usersByIds(ids: readonly number[]): Promise<Map<number, UserRecord>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = this.db.all<UserRow>(`${USER_SELECT} WHERE u.id IN (SELECT value FROM json_each(?))`, [
      JSON.stringify(unique),
    ]);
    return new Map(rows.map((row) => [row.id, toUser(row)]));
  }

  async userOfEntity(entityId: number): Promise<UserRecord | undefined> {
    const row = this.db.get<UserRow>(`${USER_SELECT} WHERE u.default_entity_id = ? AND e.kind = 'user'`, [
      entityId,
    ]);
    return row && toUser(row);
  }

  async projectsOfEntity(entityId: number, afterId: number, limit: number): Promise<ProjectRecord[]> {
    return this.db.all<ProjectRecord>(
      `SELECT p.id, p.entity_id AS entityId, e.name AS entityName, p.name, p.created_at AS createdAt
       FROM projects p JOIN entities e ON e.id = p.entity_id
       WHERE p.entity_id = ? AND p.id > ? ORDER BY p.id LIMIT ?`,
      [entityId, afterId, limit],
    );
  }

  async historyKeys(runId: number) {
    const lastStep = new HistoryReader(this.db, runId).lastStep();
    // Each series keeps its newest point (metric-blocks.ts).
    const keys = this.db.all<{ name: string; value: number | null }>(
      "SELECT name, last_value AS value FROM metric_keys WHERE run_id = ? AND last_step IS NOT NULL ORDER BY name",
      [runId],
    );
    return { lastStep, keys: keys.map(({ name, value }) => ({ name, value })) };
  }

  async sampleLines(sample: LineSample): Promise<string[]> {
    const s = Math.max(2, Math.floor(sample.samples));
    if (sample.file === "history") {
      const long = sampleByStep(this.db, sample, s);
      if (long) return long;
      const reader = new HistoryReader(this.db, sample.runId);
      const inRange =
        reader.linesInRange(
          sample.minStep ?? Number.MIN_SAFE_INTEGER,
          sample.maxStep ?? Number.MAX_SAFE_INTEGER,
          Number.POSITIVE_INFINITY,
        ) ?? [];
      const keys = sample.keys;
      const lines = keys && keys.length > 0 ? inRange.filter((l) => hasKeys(l.line, keys)) : inRange;
      return evenSample(lines.length, s).map((i) => lines[i]?.line ?? "");
    }
    // node:sqlite binds JS numbers as REAL; bigint binds INTEGER, as the integer division needs.
    const params: SQLInputValue[] = [sample.runId, BigInt(s), BigInt(s), BigInt(s)];
    return this.db
      .all<{ line: string }>(
        `SELECT line FROM (
           SELECT line_no, line, row_number() OVER (ORDER BY line_no) - 1 AS rn, count(*) OVER () AS n
           FROM run_events WHERE run_id = ?
         ) WHERE ${EVEN_SAMPLE} ORDER BY line_no`,
        params,
      )
      .map((row) => row.line);
  }

  async metricStepRange(keyId: number, minStep: number, maxStep: number) {
    const series = new SeriesReader(this.db, keyId);
    const first = series.firstAtOrAfter(minStep, maxStep + 1);
    const last = series.lastBefore(maxStep + 1, minStep);
    return first !== undefined && last !== undefined ? { first, last } : undefined;
  }

  async countRunFiles(runId: number): Promise<number> {
    return (
      this.db.get<{ n: number }>("SELECT count(*) AS n FROM run_files WHERE run_id = ?", [runId])?.n ?? 0
    );
  }

  async runFiles(
    runId: number,
    options: { names: readonly string[] | null; pattern: string | null; afterName: string; limit: number },
  ): Promise<RunFileRecord[]> {
    const sql = new Sql().add(
      `SELECT run_id AS runId, name, size, md5, storage_key AS storageKey, created_at AS createdAt,
         updated_at AS updatedAt FROM run_files WHERE run_id = ? AND name > ?`,
      runId,
      options.afterName,
    );
    if (options.names)
      sql.add(" AND name IN (SELECT value FROM json_each(?))", JSON.stringify(options.names));
    // MySQL LIKE syntax, as the client documents (`%.json`); `\` escapes.
    if (options.pattern !== null) sql.add(" AND name LIKE ? ESCAPE '\\'", options.pattern);
    sql.add(" ORDER BY name LIMIT ?", options.limit);
    return this.db.all<RunFileRecord>(sql.text, sql.params);
  }

  async setRunState(runId: number, state: string, now: number): Promise<void> {
    this.db.run("UPDATE runs SET state = ?, updated_at = ? WHERE id = ?", [state, now, runId]);
  }

  async deleteRun(runId: number, deleteArtifacts: boolean, now: number): Promise<{ storageKeys: string[] }> {
    return this.db.transaction(() => {
      const storageKeys = this.db
        .all<{ key: string }>("SELECT storage_key AS key FROM run_files WHERE run_id = ?", [runId])
        .map((row) => row.key);
      const keysOfRun = "SELECT id FROM metric_keys WHERE run_id = ?";
      this.db.run(`DELETE FROM metric_tiers WHERE key_id IN (${keysOfRun})`, [runId]);
      this.db.run(`DELETE FROM metric_blocks WHERE key_id IN (${keysOfRun})`, [runId]);
      for (const table of [
        "metric_keys",
        "history_chunks",
        "run_events",
        "run_logs",
        "run_files",
        "run_alerts",
      ]) {
        this.db.run(`DELETE FROM ${table} WHERE run_id = ?`, [runId]);
      }
      this.db.run("DELETE FROM artifact_usages WHERE run_id = ?", [runId]);
      if (deleteArtifacts) {
        this.db.run(
          "DELETE FROM artifact_aliases WHERE artifact_id IN (SELECT id FROM artifacts WHERE run_id = ?)",
          [runId],
        );
        this.db.run("UPDATE artifacts SET state = 'DELETED', updated_at = ? WHERE run_id = ?", [now, runId]);
      }
      this.db.run("UPDATE artifacts SET run_id = NULL WHERE run_id = ?", [runId]);
      this.db.run("DELETE FROM runs WHERE id = ?", [runId]);
      return { storageKeys };
    });
  }
}
