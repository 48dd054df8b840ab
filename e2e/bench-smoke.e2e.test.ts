/**
 * The benchmark harness cannot rot: `node bench/run.ts --smoke` runs every part at tiny sizes (real
 * Ballast server, ceiling, SQLite floor, real wandb client, real MLflow server, read queries, the same
 * ingest and reads on MariaDB, the web UI's page timings in Chromium) and writes its report. Checked: the run succeeds, and the report has
 * every section and every system with positive numbers. No speed assertions: CI machines vary, the
 * full run is for numbers.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Report } from "../bench/lib/report.ts";
import { REPO_ROOT } from "./support/server.ts";

const RESULTS = join(REPO_ROOT, "bench", "results", "smoke");

function runSmoke(): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(REPO_ROOT, "bench", "run.ts"), "--smoke"],
      // A hang guard, not a speed limit: the first run installs MLflow, and CI builds tools beside it.
      { cwd: REPO_ROOT, timeout: 540_000, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("bench smoke", { timeout: 560_000 }, () => {
  it("runs every part of the harness and writes a complete report", async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await runSmoke();
    assert.equal(code, 0, `bench/run.ts --smoke failed:\n${stderr.slice(-10_000)}`);

    const json = JSON.parse(await readFile(join(RESULTS, "latest.json"), "utf8")) as Report;
    assert.equal(json.mode, "smoke");
    assert.ok(Date.parse(json.generatedAt) >= started - 1000, "the report was written by this run");
    assert.deepEqual(json.skipped, []);

    const systems = json.ingest.map((r) => r.system);
    for (const system of ["ceiling", "ballast", "sqlite-floor", "wandb-client", "mlflow", "ballast-mysql"]) {
      assert.ok(systems.includes(system), `ingest row for ${system} (have ${systems.join(", ")})`);
    }
    for (const row of json.ingest) {
      assert.ok(
        row.points > 0 && row.seconds > 0 && row.pointsPerSecond > 0,
        `${row.system}: ${JSON.stringify(row)}`,
      );
      if (row.latencyMs)
        assert.ok(row.latencyMs.p50 > 0 && row.latencyMs.p99 >= row.latencyMs.p50, row.system);
    }
    for (const system of ["ceiling", "ballast", "ballast-mysql"]) {
      const row = json.ingest.find((r) => r.system === system);
      assert.ok(row?.requests && row.requests > 0, `${system} counted its requests`);
      assert.ok(row?.latencyMs, `${system} has latencies`);
      assert.ok(row?.peakRssMb && row.peakRssMb > 0, `${system} has a peak RSS`);
    }

    for (const system of ["ballast", "mlflow", "ballast-web", "ballast-mysql"]) {
      const reads = json.reads.filter((r) => r.system === system);
      assert.ok(reads.length > 0, `read rows for ${system}`);
      for (const r of reads) assert.ok(r.samples > 0 && r.p50Ms > 0 && r.p99Ms >= r.p50Ms, JSON.stringify(r));
    }

    assert.ok(json.ratios.ballastOverCeiling !== null && json.ratios.ballastOverCeiling > 0);
    assert.ok(json.ratios.ballastOverMlflow !== null && json.ratios.ballastOverMlflow > 0);
    assert.equal(json.goals.length, 5);
    for (const goal of json.goals) assert.notEqual(goal.met, null, `goal measured: ${goal.goal}`);

    assert.ok(json.machine.nproc > 0 && json.machine.memoryGb > 0 && json.machine.sqlite.length > 0);

    const markdown = await readFile(join(RESULTS, "latest.md"), "utf8");
    for (const section of [
      "## Ingest",
      "## Reads",
      "## Embedded (SQLite) and MySQL (MariaDB)",
      "## Ratios",
      "## Goals",
      "## Machine",
    ]) {
      assert.ok(markdown.includes(section), `latest.md has ${section}`);
    }
    for (const system of systems) assert.match(markdown, new RegExp(`\\| ${system} \\|`));
    assert.ok(stdout.includes("## Goals"), "the report is printed too");
  });
});
