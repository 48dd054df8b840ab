/**
 * The read side of runs on MySQL (RunReadRepository): the behaviour of
 * stores/sqlite/run-read.repository.ts, with the queries compiled by run-query.sql.ts and history
 * and metrics read through this store's async chunk and block readers.
 */
import { LinearRegex } from "@ballast/core";
import type { ProjectRecord, RunFileRecord, RunRecord, UserRecord } from "../records.ts";
import type { LineSample, RunReadRepository } from "../repositories.ts";
import type { RunCursor, RunField, RunFilter, RunGroup, RunQuery } from "../run-query.ts";
import { evenSample, hasKeys } from "../sqlite/history-sample.ts";
import type { MysqlDatabase } from "./database.ts";
import { HistoryReader } from "./history-chunks.ts";
import { sampleByStep } from "./history-sample.ts";
import { toUser, USER_SELECT, type UserRow } from "./identity.repository.ts";
import { SeriesReader } from "./metric-blocks.ts";
import { RUN_COLUMNS, type RunRow, toRun } from "./run.repository.ts";
import { compileRunCount, compileRunGroups, compileRunPage, type Dialect, Sql } from "./run-query.sql.ts";
import { fromDouble } from "./tiers.ts";

const marks = (values: readonly unknown[]) => values.map(() => "?").join(", ");

/** An integer's decimal text as a number, or a bigint beyond 2^53 (exact either way). */
function integer(text: string): number | bigint {
  const big = BigInt(text);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** A sort value as the SQLite store reports it, from the raw value and its type (run-query.sql.ts). */
function sqliteShape(raw: unknown, type: unknown): { value: RunCursor["value"]; type: string } {
  if (raw === null || raw === undefined) return { value: null, type: "null" };
  const text = Buffer.isBuffer(raw) ? raw.toString("utf8") : String(raw);
  switch (type) {
    case "column-number":
      return { value: Number(text), type: Number.isInteger(Number(text)) ? "integer" : "real" };
    case "column-text":
      return { value: text, type: "text" };
    case "INTEGER":
    case "UNSIGNED INTEGER":
      return { value: integer(text.trim()), type: "integer" };
    case "DOUBLE":
    case "DECIMAL":
      return { value: Number(text), type: "real" };
    case "BOOLEAN":
      return { value: text.trim() === "true" ? 1 : 0, type: text.trim() === "true" ? "true" : "false" };
    case "STRING":
      return { value: JSON.parse(text) as string, type: "text" };
    case "OBJECT":
      return { value: text, type: "object" };
    case "ARRAY":
      return { value: text, type: "array" };
    default:
      return { value: null, type: "null" };
  }
}

export class MysqlRunReadRepository implements RunReadRepository {
  private readonly db: MysqlDatabase;
  private dialect: Promise<Dialect> | undefined;

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  /** MySQL or MariaDB, asked once (a few functions differ: run-query.sql.ts). */
  private serverDialect(): Promise<Dialect> {
    this.dialect ??= this.db
      .get<{ v: string }>("SELECT VERSION() AS v")
      .then((row): Dialect => (/mariadb/i.test(row?.v ?? "") ? "mariadb" : "mysql"))
      .catch((error: unknown) => {
        this.dialect = undefined;
        throw error;
      });
    return this.dialect;
  }

  async listRuns(query: RunQuery): Promise<{ run: RunRecord; cursor: RunCursor }[]> {
    checkPatterns(query.filter);
    const sql = compileRunPage(await this.serverDialect(), query, RUN_COLUMNS);
    const rows = await this.db.all<RunRow & { sortRaw: unknown; sortType: unknown }>(sql.text, sql.params);
    return rows.map(({ sortRaw, sortType, ...row }) => ({
      run: toRun(row),
      cursor: { value: sqliteShape(sortRaw, sortType).value, id: row.id },
    }));
  }

  async countRuns(projectId: number, filter: RunFilter): Promise<number> {
    checkPatterns(filter);
    const sql = compileRunCount(await this.serverDialect(), projectId, filter);
    return Number((await this.db.get<{ n: number }>(sql.text, sql.params))?.n ?? 0);
  }

  async groupRuns(projectId: number, filter: RunFilter, field: RunField, limit: number): Promise<RunGroup[]> {
    checkPatterns(filter);
    const sql = compileRunGroups(await this.serverDialect(), projectId, filter, field, limit);
    const rows = await this.db.all<{ sortRaw: unknown; sortType: unknown; n: number }>(sql.text, sql.params);
    return rows.map(({ sortRaw, sortType, n }) => {
      const shaped = sqliteShape(sortRaw, sortType);
      // Integers as decimal text, like the SQLite store's groups.
      const value =
        typeof shaped.value === "bigint" || shaped.type === "integer" ? String(shaped.value) : shaped.value;
      return { value, type: shaped.type, count: Number(n) };
    });
  }

  async usersByIds(ids: readonly number[]): Promise<Map<number, UserRecord>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.db.all<UserRow>(`${USER_SELECT} WHERE u.id IN (${marks(unique)})`, unique);
    return new Map(rows.map((row) => [Number(row.id), toUser(row)]));
  }

  async userOfEntity(entityId: number): Promise<UserRecord | undefined> {
    const row = await this.db.get<UserRow>(
      `${USER_SELECT} WHERE u.default_entity_id = ? AND e.kind = 'user'`,
      [entityId],
    );
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
    const lastStep = await (await HistoryReader.open(this.db, runId)).lastStep();
    const keys = await this.db.all<{ name: string; value: number | null }>(
      "SELECT name, last_value AS value FROM metric_keys WHERE run_id = ? AND last_step IS NOT NULL ORDER BY name",
      [runId],
    );
    return { lastStep, keys: keys.map(({ name, value }) => ({ name, value: fromDouble(value) })) };
  }

  async sampleLines(sample: LineSample): Promise<string[]> {
    const s = Math.max(2, Math.floor(sample.samples));
    if (sample.file === "history") {
      const long = await sampleByStep(this.db, sample, s);
      if (long) return long;
      const reader = await HistoryReader.open(this.db, sample.runId);
      const inRange =
        (await reader.linesInRange(
          sample.minStep ?? Number.MIN_SAFE_INTEGER,
          sample.maxStep ?? Number.MAX_SAFE_INTEGER,
          Number.POSITIVE_INFINITY,
        )) ?? [];
      const keys = sample.keys;
      const lines = keys && keys.length > 0 ? inRange.filter((l) => hasKeys(l.line, keys)) : inRange;
      return evenSample(lines.length, s).map((i) => lines[i]?.line ?? "");
    }
    // Events: the line numbers first (small), the sample chosen here, then just those lines.
    const numbers = await this.db.all<{ lineNo: number }>(
      "SELECT line_no AS lineNo FROM run_events WHERE run_id = ? ORDER BY line_no",
      [sample.runId],
    );
    const chosen = evenSample(numbers.length, s).map((i) => numbers[i]?.lineNo ?? 0);
    if (chosen.length === 0) return [];
    const rows = await this.db.all<{ line: string }>(
      `SELECT line FROM run_events WHERE run_id = ? AND line_no IN (${marks(chosen)}) ORDER BY line_no`,
      [sample.runId, ...chosen],
    );
    return rows.map((row) => row.line);
  }

  async metricStepRange(keyId: number, minStep: number, maxStep: number) {
    const series = await SeriesReader.open(this.db, keyId);
    const first = await series.firstAtOrAfter(minStep, maxStep + 1);
    const last = await series.lastBefore(maxStep + 1, minStep);
    return first !== undefined && last !== undefined ? { first, last } : undefined;
  }

  async countRunFiles(runId: number): Promise<number> {
    return Number(
      (await this.db.get<{ n: number }>("SELECT count(*) AS n FROM run_files WHERE run_id = ?", [runId]))
        ?.n ?? 0,
    );
  }

  async runFiles(
    runId: number,
    options: { names: readonly string[] | null; pattern: string | null; afterName: string; limit: number },
  ): Promise<RunFileRecord[]> {
    const sql = new Sql("mysql").add(
      `SELECT run_id AS runId, name, size, md5, storage_key AS storageKey, created_at AS createdAt,
         updated_at AS updatedAt FROM run_files WHERE run_id = ? AND name > ?`,
      runId,
      options.afterName,
    );
    if (options.names) {
      if (options.names.length === 0) return [];
      sql.add(` AND name IN (${marks(options.names)})`, ...options.names);
    }
    // MySQL's own LIKE, as the client documents (`%.json`); `\\` escapes.
    if (options.pattern !== null) sql.add(" AND name LIKE ?", options.pattern);
    sql.add(" ORDER BY name LIMIT ?", options.limit);
    return this.db.all<RunFileRecord>(sql.text, sql.params);
  }

  async setRunState(runId: number, state: string, now: number): Promise<void> {
    await this.db.run("UPDATE runs SET state = ?, updated_at = ? WHERE id = ?", [state, now, runId]);
  }

  async deleteRun(runId: number, deleteArtifacts: boolean, now: number): Promise<{ storageKeys: string[] }> {
    return this.db.transaction(async (tx) => {
      const files = await tx.all<{ key: string }>(
        "SELECT storage_key AS `key` FROM run_files WHERE run_id = ?",
        [runId],
      );
      await tx.run("DELETE t FROM metric_tiers t JOIN metric_keys k ON k.id = t.key_id WHERE k.run_id = ?", [
        runId,
      ]);
      await tx.run("DELETE b FROM metric_blocks b JOIN metric_keys k ON k.id = b.key_id WHERE k.run_id = ?", [
        runId,
      ]);
      for (const table of [
        "metric_keys",
        "history_chunks",
        "run_events",
        "run_logs",
        "run_files",
        "run_alerts",
      ]) {
        await tx.run(`DELETE FROM ${table} WHERE run_id = ?`, [runId]);
      }
      await tx.run("DELETE FROM artifact_usages WHERE run_id = ?", [runId]);
      if (deleteArtifacts) {
        await tx.run(
          "DELETE al FROM artifact_aliases al JOIN artifacts a ON a.id = al.artifact_id WHERE a.run_id = ?",
          [runId],
        );
        await tx.run("UPDATE artifacts SET state = 'DELETED', updated_at = ? WHERE run_id = ?", [now, runId]);
      }
      await tx.run("UPDATE artifacts SET run_id = NULL WHERE run_id = ?", [runId]);
      await tx.run("DELETE FROM runs WHERE id = ?", [runId]);
      return { storageKeys: files.map((row) => row.key) };
    });
  }
}

/** `$regex` patterns must be RE2 (linear time) before the engine's REGEXP sees them. */
function checkPatterns(filter: RunFilter): void {
  switch (filter.kind) {
    case "and":
    case "or":
      for (const item of filter.items) checkPatterns(item);
      return;
    case "not":
      checkPatterns(filter.item);
      return;
    case "regex":
      new LinearRegex(filter.ignoreCase ? `(?i)${filter.pattern}` : filter.pattern);
      return;
    default:
      return;
  }
}
