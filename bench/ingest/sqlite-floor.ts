/**
 * The storage floor: the rows Ballast stores for a batch of history lines — the lines as one
 * `history_chunks` row, and one packed `metric_blocks` row per numeric key (`_runtime` and
 * `_timestamp` included: Ballast keeps every numeric leaf but `_step` as a series) — inserted
 * straight into a fresh SQLite file with node:sqlite, prepared statements, one transaction per batch
 * of `linesPerRequest` lines of one run (what one file_stream request carries), runs interleaved,
 * with Ballast's own schema (its migrations, indexes included) and durability (WAL,
 * synchronous=FULL, SQLite's own checkpoints). Only the transactions are timed: building the lines
 * and packing them is the generator's cost, not storage's. Ballast's downsample tiers
 * (`metric_tiers`) and series bookkeeping are not written: the floor is the raw rows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { SqliteDatabase } from "../../apps/server/src/stores/sqlite/database.ts";
import { encodeSteps, encodeTexts } from "../../apps/server/src/stores/sqlite/history-chunks.ts";
import { encodeBlock } from "../../apps/server/src/stores/sqlite/metric-blocks.ts";
import { latencySummary } from "../lib/stats.ts";
import type { IngestResult, Workload } from "../lib/types.ts";
import { historyLines } from "./generator.ts";

function openWithBallastSchema(path: string): DatabaseSync {
  const ballast = new SqliteDatabase(path); // its migrations and pragmas
  ballast.migrate();
  ballast.close();
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA temp_store = MEMORY");
  db.exec("PRAGMA cache_size = -16384"); // as Ballast's connection (the page size is the file's)
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
  const db = openWithBallastSchema(join(dir, "floor.sqlite"));
  try {
    const insertKey = db.prepare("INSERT INTO metric_keys (run_id, name) VALUES (?, ?)");
    const keyIds: number[][] = [];
    for (let run = 1; run <= workload.runs; run++) {
      const ids: number[] = [];
      for (const name of seriesNames(workload)) ids.push(Number(insertKey.run(run, name).lastInsertRowid));
      keyIds.push(ids);
    }
    const insertChunk = db.prepare(
      "INSERT INTO history_chunks (run_id, first_line, lines, min_step, max_step, steps, ends, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const insertBlock = db.prepare(
      "INSERT INTO metric_blocks (key_id, first_step, last_step, points, data) VALUES (?, ?, ?, ?, ?)",
    );
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
        const steps = lines.map((_, i) => offset + i);
        const blocks = keys.map((_, k) =>
          encodeBlock(
            steps,
            values.map((row) => row[k] ?? Number.NaN),
          ),
        );
        const packed = encodeTexts(lines);
        const chunk = [encodeSteps(steps), packed.ends, packed.text] as const;
        const started = performance.now();
        begin.run();
        insertChunk.run(run, offset, lines.length, offset, end - 1, ...chunk);
        keys.forEach((keyId, k) => {
          insertBlock.run(keyId, offset, end - 1, end - offset, blocks[k] ?? new Uint8Array());
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
