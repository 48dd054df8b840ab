/**
 * The peer of issue 4: MLflow's tracking server (`mlflow server` from PyPI, pinned in
 * bench/setup-mlflow.sh) on its default SQLite store, fed the same data shape as the Ballast load
 * generator (bench/ingest/generator.ts) through MLflow's REST API, `runs/log-batch` within its
 * documented limits. The read side is in mlflow-reads.ts.
 *
 * Server settings, and why:
 * - `--workers 1`: the CLI's default is 4 uvicorn worker processes. Ballast is one process on one
 *   event loop, so one worker is the like-for-like setting on this 2-core machine. Measured here
 *   (8 runs × 2,500 steps × 10 metrics, machine shared with other work): 1 worker ≈ 3,100
 *   points/s at ~540 MB RSS for the tree, 4 workers ≈ 3,600 points/s at ~1,300 MB — the writes
 *   queue on the one SQLite file either way. BENCH_MLFLOW_WORKERS=4 measures the default.
 * - MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false: MLflow 3 also starts a job runner (a huey consumer
 *   and its worker processes, ~250 MB) for GenAI jobs; it is idle for tracking and would otherwise
 *   count in the process tree's RSS, so it is off and the numbers are the tracking server's own.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/child.ts";
import { sampleProcess } from "../lib/process.ts";
import { latencySummary } from "../lib/stats.ts";
import type { IngestResult, Workload } from "../lib/types.ts";
import {
  createExperiment,
  createRun,
  finishRun,
  LOG_BATCH_LIMITS,
  MlflowClient,
  type MlflowMetric,
} from "./mlflow-http.ts";

export { mlflowReads } from "./mlflow-reads.ts";

const SETUP = join(REPO_ROOT, "bench", "setup-mlflow.sh");
const MLFLOW = join(REPO_ROOT, ".cache", "bench-venv", "bin", "mlflow");

/**
 * The pids of each server startMlflow started, by URL, so ingestMlflow(url, …) can sample it:
 * the `mlflow` CLI process (the tree's root) and the uvicorn server it launched.
 */
const SERVERS = new Map<string, { readonly cli: number; readonly uvicorn: number | undefined }>();

/** Uvicorn workers; see the module comment. */
export const MLFLOW_WORKERS = Number(process.env.BENCH_MLFLOW_WORKERS ?? 1) || 1;

/** Builds .cache/bench-venv with the pinned mlflow (a no-op when its stamp matches). */
export function setupMlflow(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [SETUP],
      { cwd: REPO_ROOT, timeout: 900_000, maxBuffer: 16 * 1024 * 1024 },
      (error, _out, stderr) => {
        if (error) reject(new Error(`bench/setup-mlflow.sh failed: ${error.message}\n${stderr}`));
        else resolve();
      },
    );
  });
}

export interface MlflowServer {
  readonly url: string;
  /** The `mlflow server` CLI process; the uvicorn server is its child (sample with `tree`). */
  readonly pid: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts `mlflow server` with its SQLite store and artifacts under `dir`; resolves once /health answers. */
export async function startMlflow(dir: string): Promise<MlflowServer> {
  const port = await freePort();
  await mkdir(join(dir, "artifacts"), { recursive: true });
  const args = [
    "server",
    "--backend-store-uri",
    `sqlite:///${join(dir, "mlflow.db")}`,
    "--default-artifact-root",
    join(dir, "artifacts"),
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--workers",
    String(MLFLOW_WORKERS),
  ];
  // Its own process group: the CLI does not pass SIGTERM on to uvicorn, so stop() signals the group.
  const child = spawn(MLFLOW, args, {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false", PYTHONUNBUFFERED: "1" },
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${MLFLOW} (run bench/setup-mlflow.sh)`);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    SERVERS.delete(url);
    await stopGroup(child);
  };
  try {
    await waitUntilHealthy(url, child, () => output, 180_000);
  } catch (error) {
    await stop();
    throw error;
  }
  SERVERS.set(url, { cli: pid, uvicorn: childPids(pid)[0] });
  return { url, pid, stop };
}

async function waitUntilHealthy(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `mlflow server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`,
      );
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`mlflow server was not ready after ${timeoutMs} ms:\n${output()}`);
}

/** Direct children of `pid` (from /proc/<pid>/task/<pid>/children). */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** SIGTERM to the whole process group, SIGKILL after 10 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // the group is gone
    }
  };
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
  // Workers that outlived the CLI process (it does not wait for them) go with the group.
  signal("SIGKILL");
}

/** The same curve as bench/ingest/generator.ts's metricValue, so both systems store the same numbers. */
function metricValue(k: number, step: number): number {
  const x = step + 1;
  return (k + 1) / Math.sqrt(x) + 0.01 * Math.sin(x * 0.37 + k * 1.7) + k * 1e-9 * x;
}

/** Steps per log-batch request: the workload's lines per request, capped by MLflow's 1000-metric limit. */
export function stepsPerBatch(workload: Workload): number {
  return Math.max(
    1,
    Math.min(workload.linesPerRequest, Math.floor(LOG_BATCH_LIMITS.metrics / workload.metricsPerStep)),
  );
}

/** One run from runs/create through log-batch requests to runs/update FINISHED; returns latencies. */
async function streamRun(
  client: MlflowClient,
  experimentId: string,
  workload: Workload,
  name: string,
): Promise<number[]> {
  const created = await createRun(client, experimentId, name);
  const runId = created.body;
  // The generator sends its config with UpsertBucket; here it is the run's params, logged first
  // (what mlflow.log_params does), in a batch of its own so every metric batch can hold 1000.
  const config = await client.post("runs/log-batch", {
    run_id: runId,
    params: [
      { key: "lr", value: "0.001" },
      { key: "batch_size", value: "64" },
    ],
  });
  const latencies = [created.ms, config.ms];
  const perBatch = stepsPerBatch(workload);
  const startedAt = Date.now();
  for (let from = 0; from < workload.stepsPerRun; from += perBatch) {
    const to = Math.min(workload.stepsPerRun, from + perBatch);
    const metrics: MlflowMetric[] = [];
    for (let step = from; step < to; step++) {
      const timestamp = startedAt + step * 10; // the generator's 10 ms per step (_runtime)
      for (let k = 0; k < workload.metricsPerStep; k++)
        metrics.push({ key: `metric_${k}`, value: metricValue(k, step), timestamp, step });
    }
    const { ms } = await client.post("runs/log-batch", { run_id: runId, metrics });
    latencies.push(ms);
  }
  await finishRun(client, runId);
  return latencies;
}

/**
 * `workload.runs` runs at once, one request in flight per run, each sent as soon as the previous
 * one is acknowledged; server CPU and RSS summed over the mlflow process tree.
 */
export async function ingestMlflow(url: string, workload: Workload): Promise<IngestResult> {
  const client = new MlflowClient(url, workload.runs);
  try {
    const experimentId = await createExperiment(client, `bench-ingest-${Date.now()}`);
    const server = SERVERS.get(url);
    const sampler = server && sampleProcess(server.cli, { tree: true });
    const uvicornSampler =
      server?.uvicorn !== undefined ? sampleProcess(server.uvicorn, { tree: true }) : undefined;
    const started = performance.now();
    const perRun = await Promise.all(
      Array.from({ length: workload.runs }, (_, i) =>
        streamRun(client, experimentId, workload, `bench-${i}`),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const usage = sampler?.stop();
    const uvicornUsage = uvicornSampler?.stop();
    const points = workload.runs * workload.stepsPerRun * workload.metricsPerStep;
    const requests = perRun.reduce((sum, l) => sum + l.length, 0) + workload.runs; // + runs/update
    const notes = [
      `MLflow REST, ${MLFLOW_WORKERS} uvicorn worker(s), SQLite store; log-batch of ${stepsPerBatch(workload)} steps × ${workload.metricsPerStep} metrics (≤ 1000 metrics/request)`,
      uvicornUsage
        ? `CPU/RSS cover the mlflow CLI process and the uvicorn server it starts; uvicorn alone: CPU ${uvicornUsage.cpuSeconds.toFixed(1)} s, peak RSS ${uvicornUsage.peakRssMb.toFixed(0)} MB`
        : "",
      client.retries > 0 ? `${client.retries} retried requests (429/5xx)` : "",
      usage ? "" : "server not started by startMlflow: no CPU/RSS",
    ].filter((n) => n !== "");
    return {
      system: "mlflow",
      points,
      seconds,
      pointsPerSecond: points / seconds,
      requests,
      latencyMs: latencySummary(perRun.flat()),
      cpuSeconds: usage?.cpuSeconds ?? null,
      peakRssMb: usage?.peakRssMb ?? null,
      notes: notes.join("; "),
    };
  } finally {
    client.close();
  }
}
