/**
 * The real `@wandb/sdk` (npm) logs to Ballast: init, 100 steps of nested metrics, finish. Checked
 * from the server's store: the run, its config, every history line once with its values, and the
 * finished state.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  createUser,
  makeDir,
  makeWorkspace,
  REPO_ROOT,
  type ServerHandle,
  startServer,
  type Workspace,
} from "./support/server.ts";
import { int, openStore, text } from "./support/store.ts";

const run = promisify(execFile);

describe("@wandb/sdk (npm) logs to Ballast", () => {
  let workspace: Workspace;
  let server: ServerHandle;
  let apiKey = "";

  before(async () => {
    workspace = await makeWorkspace("js-sdk");
    server = await startServer({ dataDir: workspace.dataDir, logDir: workspace.logDir });
    apiKey = await createUser(workspace.dataDir, "jsuser", "js@example.com");
  });

  after(async () => {
    await server?.stop();
    await workspace?.dispose();
  });

  it("stores init/log/finish of a run exactly", { timeout: 120_000 }, async () => {
    const home = await makeDir(workspace, "home");
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, "e2e", "js", "sdk-log-run.mjs")], {
      cwd: REPO_ROOT,
      timeout: 100_000,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        WANDB_BASE_URL: server.url,
        WANDB_API_KEY: apiKey,
        BALLAST_PROJECT: "js-sdk",
        BALLAST_STEPS: "100",
      },
    });
    const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { runId: string; steps: number };
    assert.ok(result.runId, `the SDK reported no run id: ${stdout}`);

    const db = await openStore(workspace.dataDir);
    try {
      const row = await db.one(
        `SELECT r.id, r.state, r.exit_code, r.display_name, r.config, r.history_line_count, p.name AS project, e.name AS entity
         FROM runs r JOIN projects p ON p.id = r.project_id JOIN entities e ON e.id = p.entity_id WHERE r.name = ?`,
        result.runId,
      );
      assert.equal(text(row, "entity"), "jsuser");
      assert.equal(text(row, "project"), "js-sdk");
      assert.equal(text(row, "state"), "finished");
      assert.equal(int(row, "exit_code"), 0);
      assert.equal(text(row, "display_name"), "js-sdk-run");
      const config = JSON.parse(text(row, "config")) as Record<string, unknown>;
      assert.deepEqual(
        { lr: config.lr, layers: config.layers, optimizer: config.optimizer },
        { lr: 0.01, layers: [64, 32], optimizer: { name: "adam", beta: 0.9 } },
      );
      assert.equal(int(row, "history_line_count"), 100);
      const lines = await db.historyRows(int(row, "id"));
      assert.equal(lines.length, 100);
      lines.forEach((line, i) => {
        assert.equal(int(line, "line_no"), i);
        const values = JSON.parse(text(line, "line")) as {
          loss: number;
          acc: number;
          nested: { value: number };
          _step: number;
        };
        assert.equal(values._step, i);
        assert.equal(int(line, "step"), i);
        assert.equal(values.loss, 1 / (i + 1));
        assert.equal(values.acc, i / 100);
        assert.equal(values.nested.value, i * 2);
      });
      const points = await db.one(
        `SELECT sum(b.points) AS n FROM metric_blocks b JOIN metric_keys k ON k.id = b.key_id WHERE k.run_id = ? AND k.name = 'nested.value'`,
        int(row, "id"),
      );
      assert.equal(int(points, "n"), 100);
    } finally {
      await db.close();
    }
  });
});
