/**
 * SweepService on a real SQLite store (migrated schema): creation, the state machine, and the
 * scheduler's answers to heartbeats as the W&B agents send them. Real: SQLite, the sweep, run and
 * identity repositories, access policy. Mocked: nothing (the random generator is seeded).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { UserRecord } from "../../stores/records.ts";
import { SqliteArtifactRepository } from "../../stores/sqlite/artifact.repository.ts";
import { SqliteAuditRepository } from "../../stores/sqlite/audit.repository.ts";
import { SqliteDatabase } from "../../stores/sqlite/database.ts";
import { SqliteEmailTokenRepository } from "../../stores/sqlite/email-token.repository.ts";
import { SqliteIdentityRepository } from "../../stores/sqlite/identity.repository.ts";
import { SqliteJobRepository } from "../../stores/sqlite/job.repository.ts";
import { SqliteRunRepository } from "../../stores/sqlite/run.repository.ts";
import { SqliteRunReadRepository } from "../../stores/sqlite/run-read.repository.ts";
import { SqliteSweepRepository } from "../../stores/sqlite/sweep.repository.ts";
import { SqliteTeamRepository } from "../../stores/sqlite/team.repository.ts";
import { AccessService } from "../access/access.service.ts";
import type { Stores } from "../services.ts";
import { seededRng } from "./search.ts";
import { type AgentCommand, SweepService } from "./sweep.service.ts";

const GRID = `method: grid
metric:
  goal: minimize
  name: loss
parameters:
  a:
    values:
    - 1
    - 2
  b:
    values:
    - x
    - y
program: train.py
`;

describe("SweepService (real SQLite)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ballast-sweeps-"));
  const db = new SqliteDatabase(join(dir, "ballast.sqlite"));
  let stores: Stores;
  let service: SweepService;
  let user: UserRecord;
  let other: UserRecord;

  before(async () => {
    db.migrate();
    const identity = new SqliteIdentityRepository(db);
    stores = {
      identity,
      teams: new SqliteTeamRepository(db),
      runs: new SqliteRunRepository(db),
      artifacts: new SqliteArtifactRepository(db),
      runReads: new SqliteRunReadRepository(db),
      sweeps: new SqliteSweepRepository(db),
      jobs: new SqliteJobRepository(db),
      audit: new SqliteAuditRepository(db),
      emailTokens: new SqliteEmailTokenRepository(db),
      objects: undefined as never,
    };
    service = new SweepService(stores, new AccessService(stores), seededRng(5));
    user = await identity.createUser({ username: "alice", email: "a@example.com", isAdmin: false, now: 1 });
    other = await identity.createUser({
      username: "mallory",
      email: "m@example.com",
      isAdmin: false,
      now: 1,
    });
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newSweep(config = GRID, project = "p") {
    const { sweep } = await service.upsert(user, { entity: "alice", project, config });
    const agent = await service.createAgent(user, { entity: "alice", project, sweep: sweep.name, host: "h" });
    return { sweep, agent };
  }

  /** What the client does with a run command: wandb.init with `sweep`, then finish. */
  async function startRun(projectName: string, sweepName: string, command: AgentCommand | undefined) {
    assert.equal(command?.type, "run");
    if (command?.type !== "run") throw new Error("unreachable");
    const project = await stores.identity.getOrCreateProject(user.defaultEntityId, projectName, 1);
    const config = Object.fromEntries(Object.entries(command.args).map(([k, v]) => [k, v]));
    await stores.runs.upsertRun({
      projectId: project.id,
      name: command.run_id,
      userId: user.id,
      fields: { sweepName, config: JSON.stringify(config), state: "finished" },
      defaultDisplayName: () => "r",
      now: Date.now(),
    });
    return command;
  }

  it("creates a RUNNING sweep with an 8-character id and keeps the config text verbatim", async () => {
    const { sweep, agent } = await newSweep();
    assert.match(sweep.name, /^[a-z0-9]{8}$/);
    assert.equal(sweep.state, "RUNNING");
    assert.equal(sweep.config, GRID);
    assert.equal(sweep.method, "grid");
    assert.equal(agent.sweepId, sweep.id);
    assert.equal(service.expectedRunCount(sweep), 4);
  });

  it("hands out every grid point once, waits while the agent runs, then finishes and exits", async () => {
    const { sweep, agent } = await newSweep();
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { commands } = await service.heartbeat(user, agent.id, {});
      const command = await startRun("p", sweep.name, commands[0]);
      assert.equal(commands.length, 1);
      assert.equal(command.type === "run" && command.program, "train.py");
      // While the agent reports the run, it gets nothing new.
      assert.deepEqual((await service.heartbeat(user, agent.id, { [command.run_id]: true })).commands, []);
      seen.push(JSON.stringify(command.args));
    }
    assert.deepEqual(seen, [
      '{"a":{"value":1},"b":{"value":"x"}}',
      '{"a":{"value":1},"b":{"value":"y"}}',
      '{"a":{"value":2},"b":{"value":"x"}}',
      '{"a":{"value":2},"b":{"value":"y"}}',
    ]);
    assert.deepEqual((await service.heartbeat(user, agent.id, {})).commands, [{ type: "exit" }]);
    assert.equal((await stores.sweeps.findSweepById(sweep.id))?.state, "FINISHED");
    assert.equal((await stores.sweeps.sweepRuns(sweep.projectId, sweep.name)).length, 4);
  });

  it("gives a dropped run's grid point out again, but not a started one's", async () => {
    const { sweep, agent } = await newSweep();
    const first = (await service.heartbeat(user, agent.id, {})).commands[0];
    // The agent never started it (e.g. it stopped at --count) and no longer reports it.
    const again = (await service.heartbeat(user, agent.id, {})).commands[0];
    assert.ok(first?.type === "run" && again?.type === "run");
    assert.deepEqual(again.args, first.args);
    assert.notEqual(again.run_id, first.run_id);
    await startRun("p", sweep.name, again);
    const next = (await service.heartbeat(user, agent.id, {})).commands[0];
    assert.ok(next?.type === "run");
    assert.notDeepEqual(next.args, first.args);
  });

  it("pauses (no new runs), resumes, stops (exit) and cancels (exit even while running)", async () => {
    const { sweep, agent } = await newSweep("method: random\nparameters:\n  x: {values: [1, 2, 3]}\n");
    const pause = await service.upsert(user, { id: sweep.id, state: "PAUSED" });
    assert.equal(pause.sweep.state, "PAUSED");
    assert.deepEqual((await service.heartbeat(user, agent.id, {})).commands, []);
    await service.upsert(user, { id: sweep.id, state: "RUNNING" });
    const run = (await service.heartbeat(user, agent.id, {})).commands[0];
    assert.equal(run?.type, "run");
    await service.upsert(user, { id: sweep.id, state: "FINISHED" });
    // Stopped: the running run may finish; then the agent exits.
    assert.deepEqual((await service.heartbeat(user, agent.id, { busy: true })).commands, []);
    assert.deepEqual((await service.heartbeat(user, agent.id, {})).commands, [{ type: "exit" }]);
    await assert.rejects(
      service.upsert(user, { id: sweep.id, state: "PAUSED" }),
      /Cannot pause a finished sweep/,
    );
    await assert.rejects(service.upsert(user, { id: sweep.id, state: "CANCELED" }), /already finished/);
    await service.upsert(user, { id: sweep.id, state: "RUNNING" });
    await service.upsert(user, { id: sweep.id, state: "CANCELED" });
    assert.deepEqual((await service.heartbeat(user, agent.id, { busy: true })).commands, [{ type: "exit" }]);
    await assert.rejects(service.upsert(user, { id: sweep.id, state: "SLEEPING" }), /Unknown sweep state/);
  });

  it("stops at run_cap", async () => {
    const { sweep, agent } = await newSweep(
      "method: random\nrun_cap: 2\nparameters:\n  x: {min: 0, max: 9}\n",
    );
    for (let i = 0; i < 2; i++)
      await startRun("p", sweep.name, (await service.heartbeat(user, agent.id, {})).commands[0]);
    assert.deepEqual((await service.heartbeat(user, agent.id, {})).commands, [{ type: "exit" }]);
    assert.equal((await stores.sweeps.findSweepById(sweep.id))?.state, "FINISHED");
    assert.equal(service.expectedRunCount(sweep), 2);
  });

  it("two agents never get the same grid point", async () => {
    const { sweep, agent } = await newSweep();
    const second = await service.createAgent(user, {
      entity: "alice",
      project: "p",
      sweep: sweep.name,
      host: "h2",
    });
    const answers = await Promise.all([
      service.heartbeat(user, agent.id, {}),
      service.heartbeat(user, second.id, {}),
      service.heartbeat(user, agent.id, { held: true }),
    ]);
    const runs = answers.flatMap((a) => a.commands).filter((c) => c.type === "run");
    assert.equal(runs.length, 2);
    assert.notDeepEqual(runs[0]?.type === "run" && runs[0].args, runs[1]?.type === "run" && runs[1].args);
  });

  it("reports the best metric of the sweep's runs and attaches prior runs", async () => {
    const project = await stores.identity.getOrCreateProject(user.defaultEntityId, "prior", 1);
    for (const [name, loss] of [
      ["r1", 0.5],
      ["r2", 0.25],
    ] as const) {
      await stores.runs.upsertRun({
        projectId: project.id,
        name,
        userId: user.id,
        fields: { summary: JSON.stringify({ loss }) },
        defaultDisplayName: () => name,
        now: 1,
      });
    }
    const { sweep } = await service.upsert(user, {
      entity: "alice",
      project: "prior",
      config: GRID,
      priorRuns: ["r1", "r2", "missing"],
    });
    const runs = await stores.sweeps.sweepRuns(project.id, sweep.name);
    assert.deepEqual(
      runs.map((r) => r.name),
      ["r1", "r2"],
    );
    assert.equal(service.bestMetric(sweep, runs), 0.25);
  });

  it("refuses other users' sweeps and invalid configs", async () => {
    const { sweep, agent } = await newSweep();
    await assert.rejects(service.heartbeat(other, agent.id, {}), { code: "PERMISSION_DENIED" });
    await assert.rejects(service.upsert(other, { id: sweep.id, state: "PAUSED" }), {
      code: "PERMISSION_DENIED",
    });
    await assert.rejects(
      service.upsert(user, {
        entity: "alice",
        project: "p",
        config: "method: grid\nparameters:\n  x: {min: 0.5, max: 1.5}",
      }),
      { code: "INVALID_ARGUMENT" },
    );
    await assert.rejects(service.heartbeat(user, 999_999, {}), { code: "NOT_FOUND" });
  });
});
