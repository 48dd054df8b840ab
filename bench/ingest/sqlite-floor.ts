/**
 * The storage floor: the rows Ballast stores for a history line — the line itself in `run_history`
 * and one `metric_points` row per numeric key, `_runtime` and `_timestamp` included (Ballast keeps
 * every numeric leaf but `_step` as a series) — inserted straight into a fresh SQLite file with
 * node:sqlite, single-row prepared statements, one transaction per batch of `linesPerRequest` lines
 * of one run (what one file_stream request carries), runs interleaved, with Ballast's own schema (its
 * migrations, indexes included) and durability (WAL, synchronous=FULL). Only the transactions are
 * timed: building the lines is the generator's cost, not storage's. Ballast's downsample tiers
 * (`metric_tiers`) are not written: the floor is the raw rows.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { REPO_ROOT } from "../lib/child.ts";
import { latencySummary } from "../lib/stats.ts";
import type { IngestResult, Workload } from "../lib/types.ts";
import { historyLines } from "./generator.ts";

const MIGRATIONS = join(REPO_ROOT, "apps", "server", "src", "stores", "sqlite", "migrations");

async function openWithBallastSchema(path: string): Promise<DatabaseSync> {
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA temp_store = MEMORY");
  db.exec("PRAGMA cache_size = -65536");
  const files = (await readdir(MIGRATIONS)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  for (const file of files) db.exec(await readFile(join(MIGRATIONS, file), "utf8"));
  return db;
}

/** The series of a generated line in its key order (see historyLines): the metrics, then the times. */
function seriesNames(workload: Workload): string[] {
  return [
    ...Array.from({ length: workload.metricsPerStep }, (_, k) => `metric_${k}`),
    "_timestamp",
    "_runtime",
  ];
}

export async function sqliteFloor(workload: Workload): Promise<IngestResult> {
  const dir = await mkdtemp(join(tmpdir(), "ballast-floor-"));
  const db = await openWithBallastSchema(join(dir, "floor.sqlite"));
  try {
    const insertKey = db.prepare("INSERT INTO metric_keys (run_id, name) VALUES (?, ?)");
    const keyIds: number[][] = [];
    for (let run = 1; run <= workload.runs; run++) {
      const ids: number[] = [];
      for (const name of seriesNames(workload)) ids.push(Number(insertKey.run(run, name).lastInsertRowid));
      keyIds.push(ids);
    }
    const insertLine = db.prepare(
      "INSERT INTO run_history (run_id, line_no, step, line) VALUES (?, ?, ?, ?)",
    );
    const insertPoint = db.prepare("INSERT INTO metric_points (key_id, step, value) VALUES (?, ?, ?)");
    const begin = db.prepare("BEGIN IMMEDIATE");
    const commit = db.prepare("COMMIT");

    const startedAt = Date.now() / 1000;
    const latencies: number[] = [];
    let transactions = 0;
    for (let offset = 0; offset < workload.stepsPerRun; offset += workload.linesPerRequest) {
      const end = Math.min(workload.stepsPerRun, offset + workload.linesPerRequest);
      for (let run = 1; run <= workload.runs; run++) {
        const lines = historyLines(workload, offset, end, startedAt);
        // The values as the server would have them after parsing the line.
        const values = lines.map((line) => {
          const { _step, ...series } = JSON.parse(line) as Record<string, number>;
          return Object.values(series);
        });
        const keys = keyIds[run - 1] ?? [];
        const started = performance.now();
        begin.run();
        lines.forEach((line, i) => {
          const step = offset + i;
          insertLine.run(run, step, step, line);
          const row = values[i] ?? [];
          keys.forEach((keyId, k) => {
            insertPoint.run(keyId, step, row[k] ?? null);
          });
        });
        commit.run();
        latencies.push(performance.now() - started);
        transactions++;
      }
    }
    const seconds = latencies.reduce((a, b) => a + b, 0) / 1000;
    const points = workload.runs * workload.stepsPerRun * workload.metricsPerStep;
    return {
      system: "sqlite-floor",
      points,
      seconds,
      pointsPerSecond: points / seconds,
      requests: transactions,
      latencyMs: latencySummary(latencies),
      cpuSeconds: null,
      peakRssMb: null,
      notes: "in-process; transaction time only; raw rows (no downsample tiers); latency = one transaction",
    };
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
