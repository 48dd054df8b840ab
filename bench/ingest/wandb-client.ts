/**
 * The real `wandb` client end to end: bench/python/wandb_ingest.py logs N steps × M metrics to a
 * Ballast server, timed by the script from wandb.init() to run.finish() returning. The client
 * batches history on its own timer (15 s transmit interval, flushed at finish), so this row
 * measures what a user sees, client included, not the server's capacity.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupPython, VENV_PYTHON, wandbEnv } from "../../e2e/support/python.ts";
import type { BallastServer } from "../lib/ballast-server.ts";
import { REPO_ROOT } from "../lib/child.ts";
import { sampleProcess } from "../lib/process.ts";
import type { IngestResult } from "../lib/types.ts";

const SCRIPT = join(REPO_ROOT, "bench", "python", "wandb_ingest.py");

interface ScriptOutput {
  readonly run_id: string;
  readonly seconds: number;
  readonly log_seconds: number;
  readonly finish_seconds: number;
}

export { setupPython };

export async function wandbClientIngest(
  server: BallastServer,
  steps: number,
  metrics: number,
): Promise<IngestResult> {
  const dir = await mkdtemp(join(tmpdir(), "ballast-bench-wandb-"));
  try {
    const env = await wandbEnv({ baseUrl: server.url, apiKey: server.apiKey, dir });
    const sampler = sampleProcess(server.pid);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        VENV_PYTHON,
        [SCRIPT, "--project", "bench-wandb", "--steps", String(steps), "--metrics", String(metrics)],
        { env, cwd: env.WANDB_DIR, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
        (error, out, err) => {
          if (error) reject(new Error(`wandb_ingest.py failed: ${error.message}\n${out}\n${err}`));
          else resolve(out);
        },
      );
    });
    const usage = sampler.stop();
    const last = stdout.trimEnd().split("\n").at(-1) ?? "";
    const result = JSON.parse(last) as ScriptOutput;
    const points = steps * metrics;
    return {
      system: "wandb-client",
      points,
      seconds: result.seconds,
      pointsPerSecond: points / result.seconds,
      requests: 0,
      latencyMs: null,
      cpuSeconds: usage.cpuSeconds,
      peakRssMb: usage.peakRssMb,
      notes: `1 run, wandb.init→finish; run.log ${result.log_seconds.toFixed(1)} s, finish ${result.finish_seconds.toFixed(1)} s; requests not observable`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
