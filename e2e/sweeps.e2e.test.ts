/**
 * End-to-end sweeps with the real `wandb` client (0.31.0, .cache/venv) against a real Ballast server:
 * `wandb sweep config.yaml` + `wandb agent --count 4` running e2e/python/sweep_train.py over a 2×2
 * grid, and `wandb.sweep()` + `wandb.agent(function, count=3)` from Python, side by side (agents
 * heartbeat every 5 s, so each run takes ~15 s). Then `wandb sweep --pause/--resume/--stop/--cancel`.
 * Every check reads what the server stored.
 *
 * Real: server process, SQLite, wandb client, its CLI, agents and wandb-core. Mocked: nothing.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { useClientSuite } from "./support/client-suite.ts";
import { PYTHON_DIR, runScript, runWandbCli, VENV_PYTHON, wandbEnv } from "./support/python.ts";
import { type StoreView, text } from "./support/store.ts";

interface PyAgentResult {
  sweep_id: string;
  entity: string;
  project: string;
  runs: { run_id: string; config: Record<string, unknown>; score: number }[];
  api: {
    state: string;
    name: string;
    config: Record<string, unknown>;
    best_loss: number | null;
    expected_run_count: number | null;
  };
}

const GRID_CONFIG = `# grid over 2 x 2 parameters
program: ${join(PYTHON_DIR, "sweep_train.py")}
method: grid
metric:
  name: loss
  goal: minimize
parameters:
  a:
    values: [1, 2]
  b:
    values: ["x", "y"]
`;

/** click.style's colour codes around the sweep id. */
const ANSI_COLOR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

function sweepRow(db: StoreView, name: string) {
  return db.one("SELECT * FROM sweeps WHERE name = ?", name);
}

function unwrap(config: string): Record<string, unknown> {
  const parsed = JSON.parse(config) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.value]));
}

describe("sweeps with the real wandb client", { timeout: 420_000 }, () => {
  const suite = useClientSuite("sweeps");

  it("wandb sweep + wandb agent --count 4 (grid), and wandb.sweep + wandb.agent(function, count=3)", async () =>
    suite.tracked(async () => {
      const cli = await suite.client("cli-agent");
      // The agent starts `python <program>` from PATH: the venv's python, which has wandb.
      const env = await wandbEnv(cli);
      cli.extra = {
        WANDB_SILENT: "false",
        WANDB_PROJECT: "sweeps-cli",
        PATH: `${dirname(VENV_PYTHON)}:${process.env.PATH ?? ""}`,
      };
      const configPath = join(env.WANDB_DIR ?? cli.dir, "sweep.yaml");
      await writeFile(configPath, GRID_CONFIG);

      const created = await runWandbCli(["sweep", "--project", "sweeps-cli", configPath], cli);
      const output = (created.stdout + created.stderr).replace(ANSI_COLOR, "");
      assert.equal(created.code, 0, output);
      const sweepId = /Creating sweep with ID: ([a-z0-9]{8})\b/.exec(output)?.[1];
      assert.ok(sweepId, `no sweep id in:\n${output}`);

      const py = await suite.client("py-agent");
      const [agent, pyAgent] = await Promise.all([
        runWandbCli(["agent", "--count", "4", `${suite.username}/sweeps-cli/${sweepId}`], cli, 300_000),
        runScript<PyAgentResult>(
          "sweep_py_agent.py",
          ["--project", "sweeps-py", "--count", "3"],
          py,
          300_000,
        ),
      ]);
      assert.equal(agent.code, 0, agent.stdout + agent.stderr);

      const db = await suite.store();
      try {
        // The CLI agent's sweep: four finished runs in the sweep, one per grid point.
        const sweep = await sweepRow(db, sweepId);
        assert.equal(sweep.method, "grid");
        assert.match(text(sweep, "config"), /program: .*sweep_train\.py/);
        const runs = await db.all(`SELECT r.name, r.state, r.config, r.summary, r.sweep_name FROM runs r
             JOIN projects p ON p.id = r.project_id WHERE p.name = 'sweeps-cli' ORDER BY r.created_at`);
        assert.equal(runs.length, 4, JSON.stringify(runs.map((r) => r.name)));
        const combos = new Set<string>();
        for (const run of runs) {
          assert.equal(run.sweep_name, sweepId);
          assert.equal(run.state, "finished");
          const config = unwrap(text(run, "config"));
          combos.add(`${String(config.a)}/${String(config.b)}`);
          const loss = (config.a as number) + (config.b === "y" ? 0.5 : 0);
          assert.equal((JSON.parse(text(run, "summary")) as { loss: number }).loss, loss);
        }
        assert.deepEqual([...combos].sort(), ["1/x", "1/y", "2/x", "2/y"]);
        const assigned = await db.all(
          "SELECT run_name FROM sweep_assignments WHERE sweep_id = ? AND status = 'assigned'",
          sweep.id as number,
        );
        assert.deepEqual(assigned.map((a) => a.run_name).sort(), runs.map((r) => r.name).sort());

        // The Python agent's random sweep: three runs, parameters within their distributions.
        const result = pyAgent.result;
        assert.equal(result.runs.length, 3);
        const pySweep = await sweepRow(db, result.sweep_id);
        assert.equal(pySweep.method, "random");
        assert.equal(pySweep.display_name, "py-agent-sweep");
        for (const seen of result.runs) {
          const row = await db.one(
            `SELECT r.state, r.config, r.sweep_name FROM runs r JOIN projects p ON p.id = r.project_id
              WHERE p.name = 'sweeps-py' AND r.name = ?`,
            seen.run_id,
          );
          assert.equal(row.sweep_name, result.sweep_id);
          assert.equal(row.state, "finished");
          const config = unwrap(text(row, "config"));
          assert.ok([0.01, 0.05, 0.1].includes(config.x as number), JSON.stringify(config));
          assert.ok((config.lr as number) >= 0.0001 && (config.lr as number) <= 0.1);
          assert.deepEqual(config.opt, { momentum: 0.9, name: (config.opt as { name: string }).name });
          assert.ok(["adam", "sgd"].includes((config.opt as { name: string }).name));
        }
        // wandb.Api().sweep() reads it back.
        assert.equal(result.api.state, "RUNNING");
        assert.equal(result.api.name, "py-agent-sweep");
        assert.equal(result.api.config.method, "random");
        assert.equal(result.api.best_loss, Math.min(...result.runs.map((r) => r.score)));
        assert.equal(result.api.expected_run_count, null);
      } finally {
        await db.close();
      }

      // State changes through the CLI on the Python sweep.
      const path = `${suite.username}/sweeps-py/${pyAgent.result.sweep_id}`;
      const stateOf = async () => {
        const store = await suite.store();
        try {
          return (await sweepRow(store, pyAgent.result.sweep_id)).state;
        } finally {
          await store.close();
        }
      };
      for (const [flag, state] of [
        ["--pause", "PAUSED"],
        ["--resume", "RUNNING"],
        ["--stop", "FINISHED"],
      ] as const) {
        const changed = await runWandbCli(["sweep", flag, path], py);
        assert.equal(changed.code, 0, changed.stdout + changed.stderr);
        assert.equal(await stateOf(), state);
      }
      const cancel = await runWandbCli(["sweep", "--cancel", path], py);
      assert.match(cancel.stdout + cancel.stderr, /Sweep already finished/);
      assert.equal(await stateOf(), "FINISHED");
    }));
});
