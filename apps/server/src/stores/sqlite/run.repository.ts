import {
  type FileStreamWrite,
  type HistoryBatch,
  type RunFields,
  type RunFileRecord,
  type RunRecord,
  TIER_BASE,
  TIER_LEVELS,
} from "../records.ts";
import type { NewAlert, NewRunInput, RunRepository } from "../repositories.ts";
import type { SqliteDatabase } from "./database.ts";
import { appendLines, HistoryReader, storedLines } from "./history-chunks.ts";
import { appendPoints, SeriesReader } from "./metric-blocks.ts";

/** The columns of a RunRecord (unqualified: select them from `runs` without joins). */
export const RUN_COLUMNS = `id, project_id AS projectId, name, user_id AS userId, display_name AS displayName,
  description, notes, group_name AS groupName, job_type AS jobType, host, program, git_commit AS gitCommit,
  git_repo AS gitRepo, sweep_name AS sweepName, tags, config, summary, state, exit_code AS exitCode,
  stop_requested AS stopRequested, history_line_count AS historyLineCount, events_line_count AS eventsLineCount,
  log_line_count AS logLineCount, created_at AS createdAt, updated_at AS updatedAt, heartbeat_at AS heartbeatAt,
  finished_at AS finishedAt`;

export type RunRow = Omit<RunRecord, "stopRequested"> & { stopRequested: number };

export function toRun(row: RunRow): RunRecord {
  return { ...row, stopRequested: row.stopRequested === 1 };
}

const FIELD_COLUMNS: Record<keyof RunFields, string> = {
  displayName: "display_name",
  description: "description",
  notes: "notes",
  groupName: "group_name",
  jobType: "job_type",
  host: "host",
  program: "program",
  gitCommit: "git_commit",
  gitRepo: "git_repo",
  sweepName: "sweep_name",
  tags: "tags",
  config: "config",
  summary: "summary",
  state: "state",
};

const TERMINAL_STATES = new Set(["finished", "failed", "crashed", "killed", "preempted"]);

/** One open tier bucket of one series: min/max over its points, and the value at its highest step. */
interface OpenBucket {
  bucket: number;
  min: number | null;
  max: number | null;
  lastStep: number;
  last: number | null;
}

/**
 * Aggregates a request's points into tier buckets. Steps mostly arrive in order, so each series keeps
 * one open bucket per level and emits it when a step leaves it. Points feed the finest level only;
 * a bucket that closes is rolled up into the next level's open bucket (the levels nest), so a point
 * costs one bucket update, not one per level. A bucket emitted twice (steps out of order) is merged
 * by the upsert, whose min/max/last merge is order-independent.
 */
export class TierAccumulator {
  private readonly open = new Map<number, (OpenBucket | undefined)[]>();
  private readonly out: (number | null)[] = [];

  add(keyId: number, step: number, value: number | null): void {
    let levels = this.open.get(keyId);
    if (!levels) {
      levels = new Array<OpenBucket | undefined>(TIER_LEVELS.length);
      this.open.set(keyId, levels);
    }
    this.merge(keyId, levels, 0, {
      bucket: Math.floor(step / FINEST),
      min: value,
      max: value,
      lastStep: step,
      last: value,
    });
  }

  /** Folds `b` (a point, or a closed bucket of the level below) into level `i`'s open bucket. */
  private merge(keyId: number, levels: (OpenBucket | undefined)[], i: number, b: OpenBucket): void {
    const current = levels[i];
    const bucket = i === 0 ? b.bucket : Math.floor(b.lastStep / (TIER_SIZES[i] ?? 1));
    if (current === undefined || current.bucket !== bucket) {
      if (current !== undefined) this.close(keyId, levels, i, current);
      levels[i] = { ...b, bucket };
      return;
    }
    if (b.min !== null) current.min = current.min === null || b.min < current.min ? b.min : current.min;
    if (b.max !== null) current.max = current.max === null || b.max > current.max ? b.max : current.max;
    if (b.lastStep >= current.lastStep) {
      current.lastStep = b.lastStep;
      current.last = b.last;
    }
  }

  private close(keyId: number, levels: (OpenBucket | undefined)[], i: number, b: OpenBucket): void {
    this.out.push(keyId, TIER_LEVELS[i] ?? 0, b.bucket, b.min, b.max, b.lastStep, b.last);
    if (i + 1 < TIER_LEVELS.length) this.merge(keyId, levels, i + 1, b);
  }

  /** Every bucket touched, as flattened (key, level, bucket, min, max, last_step, last) rows. */
  rows(): (number | null)[] {
    for (const [keyId, levels] of this.open) {
      for (let i = 0; i < levels.length; i++) {
        const bucket = levels[i];
        levels[i] = undefined;
        if (bucket !== undefined) this.close(keyId, levels, i, bucket);
      }
    }
    this.open.clear();
    return this.out;
  }
}

const TIER_SIZES = TIER_LEVELS.map((level) => TIER_BASE ** level);
const FINEST = TIER_SIZES[0] ?? 1;

/** Runs, their line-indexed file_stream data, the per-metric layout and run files. */
export class SqliteRunRepository implements RunRepository {
  private readonly db: SqliteDatabase;
  /** (run id) → (metric name → key id); filled only after the inserting transaction commits. */
  private readonly metricKeyCache = new Map<number, Map<string, number>>();
  /** file_stream writes waiting for the next group commit. */
  private pending: {
    runId: number;
    write: FileStreamWrite;
    resolve: (value: { stopRequested: boolean }) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async findRun(projectId: number, name: string): Promise<RunRecord | undefined> {
    const row = this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE project_id = ? AND name = ?`, [
      projectId,
      name,
    ]);
    return row && toRun(row);
  }

  async findRunById(id: number): Promise<RunRecord | undefined> {
    const row = this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
    return row && toRun(row);
  }

  async countRuns(projectId: number): Promise<number> {
    return (
      this.db.get<{ n: number }>("SELECT count(*) AS n FROM runs WHERE project_id = ?", [projectId])?.n ?? 0
    );
  }

  /** Creates the run or updates the given fields; `undefined` fields stay as they are. */
  async upsertRun(input: NewRunInput): Promise<{ run: RunRecord; inserted: boolean }> {
    return this.db.transaction(() => {
      const existing = this.db.get<{ id: number }>("SELECT id FROM runs WHERE project_id = ? AND name = ?", [
        input.projectId,
        input.name,
      ]);
      const sets: string[] = [];
      const values: (string | number | null)[] = [];
      for (const [field, column] of Object.entries(FIELD_COLUMNS) as [keyof RunFields, string][]) {
        const value = input.fields[field];
        if (value === undefined) continue;
        sets.push(column);
        values.push(typeof value === "string" ? value : JSON.stringify(value));
      }
      let id: number;
      if (existing) {
        id = existing.id;
        const assignments = [...sets.map((c) => `${c} = ?`), "updated_at = ?"].join(", ");
        this.db.run(`UPDATE runs SET ${assignments} WHERE id = ?`, [...values, input.now, id]);
      } else {
        if (input.fields.displayName === undefined) {
          const count = this.db.get<{ n: number }>("SELECT count(*) AS n FROM runs WHERE project_id = ?", [
            input.projectId,
          ]);
          sets.push("display_name");
          values.push(input.defaultDisplayName((count?.n ?? 0) + 1));
        }
        const columns = [
          "project_id",
          "name",
          "user_id",
          "created_at",
          "updated_at",
          "heartbeat_at",
          ...sets,
        ];
        id = this.db.run(
          `INSERT INTO runs (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
          [input.projectId, input.name, input.userId, input.now, input.now, input.now, ...values],
        ).lastInsertRowid;
      }
      const row = this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
      if (!row) throw new Error("run vanished inside its own transaction");
      return { run: toRun(row), inserted: !existing };
    });
  }

  /**
   * Applies one file_stream request atomically. Line i of a file is stored at offset+i: history lines
   * are written once (a resend is a no-op, so each step is stored exactly once), events and console
   * lines are overwritten (the client rewrites console lines for `\r` progress bars, and restarts events
   * at 0 when a run is initialised again without resume), the summary is replaced whole.
   */
  async applyFileStream(runId: number, write: FileStreamWrite): Promise<{ stopRequested: boolean }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ runId, write, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.commitPending());
    });
  }

  /**
   * Group commit: the file_stream requests that arrived since the last commit are applied in one
   * transaction (one WAL fsync for all), each inside its own savepoint so a failing one is rolled back
   * alone. Every caller is answered only after the COMMIT: a 2xx still means durable.
   */
  private commitPending(): void {
    const batch = this.pending;
    this.pending = [];
    const outcomes: (
      | { ok: true; value: { stopRequested: boolean }; newKeys: Map<string, number> }
      | { ok: false; error: unknown }
    )[] = [];
    try {
      this.db.transaction(() => {
        for (const item of batch) {
          const newKeys = new Map<string, number>();
          this.db.exec("SAVEPOINT file_stream");
          try {
            const value = this.applyOne(item.runId, item.write, newKeys);
            this.db.exec("RELEASE file_stream");
            outcomes.push({ ok: true, value, newKeys });
          } catch (error) {
            this.db.exec("ROLLBACK TO file_stream");
            this.db.exec("RELEASE file_stream");
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    for (const [i, item] of batch.entries()) {
      const outcome = outcomes[i];
      if (!outcome) {
        item.reject(new Error("file_stream write lost its outcome"));
      } else if (!outcome.ok) {
        item.reject(outcome.error);
      } else {
        const cache = this.metricKeyCache.get(item.runId);
        if (cache) for (const [name, id] of outcome.newKeys) cache.set(name, id);
        item.resolve(outcome.value);
      }
    }
  }

  private applyOne(
    runId: number,
    write: FileStreamWrite,
    newKeys: Map<string, number>,
  ): { stopRequested: boolean } {
    let historyEnd = 0;
    if (write.history && write.history.texts.length > 0) {
      historyEnd = this.writeHistory(runId, write.history, newKeys);
    }
    let eventsEnd = 0;
    if (write.events && write.events.lines.length > 0) {
      const { offset, lines } = write.events;
      // Last write wins: a run initialised again with the same id and no resume restarts its events
      // at offset 0 (its history continues at historyLineCount), and a resend is the same line anyway.
      lines.forEach((line, i) => {
        this.db.run(
          "INSERT INTO run_events (run_id, line_no, line) VALUES (?, ?, ?) ON CONFLICT (run_id, line_no) DO UPDATE SET line = excluded.line",
          [runId, offset + i, line],
        );
      });
      eventsEnd = offset + lines.length;
    }
    let logsEnd = 0;
    if (write.logs && write.logs.lines.length > 0) {
      const { offset, lines } = write.logs;
      lines.forEach((line, i) => {
        this.db.run(
          "INSERT INTO run_logs (run_id, line_no, line) VALUES (?, ?, ?) ON CONFLICT (run_id, line_no) DO UPDATE SET line = excluded.line",
          [runId, offset + i, line],
        );
      });
      logsEnd = offset + lines.length;
    }

    const row = this.db.get<{ state: string; stop_requested: number }>(
      "SELECT state, stop_requested FROM runs WHERE id = ?",
      [runId],
    );
    if (!row) throw new Error(`run ${runId} vanished`);
    let state = row.state;
    let exitCode: number | null | undefined;
    let finishedAt: number | null | undefined;
    if (write.complete) {
      state = row.stop_requested === 1 ? "killed" : write.complete.exitCode === 0 ? "finished" : "failed";
      exitCode = write.complete.exitCode;
      finishedAt = write.now;
    } else if (write.preempting) {
      state = "preempting";
    } else if (TERMINAL_STATES.has(state)) {
      // A finished or crashed run that streams again has been resumed (or its client came back).
      state = "running";
      exitCode = null;
      finishedAt = null;
    }
    this.db.run(
      `UPDATE runs SET
         history_line_count = max(history_line_count, ?),
         events_line_count = max(events_line_count, ?),
         log_line_count = max(log_line_count, ?),
         summary = coalesce(?, summary),
         state = ?,
         exit_code = CASE WHEN ? THEN ? ELSE exit_code END,
         finished_at = CASE WHEN ? THEN ? ELSE finished_at END,
         heartbeat_at = ?, updated_at = ?
       WHERE id = ?`,
      [
        historyEnd,
        eventsEnd,
        logsEnd,
        write.summary ?? null,
        state,
        exitCode !== undefined ? 1 : 0,
        exitCode ?? null,
        finishedAt !== undefined ? 1 : 0,
        finishedAt ?? null,
        write.now,
        write.now,
        runId,
      ],
    );
    return { stopRequested: row.stop_requested === 1 };
  }

  private metricKeyId(runId: number, name: string, newKeys: Map<string, number>): number {
    let cache = this.metricKeyCache.get(runId);
    if (!cache) {
      if (this.metricKeyCache.size > 1000) this.metricKeyCache.clear();
      cache = new Map(
        this.db
          .all<{ id: number; name: string }>("SELECT id, name FROM metric_keys WHERE run_id = ?", [runId])
          .map((r) => [r.name, r.id]),
      );
      this.metricKeyCache.set(runId, cache);
    }
    const known = cache.get(name) ?? newKeys.get(name);
    if (known !== undefined) return known;
    const id = this.db.run("INSERT INTO metric_keys (run_id, name) VALUES (?, ?)", [
      runId,
      name,
    ]).lastInsertRowid;
    newKeys.set(name, id);
    return id;
  }

  private writeHistory(runId: number, history: HistoryBatch, newKeys: Map<string, number>): number {
    const { offset, texts, steps, starts, keys, values } = history;
    const end = offset + texts.length;
    // Lines already stored (a resend after a lost response) are skipped whole: their metrics are in.
    const stored = storedLines(this.db, runId, offset, end);
    const keyIds = history.names.map((name) => this.metricKeyId(runId, name, newKeys));
    let span = 0;
    // New lines go in as chunks, one per stretch of consecutive line numbers not yet stored.
    for (let i = 0; i < texts.length; ) {
      if (stored.has(offset + i)) {
        i++;
        continue;
      }
      let j = i;
      while (j < texts.length && !stored.has(offset + j)) j++;
      span = Math.max(span, appendLines(this.db, runId, offset + i, texts.slice(i, j), steps.subarray(i, j)));
      i = j;
    }
    if (span > 0) {
      this.db.run("UPDATE runs SET history_step_span = max(history_step_span, ?) WHERE id = ?", [
        span,
        runId,
      ]);
    }
    const series = new Map<number, { steps: number[]; values: number[] }>();
    const tiers = new TierAccumulator();
    for (let i = 0; i < texts.length; i++) {
      if (stored.has(offset + i)) continue;
      const step = steps[i] ?? offset + i;
      for (let j = starts[i] ?? 0; j < (starts[i + 1] ?? 0); j++) {
        const keyId = keyIds[keys[j] ?? 0] ?? 0;
        const value = values[j] ?? Number.NaN;
        let points = series.get(keyId);
        if (!points) {
          points = { steps: [], values: [] };
          series.set(keyId, points);
        }
        points.steps.push(step);
        points.values.push(value);
        tiers.add(keyId, step, Number.isNaN(value) ? null : value);
      }
    }
    appendPoints(this.db, series);
    this.db.runBatch(
      "INSERT INTO metric_tiers (key_id, level, bucket, min_value, max_value, last_step, last_value)",
      7,
      tiers.rows(),
      `ON CONFLICT (key_id, level, bucket) DO UPDATE SET
         min_value = CASE WHEN min_value IS NULL THEN excluded.min_value
                          WHEN excluded.min_value IS NULL THEN min_value
                          ELSE min(min_value, excluded.min_value) END,
         max_value = CASE WHEN max_value IS NULL THEN excluded.max_value
                          WHEN excluded.max_value IS NULL THEN max_value
                          ELSE max(max_value, excluded.max_value) END,
         last_value = CASE WHEN excluded.last_step >= last_step THEN excluded.last_value ELSE last_value END,
         last_step = max(last_step, excluded.last_step)`,
    );
    return end;
  }

  async lastLine(runId: number, file: "history" | "events"): Promise<string | undefined> {
    if (file === "history") return new HistoryReader(this.db, runId).lastLine();
    return this.db.get<{ line: string }>(
      "SELECT line FROM run_events WHERE run_id = ? ORDER BY line_no DESC LIMIT 1",
      [runId],
    )?.line;
  }

  async historyLines(
    runId: number,
    fromLine: number,
    limit: number,
  ): Promise<{ lineNo: number; line: string }[]> {
    return new HistoryReader(this.db, runId)
      .linesFrom(fromLine, limit)
      .map(({ lineNo, line }) => ({ lineNo, line }));
  }

  async logLines(
    runId: number,
    fromLine: number,
    limit: number,
  ): Promise<{ lineNo: number; line: string }[]> {
    return this.db.all(
      "SELECT line_no AS lineNo, line FROM run_logs WHERE run_id = ? AND line_no >= ? ORDER BY line_no LIMIT ?",
      [runId, fromLine, limit],
    );
  }

  async metricKeyIdByName(runId: number, name: string): Promise<number | undefined> {
    return this.db.get<{ id: number }>("SELECT id FROM metric_keys WHERE run_id = ? AND name = ?", [
      runId,
      name,
    ])?.id;
  }

  async metricPoints(keyId: number, minStep: number, maxStep: number, limit: number) {
    const { steps, values } = new SeriesReader(this.db, keyId).points(minStep, maxStep, limit);
    return steps.map((step, i) => {
      const value = values[i] ?? Number.NaN;
      return { step, value: Number.isNaN(value) ? null : value };
    });
  }

  async metricTiers(keyId: number, level: number, minBucket: number, maxBucket: number) {
    return this.db.all<{
      bucket: number;
      min: number | null;
      max: number | null;
      lastStep: number;
      last: number | null;
    }>(
      `SELECT bucket, min_value AS min, max_value AS max, last_step AS lastStep, last_value AS last
       FROM metric_tiers WHERE key_id = ? AND level = ? AND bucket BETWEEN ? AND ? ORDER BY bucket`,
      [keyId, level, minBucket, maxBucket],
    );
  }

  /** Marks running runs whose client went silent before `cutoff` as crashed; returns how many. */
  async markSilentRunsCrashed(cutoff: number, now: number): Promise<number> {
    return this.db.run(
      "UPDATE runs SET state = 'crashed', updated_at = ? WHERE state IN ('running', 'preempting') AND heartbeat_at < ?",
      [now, cutoff],
    ).changes;
  }

  async upsertRunFile(file: Omit<RunFileRecord, "createdAt" | "updatedAt">, now: number): Promise<void> {
    this.db.run(
      `INSERT INTO run_files (run_id, name, size, md5, storage_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, name) DO UPDATE SET size = excluded.size, md5 = excluded.md5,
         storage_key = excluded.storage_key, updated_at = excluded.updated_at`,
      [file.runId, file.name, file.size, file.md5, file.storageKey, now, now],
    );
  }

  async addAlert(alert: NewAlert): Promise<void> {
    this.db.run(
      "INSERT INTO run_alerts (run_id, title, text, severity, wait_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      [alert.runId, alert.title, alert.text, alert.severity, alert.waitSeconds, alert.now],
    );
  }
}
