import type { FileStreamWrite, RunFields, RunFileRecord, RunRecord } from "../records.ts";
import type { NewAlert, NewRunInput, RunRepository } from "../repositories.ts";
import type { MysqlDatabase, Queryable } from "./database.ts";
import { refuseTooLong } from "./errors.ts";
import { HistoryReader } from "./history-chunks.ts";
import { queryCopy } from "./json-query.ts";
import { SeriesReader } from "./metric-blocks.ts";
import { MetricKeyCache, writeHistory } from "./run-history.writer.ts";
import { readTiers } from "./tiers.ts";

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

/** The TEXT columns SQLite defaults and MySQL cannot (no DEFAULT on TEXT in MySQL 8's plain syntax). */
const INSERT_DEFAULTS: Readonly<Record<string, string>> = { tags: "[]", config: "{}", summary: "{}" };

const TERMINAL_STATES = new Set(["finished", "failed", "crashed", "killed", "preempted"]);

/** ER_DUP_ENTRY: the run was created by a writer that did not wait for the project lock. */
const DUPLICATE_ENTRY = 1062;

/** Runs, their line-indexed file_stream data, the per-metric layout and run files, on MySQL. */
export class MysqlRunRepository implements RunRepository {
  private readonly db: MysqlDatabase;
  private readonly metricKeys = new MetricKeyCache();

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  async findRun(projectId: number, name: string): Promise<RunRecord | undefined> {
    const row = await this.db.get<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE project_id = ? AND name = ?`,
      [projectId, name],
    );
    return row && toRun(row);
  }

  async findRunById(id: number): Promise<RunRecord | undefined> {
    const row = await this.db.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
    return row && toRun(row);
  }

  async countRuns(projectId: number): Promise<number> {
    const row = await this.db.get<{ n: number }>("SELECT count(*) AS n FROM runs WHERE project_id = ?", [
      projectId,
    ]);
    return Number(row?.n ?? 0);
  }

  /** Creates the run or updates the given fields; `undefined` fields stay as they are. */
  async upsertRun(input: NewRunInput): Promise<{ run: RunRecord; inserted: boolean }> {
    const sets: string[] = [];
    const values: (string | null)[] = [];
    for (const [field, column] of Object.entries(FIELD_COLUMNS) as [keyof RunFields, string][]) {
      const value = input.fields[field];
      if (value === undefined) continue;
      const text = typeof value === "string" ? value : JSON.stringify(value);
      sets.push(column);
      values.push(text);
      if (column === "config" || column === "summary") {
        // What queries read when the text is not strict JSON (json-query.ts).
        sets.push(`${column}_query`);
        values.push(queryCopy(text));
      }
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((tx) => this.upsertOnce(tx, input, sets, values));
      } catch (error) {
        if ((error as { errno?: number }).errno === DUPLICATE_ENTRY && attempt < 3) continue;
        throw refuseTooLong(error, "A run field is longer than its column allows");
      }
    }
  }

  private async upsertOnce(
    tx: Queryable,
    input: NewRunInput,
    sets: readonly string[],
    values: readonly (string | null)[],
  ): Promise<{ run: RunRecord; inserted: boolean }> {
    const find = () =>
      tx.get<{ id: number }>("SELECT id FROM runs WHERE project_id = ? AND name = ? FOR UPDATE", [
        input.projectId,
        input.name,
      ]);
    // The common case, an existing run: its row is locked and updated; the project is not touched.
    let existing = await find();
    if (!existing) {
      // Creations in one project take turns, so the ordinal counts every run created before this one
      // and a run created meanwhile by a concurrent request is found (READ COMMITTED sees it now).
      await tx.get("SELECT id FROM projects WHERE id = ? FOR UPDATE", [input.projectId]);
      existing = await find();
    }
    let id: number;
    if (existing) {
      id = existing.id;
      const assignments = [...sets.map((c) => `${c} = ?`), "updated_at = ?"].join(", ");
      await tx.run(`UPDATE runs SET ${assignments} WHERE id = ?`, [...values, input.now, id]);
    } else {
      const columns = [...sets];
      const row = [...values];
      if (input.fields.displayName === undefined) {
        const count = await tx.get<{ n: number }>("SELECT count(*) AS n FROM runs WHERE project_id = ?", [
          input.projectId,
        ]);
        columns.push("display_name");
        row.push(input.defaultDisplayName(Number(count?.n ?? 0) + 1));
      }
      for (const [column, value] of Object.entries(INSERT_DEFAULTS)) {
        if (columns.includes(column)) continue;
        columns.push(column);
        row.push(value);
      }
      const all = ["project_id", "name", "user_id", "created_at", "updated_at", "heartbeat_at", ...columns];
      id = (
        await tx.run(`INSERT INTO runs (${all.join(", ")}) VALUES (${all.map(() => "?").join(", ")})`, [
          input.projectId,
          input.name,
          input.userId,
          input.now,
          input.now,
          input.now,
          ...row,
        ])
      ).insertId;
    }
    const stored = await tx.get<RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
    if (!stored) throw new Error("run vanished inside its own transaction");
    return { run: toRun(stored), inserted: !existing };
  }

  /**
   * Applies one file_stream request atomically. Line i of a file is stored at offset+i: history lines
   * are written once (a resend is a no-op, so each step is stored exactly once), events and console
   * lines are overwritten (the client rewrites console lines for `\r` progress bars, and restarts events
   * at 0 when a run is initialised again without resume), the summary is replaced whole.
   */
  async applyFileStream(runId: number, write: FileStreamWrite): Promise<{ stopRequested: boolean }> {
    if (write.history) this.metricKeys.check(write.history.names);
    try {
      const { value, newKeys } = await this.db.transaction(async (tx) => {
        // Made afresh per attempt: a transaction retried after a deadlock inserts its keys again.
        const newKeys = new Map<string, number>();
        return { value: await this.applyOne(tx, runId, write, newKeys), newKeys };
      });
      // Only now are the new keys committed, and safe to remember.
      this.metricKeys.remember(runId, newKeys);
      return value;
    } catch (error) {
      throw refuseTooLong(error, "A file_stream line is longer than the database allows");
    }
  }

  private async applyOne(
    tx: Queryable,
    runId: number,
    write: FileStreamWrite,
    newKeys: Map<string, number>,
  ): Promise<{ stopRequested: boolean }> {
    // The run's row lock orders concurrent requests of one run (see the header).
    const row = await tx.get<{ state: string; stop_requested: number }>(
      "SELECT state, stop_requested FROM runs WHERE id = ? FOR UPDATE",
      [runId],
    );
    if (!row) throw new Error(`run ${runId} vanished`);
    let historyEnd = 0;
    if (write.history && write.history.texts.length > 0) {
      historyEnd = await writeHistory(tx, this.metricKeys, runId, write.history, newKeys);
    }
    let eventsEnd = 0;
    if (write.events && write.events.lines.length > 0) {
      // Last write wins: a run initialised again with the same id and no resume restarts its events
      // at offset 0 (its history continues at historyLineCount), and a resend is the same line anyway.
      await upsertLines(tx, "run_events", runId, write.events.offset, write.events.lines);
      eventsEnd = write.events.offset + write.events.lines.length;
    }
    let logsEnd = 0;
    if (write.logs && write.logs.lines.length > 0) {
      await upsertLines(tx, "run_logs", runId, write.logs.offset, write.logs.lines);
      logsEnd = write.logs.offset + write.logs.lines.length;
    }

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
    await tx.run(
      `UPDATE runs SET
         history_line_count = GREATEST(history_line_count, ?),
         events_line_count = GREATEST(events_line_count, ?),
         log_line_count = GREATEST(log_line_count, ?),
         summary = COALESCE(?, summary),
         summary_query = CASE WHEN ? THEN ? ELSE summary_query END,
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
        write.summary !== undefined ? 1 : 0,
        write.summary !== undefined ? queryCopy(write.summary) : null,
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

  async lastLine(runId: number, file: "history" | "events"): Promise<string | undefined> {
    if (file === "history") return (await HistoryReader.open(this.db, runId)).lastLine();
    const row = await this.db.get<{ line: string }>(
      "SELECT line FROM run_events WHERE run_id = ? ORDER BY line_no DESC LIMIT 1",
      [runId],
    );
    return row?.line;
  }

  async historyLines(
    runId: number,
    fromLine: number,
    limit: number,
  ): Promise<{ lineNo: number; line: string }[]> {
    const reader = await HistoryReader.open(this.db, runId);
    return (await reader.linesFrom(fromLine, limit)).map(({ lineNo, line }) => ({ lineNo, line }));
  }

  async logLines(
    runId: number,
    fromLine: number,
    limit: number,
  ): Promise<{ lineNo: number; line: string }[]> {
    const rows = await this.db.all<{ lineNo: number; line: string }>(
      "SELECT line_no AS lineNo, line FROM run_logs WHERE run_id = ? AND line_no >= ? ORDER BY line_no LIMIT ?",
      [runId, fromLine, limit],
    );
    return rows.map(({ lineNo, line }) => ({ lineNo, line }));
  }

  async metricKeyIdByName(runId: number, name: string): Promise<number | undefined> {
    const row = await this.db.get<{ id: number }>(
      "SELECT id FROM metric_keys WHERE run_id = ? AND name = ?",
      [runId, name],
    );
    return row?.id;
  }

  async metricPoints(keyId: number, minStep: number, maxStep: number, limit: number) {
    const reader = await SeriesReader.open(this.db, keyId);
    const { steps, values } = await reader.points(minStep, maxStep, limit);
    return steps.map((step, i) => {
      const value = values[i] ?? Number.NaN;
      return { step, value: Number.isNaN(value) ? null : value };
    });
  }

  async metricTiers(keyId: number, level: number, minBucket: number, maxBucket: number) {
    return readTiers(this.db, keyId, level, minBucket, maxBucket);
  }

  /** Marks running runs whose client went silent before `cutoff` as crashed; returns how many. */
  async markSilentRunsCrashed(cutoff: number, now: number): Promise<number> {
    // Every matched row changes (its state does), so the matched count mysql2 reports is the answer.
    return (
      await this.db.run(
        "UPDATE runs SET state = 'crashed', updated_at = ? WHERE state IN ('running', 'preempting') AND heartbeat_at < ?",
        [now, cutoff],
      )
    ).affectedRows;
  }

  async upsertRunFile(file: Omit<RunFileRecord, "createdAt" | "updatedAt">, now: number): Promise<void> {
    await this.db
      .run(
        `INSERT INTO run_files (run_id, name, size, md5, storage_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE size = VALUES(size), md5 = VALUES(md5),
           storage_key = VALUES(storage_key), updated_at = VALUES(updated_at)`,
        [file.runId, file.name, file.size, file.md5, file.storageKey, now, now],
      )
      .catch((error: unknown) => {
        throw refuseTooLong(error, "A run file name is longer than 760 characters");
      });
  }

  async addAlert(alert: NewAlert): Promise<void> {
    await this.db
      .run(
        "INSERT INTO run_alerts (run_id, title, text, severity, wait_seconds, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        [alert.runId, alert.title, alert.text, alert.severity, alert.waitSeconds, alert.now],
      )
      .catch((error: unknown) => {
        throw refuseTooLong(error, "An alert is longer than the database allows");
      });
  }
}

/** Bytes of line text per statement: well under max_allowed_packet (64 MB by default). */
const LINE_BATCH_BYTES = 4 * 1024 * 1024;

/** Lines `offset + i` of a run's events or console output, a line sent again replacing the stored one. */
async function upsertLines(
  tx: Queryable,
  table: "run_events" | "run_logs",
  runId: number,
  offset: number,
  lines: readonly string[],
): Promise<void> {
  const flush = (rows: (number | string)[]) =>
    tx.runBatch(
      `INSERT INTO ${table} (run_id, line_no, line)`,
      3,
      rows,
      "ON DUPLICATE KEY UPDATE line = VALUES(line)",
      rows.length / 3,
    );
  let rows: (number | string)[] = [];
  let bytes = 0;
  for (const [i, line] of lines.entries()) {
    // UTF-16 length × 3 bounds the UTF-8 (and escaped) size without encoding the line.
    const size = line.length * 3;
    if (rows.length > 0 && (bytes + size > LINE_BATCH_BYTES || rows.length >= 3 * 500)) {
      await flush(rows);
      rows = [];
      bytes = 0;
    }
    rows.push(runId, offset + i, line);
    bytes += size;
  }
  if (rows.length > 0) await flush(rows);
}
