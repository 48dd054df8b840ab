/**
 * The benchmark harness of issue 4, one command: `node bench/run.ts` (full, a few minutes) or
 * `node bench/run.ts --smoke` (seconds, tiny sizes; what CI runs). In one run, side by side:
 * ingest into the ceiling, Ballast, the SQLite floor, the real wandb client and MLflow, then the
 * read queries on Ballast and MLflow, then the web UI's page timings in Chromium; writes bench/results/latest.{md,json} (full) or
 * bench/results/smoke/latest.{md,json} (smoke, gitignored). See bench/README.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createConnection } from "mysql2/promise";
import { type MariaDb, startMariaDb } from "../e2e/support/mariadb.ts";
import { startCeiling } from "./ingest/ceiling.ts";
import { generateIngest, ingestResult } from "./ingest/generator.ts";
import { sqliteFloor } from "./ingest/sqlite-floor.ts";
import { setupPython, wandbClientIngest } from "./ingest/wandb-client.ts";
import { startBallast } from "./lib/ballast-server.ts";
import { REPO_ROOT } from "./lib/child.ts";
import { describeMachine } from "./lib/machine.ts";
import { sampleProcess } from "./lib/process.ts";
import { computeRatios, evaluateGoals, type Report, renderMarkdown } from "./lib/report.ts";
import type { IngestResult, ReadResult, Workload } from "./lib/types.ts";
import { ingestMlflow, mlflowReads, setupMlflow, startMlflow } from "./peers/mlflow.ts";
import { ballastReads } from "./reads/ballast.ts";
import { ballastWeb } from "./web/ballast-web.ts";

const smoke = process.argv.includes("--smoke");
/** `--only ceiling,ballast` runs just those parts (for working on one path); results go to results/tmp/. */
const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex >= 0 ? new Set((process.argv[onlyIndex + 1] ?? "").split(",")) : undefined;
const PARTS = ["ceiling", "ballast", "floor", "wandb", "mlflow", "reads", "mysql", "web"] as const;
if (only) {
  const unknown = [...only].filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    process.stderr.write(`unknown part(s) ${unknown.join(", ")}; use ${PARTS.join(",")}\n`);
    process.exit(2);
  }
}

const WORKLOAD: Workload = smoke
  ? { runs: 2, stepsPerRun: 500, metricsPerStep: 5, linesPerRequest: 100 }
  : { runs: 8, stepsPerRun: 100_000, metricsPerStep: 10, linesPerRequest: 1_000 };
/** The real client logs one run; its rate is bounded by the client, so fewer steps suffice. */
const WANDB = smoke ? { steps: 500, metrics: 5 } : { steps: 50_000, metrics: 10 };
/**
 * MLflow sustains a few thousand points/s, so the full workload would take over ten minutes there:
 * it gets the same shape with fewer steps per run (points/s is what is compared; shorter runs only
 * favour MLflow, since a store's cost per point grows with what it already holds).
 */
const MLFLOW_WORKLOAD: Workload = { ...WORKLOAD, stepsPerRun: Math.min(WORKLOAD.stepsPerRun, 2_500) };

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function logRead(r: ReadResult): void {
  log(`${r.system} ${r.name}: p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms`);
}

function summarize(result: IngestResult): string {
  const latency = result.latencyMs
    ? `, p50 ${result.latencyMs.p50.toFixed(1)} ms, p99 ${result.latencyMs.p99.toFixed(1)} ms`
    : "";
  const usage =
    result.cpuSeconds !== null
      ? `, CPU ${result.cpuSeconds.toFixed(1)} s, peak RSS ${result.peakRssMb?.toFixed(0)} MB`
      : "";
  return `${result.system}: ${Math.round(result.pointsPerSecond).toLocaleString("en-US")} points/s (${result.points.toLocaleString("en-US")} points in ${result.seconds.toFixed(2)} s${latency}${usage})`;
}

async function ceilingIngest(): Promise<IngestResult> {
  const ceiling = await startCeiling();
  try {
    const sampler = sampleProcess(ceiling.pid);
    const outcome = await generateIngest(
      { url: ceiling.url, apiKey: "ceiling", entity: "bench", project: "bench" },
      WORKLOAD,
    );
    return ingestResult("ceiling", outcome, sampler.stop(), "reads each body and drops it");
  } finally {
    await ceiling.stop();
  }
}

async function ballastIngest(): Promise<IngestResult> {
  const server = await startBallast();
  try {
    const sampler = sampleProcess(server.pid);
    const outcome = await generateIngest(
      { url: server.url, apiKey: server.apiKey, entity: server.entity, project: "bench" },
      WORKLOAD,
    );
    const usage = sampler.stop();
    verifyStored(server.dataDir, WORKLOAD);
    return ingestResult("ballast", outcome, usage, "embedded default (SQLite, WAL, synchronous=FULL)");
  } finally {
    await server.stop();
  }
}

const STORED_RUNS = "SELECT count(*) AS n FROM runs WHERE state = 'finished' AND history_line_count = ?";
// Ballast keeps _runtime and _timestamp as series too; the workload's points are the metric_k ones.
const STORED_POINTS =
  "SELECT sum(b.points) AS n FROM metric_blocks b JOIN metric_keys k ON k.id = b.key_id WHERE k.name LIKE 'metric!_%' ESCAPE '!'";

/** Every acknowledged point must be stored: the runs finished with every line and every point. */
function checkStored(runs: unknown, points: unknown, workload: Workload): void {
  const expected = workload.runs * workload.stepsPerRun * workload.metricsPerStep;
  if (Number(runs) !== workload.runs || Number(points) !== expected) {
    throw new Error(
      `Ballast stored ${runs} finished runs and ${points} points; expected ${workload.runs} and ${expected}`,
    );
  }
}

function verifyStored(dataDir: string, workload: Workload): void {
  const db = new DatabaseSync(join(dataDir, "ballast.sqlite"), { readOnly: true });
  try {
    checkStored(
      db.prepare(STORED_RUNS).get(workload.stepsPerRun)?.n,
      db.prepare(STORED_POINTS).get()?.n,
      workload,
    );
  } finally {
    db.close();
  }
}

async function verifyStoredMysql(url: string, workload: Workload): Promise<void> {
  const db = await createConnection({ uri: url });
  try {
    const [[runs]] = (await db.query(STORED_RUNS, [workload.stepsPerRun])) as unknown as [{ n: unknown }[]];
    const [[points]] = (await db.query(STORED_POINTS)) as unknown as [{ n: unknown }[]];
    checkStored(runs?.n, points?.n, workload);
  } finally {
    await db.end();
  }
}

/**
 * The MySQL column: the same ingest and reads as `ballast` and `reads`, on a server whose metadata
 * and metrics live in MariaDB (Debian's, started by the harness on loopback with a fresh data dir:
 * InnoDB, 256 MB buffer pool, the default durability innodb_flush_log_at_trx_commit=1). The server's
 * CPU and RSS exclude MariaDB's own.
 */
async function mysqlPart(record: (result: IngestResult) => void, onReads: (results: ReadResult[]) => void) {
  let mariadb: MariaDb | undefined;
  try {
    mariadb = await startMariaDb();
    const ingestUrl = await mariadb.createDatabase("bench_ingest");
    const server = await startBallast({ MYSQL: ingestUrl });
    try {
      const sampler = sampleProcess(server.pid);
      const outcome = await generateIngest(
        { url: server.url, apiKey: server.apiKey, entity: server.entity, project: "bench" },
        WORKLOAD,
      );
      const usage = sampler.stop();
      await verifyStoredMysql(ingestUrl, WORKLOAD);
      record(
        ingestResult(
          "ballast-mysql",
          outcome,
          usage,
          "MYSQL: MariaDB 10.11 on loopback (InnoDB, durable commits)",
        ),
      );
    } finally {
      await server.stop();
    }
    const readsServer = await startBallast({ MYSQL: await mariadb.createDatabase("bench_reads") });
    try {
      const results = await ballastReads({
        url: readsServer.url,
        apiKey: readsServer.apiKey,
        dataDir: readsServer.dataDir,
        smoke,
      });
      onReads(results.map((r) => ({ ...r, system: "ballast-mysql" })));
    } finally {
      await readsServer.stop();
    }
  } finally {
    await mariadb?.dispose();
  }
}

async function wandbIngest(): Promise<IngestResult> {
  await setupPython();
  const server = await startBallast();
  try {
    return await wandbClientIngest(server, WANDB.steps, WANDB.metrics);
  } finally {
    await server.stop();
  }
}

/** MLflow's ingest, then its reads on the same server; each result is handed over as soon as it is in. */
async function mlflowPeer(
  onIngest: (result: IngestResult) => void,
  onReads: (results: ReadResult[]) => void,
): Promise<void> {
  await setupMlflow();
  const dir = await mkdtemp(join(tmpdir(), "ballast-bench-mlflow-"));
  try {
    const mlflow = await startMlflow(dir);
    try {
      onIngest(await ingestMlflow(mlflow.url, MLFLOW_WORKLOAD));
      onReads(await mlflowReads(mlflow.url, { smoke }));
    } finally {
      await mlflow.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function ballastReadSide(): Promise<ReadResult[]> {
  const server = await startBallast();
  try {
    return await ballastReads({ url: server.url, apiKey: server.apiKey, dataDir: server.dataDir, smoke });
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadAverageAtStart = loadavg()[0] ?? 0;
  if (loadAverageAtStart > 0.5)
    log(`the machine is busy (load average ${loadAverageAtStart.toFixed(2)}): numbers will be skewed`);
  const ingest: IngestResult[] = [];
  const reads: ReadResult[] = [];
  const skipped: string[] = [];

  /** Runs one part; a failure is reported and recorded, and the harness goes on (exit code 1 at the end). */
  const part = async (key: (typeof PARTS)[number], name: string, fn: () => Promise<void>) => {
    if (only && !only.has(key)) return;
    log(`${name}…`);
    try {
      await fn();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${name} FAILED: ${message}`);
      skipped.push(
        `${name}: failed — ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`,
      );
    }
  };
  const record = (result: IngestResult) => {
    ingest.push(result);
    log(summarize(result));
  };

  await part("ceiling", "ceiling ingest", async () => record(await ceilingIngest()));
  await part("ballast", "ballast ingest", async () => record(await ballastIngest()));
  await part("floor", "sqlite floor", async () => record(await sqliteFloor(WORKLOAD)));
  await part("wandb", "wandb client ingest", async () => record(await wandbIngest()));
  await part("mlflow", "mlflow ingest and reads", async () => {
    await mlflowPeer(record, (results) => {
      reads.push(...results);
      for (const r of results) logRead(r);
    });
  });
  await part("reads", "ballast reads", async () => {
    const results = await ballastReadSide();
    reads.unshift(...results);
    for (const r of results) logRead(r);
  });
  await part("mysql", "ballast on MariaDB: ingest and reads", async () => {
    await mysqlPart(record, (results) => {
      reads.push(...results);
      for (const r of results) logRead(r);
    });
  });
  await part("web", "web page timings", async () => {
    const results = await ballastWeb({ smoke });
    reads.push(...results);
    for (const r of results) logRead(r);
  });

  const ratios = computeRatios(ingest);
  const report: Report = {
    generatedAt: new Date().toISOString(),
    mode: smoke ? "smoke" : "full",
    totalSeconds: (performance.now() - started) / 1000,
    loadAverageAtStart,
    machine: describeMachine(),
    workloads: { generator: WORKLOAD, "wandb client": WANDB, mlflow: MLFLOW_WORKLOAD },
    ingest,
    reads,
    ratios,
    goals: evaluateGoals(ingest, reads, ratios),
    skipped,
  };
  const dir = join(REPO_ROOT, "bench", "results", ...(only ? ["tmp"] : []), ...(smoke ? ["smoke"] : []));
  await mkdir(dir, { recursive: true });
  const markdown = renderMarkdown(report);
  await writeFile(join(dir, "latest.md"), markdown);
  await writeFile(join(dir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${markdown}\n`);
  log(`wrote ${join(dir, "latest.md")} and latest.json in ${report.totalSeconds.toFixed(0)} s`);
  if (skipped.length > 0) process.exitCode = 1;
}

await main();
