/**
 * Metric key ids of runs on MySQL: one row per (run, flattened metric name) in `metric_keys`, cached
 * per run in the process like the SQLite store does. Two things are different here:
 *
 * - A transaction may be run again whole after a deadlock (database.ts), and one that rolls back
 *   takes its new keys with it. Ids inserted by a transaction are kept aside (`newKeys`) and enter
 *   the cache only after it committed (`remember`); ids read from the table are committed already.
 * - Other replicas add keys to the same runs, so a name missing from the cache may exist: keys are
 *   inserted with ON DUPLICATE KEY (the existing row wins) and their ids read back by name.
 *
 * `name` is VARCHAR(760) in utf8mb4_bin, a PAD SPACE collation on both MySQL 8 and MariaDB 10.11:
 * names that differ only in trailing spaces are one key there (SQLite keeps them apart), so ids read
 * back are matched by the name without its trailing spaces, as the unique index matches them.
 */
import { AppError } from "@ballast/core";
import type { Queryable } from "./database.ts";

/** The width of metric_keys.name (migrations/0002_runs.sql), in characters. */
export const METRIC_NAME_MAX = 760;

/** Runs whose keys are cached; past this the cache starts over (as the SQLite store's does). */
const CACHED_RUNS = 1000;

/** Names per INSERT and per SELECT … IN: 760 characters each, far from max_allowed_packet. */
const NAMES_PER_STATEMENT = 500;

/** How the unique index on (run_id, name) compares names: trailing spaces do not count. */
const padded = (name: string) => name.replace(/ +$/, "");

export class MetricKeyCache {
  /** (run id) → (metric name → key id), committed ids only. */
  private readonly byRun = new Map<number, Map<string, number>>();

  /** Refuses a request whose metric names do not fit the column, before anything is written. */
  check(names: readonly string[]): void {
    for (const name of names) {
      if (name.length > METRIC_NAME_MAX && [...name].length > METRIC_NAME_MAX) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `Metric name "${name.slice(0, 80)}…" is ${[...name].length} characters long; at most ${METRIC_NAME_MAX} are stored.`,
        );
      }
    }
  }

  /**
   * The key id of each of `names` (in that order) for the run, inserting the missing keys inside
   * `tx`; ids inserted here go to `newKeys` until the transaction has committed.
   */
  async ids(
    tx: Queryable,
    runId: number,
    names: readonly string[],
    newKeys: Map<string, number>,
  ): Promise<number[]> {
    let cache = this.byRun.get(runId);
    if (!cache) {
      if (this.byRun.size >= CACHED_RUNS) this.byRun.clear();
      const rows = await tx.all<{ id: number; name: string }>(
        "SELECT id, name FROM metric_keys WHERE run_id = ?",
        [runId],
      );
      cache = new Map(rows.map((r) => [r.name, r.id]));
      this.byRun.set(runId, cache);
    }
    const known = cache;
    const missing = [...new Set(names.filter((name) => !known.has(name) && !newKeys.has(name)))];
    for (let at = 0; at < missing.length; at += NAMES_PER_STATEMENT) {
      const part = missing.slice(at, at + NAMES_PER_STATEMENT);
      await tx.runBatch(
        "INSERT INTO metric_keys (run_id, name)",
        2,
        part.flatMap((name) => [runId, name]),
        "ON DUPLICATE KEY UPDATE id = id",
      );
      const rows = await tx.all<{ id: number; name: string }>(
        `SELECT id, name FROM metric_keys WHERE run_id = ? AND name IN (${part.map(() => "?").join(", ")})`,
        [runId, ...part],
      );
      const byPadded = new Map(rows.map((r) => [padded(r.name), r.id]));
      for (const name of part) {
        const id = byPadded.get(padded(name));
        if (id === undefined) throw new Error(`metric key "${name}" of run ${runId} vanished`);
        newKeys.set(name, id);
      }
    }
    return names.map((name) => known.get(name) ?? newKeys.get(name) ?? 0);
  }

  /** Keeps the keys a committed transaction inserted. */
  remember(runId: number, newKeys: ReadonlyMap<string, number>): void {
    const cache = this.byRun.get(runId);
    if (cache) for (const [name, id] of newKeys) cache.set(name, id);
  }
}
