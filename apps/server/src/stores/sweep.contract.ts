/**
 * The SweepRepository contract, run on every engine: SQLite from sqlite/sweep.repository.test.ts,
 * MySQL (MariaDB) from e2e/mysql-sweeps.e2e.test.ts. The sweep service's own tests
 * (domain/sweeps/sweep.service.test.ts) cover the scheduling built on it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FixtureFactory } from "./store-fixture.ts";
import type { NewSweep } from "./sweep-repository.ts";

const plain = <T extends object>(value: T | undefined) => (value === undefined ? undefined : { ...value });

export function sweepRepositoryContract(label: string, make: FixtureFactory<"sweeps">): void {
  describe(`SweepRepository contract: ${label}`, () => {
    it("creates a sweep once per name, finds, lists, counts and updates it", async () => {
      const fx = await make();
      try {
        const { sweeps } = fx;
        const { projectId, userId } = await fx.seedRun();
        const base: NewSweep = {
          projectId,
          name: "abcd1234",
          displayName: "grid ✨",
          description: null,
          config: "method: grid\nparameters:\n  lr: {values: [1, 2]}\n",
          method: "grid",
          state: "PENDING",
          userId,
          now: 10,
        };
        const sweep = await sweeps.createSweep(base);
        assert.ok(sweep);
        assert.equal(sweep.config, base.config, "the config text exactly as sent");
        assert.equal(sweep.displayName, "grid ✨");
        assert.equal(await sweeps.createSweep({ ...base, now: 11 }), undefined, "the name is taken");
        const second = await sweeps.createSweep({ ...base, name: "efgh5678", now: 12 });
        assert.ok(second);
        assert.deepEqual(plain(await sweeps.findSweep(projectId, "abcd1234")), plain(sweep));
        assert.deepEqual(plain(await sweeps.findSweepById(sweep.id)), plain(sweep));
        assert.deepEqual(
          (await sweeps.listSweeps(projectId, null, 10)).map((s) => s.name),
          ["efgh5678", "abcd1234"],
        );
        assert.deepEqual(
          (await sweeps.listSweeps(projectId, second.id, 10)).map((s) => s.name),
          ["abcd1234"],
        );
        assert.equal(await sweeps.countSweeps(projectId), 2);
        const updated = await sweeps.updateSweep(sweep.id, { state: "RUNNING", description: "d" }, 20);
        assert.equal(updated.state, "RUNNING");
        assert.equal(updated.description, "d");
        assert.equal(updated.displayName, "grid ✨", "fields not given stay");
        assert.equal(updated.updatedAt, 20);
      } finally {
        await fx.close();
      }
    });

    it("attaches runs by name and reads them back", async () => {
      const fx = await make();
      try {
        const { sweeps } = fx;
        const { projectId, userId } = await fx.seedRun();
        await sweeps.createSweep({
          projectId,
          name: "s1",
          displayName: null,
          description: null,
          config: "{}",
          method: "random",
          state: "RUNNING",
          userId,
          now: 1,
        });
        assert.deepEqual([...(await sweeps.existingRunNames(projectId, ["r", "nope"]))], ["r"]);
        assert.equal(await sweeps.attachRuns(projectId, "s1", ["r", "nope"]), 1);
        const runs = await sweeps.sweepRuns(projectId, "s1");
        assert.deepEqual(
          runs.map((run) => [run.name, run.stopRequested, run.exitCode]),
          [["r", false, null]],
        );
        assert.deepEqual(await sweeps.sweepRuns(projectId, "other"), []);
      } finally {
        await fx.close();
      }
    });

    it("keeps agents unique per name and a grid point assigned at most once at a time", async () => {
      const fx = await make();
      try {
        const { sweeps } = fx;
        const { projectId, userId } = await fx.seedRun();
        const sweep = await sweeps.createSweep({
          projectId,
          name: "g1",
          displayName: null,
          description: null,
          config: "{}",
          method: "grid",
          state: "RUNNING",
          userId,
          now: 1,
        });
        assert.ok(sweep);
        const agent = await sweeps.createAgent({ sweepId: sweep.id, name: "a1", host: "h", userId, now: 2 });
        assert.ok(agent);
        assert.equal(agent.state, "RUNNING");
        assert.equal(
          await sweeps.createAgent({ sweepId: sweep.id, name: "a1", host: "h", userId, now: 3 }),
          undefined,
        );
        const other = await sweeps.createAgent({ sweepId: sweep.id, name: "a2", host: "h2", userId, now: 3 });
        assert.ok(other);
        assert.deepEqual(plain(await sweeps.findAgentByName(sweep.id, "a1")), plain(agent));
        await sweeps.touchAgent(agent.id, "FINISHED", 9);
        assert.deepEqual(
          (await sweeps.listAgents(sweep.id)).map((a) => [a.name, a.state, a.heartbeatAt]),
          [
            ["a1", "FINISHED", 9],
            ["a2", "RUNNING", 3],
          ],
        );

        const point = (runName: string, agentId: number, pointKey: string | null, now: number) =>
          sweeps.addAssignment({ sweepId: sweep.id, runName, agentId, args: "{}", pointKey, now });
        // Two agents racing for one grid point: exactly one gets it.
        const raced = await Promise.all([
          point("run-a", agent.id, "lr=1", 10),
          point("run-b", other.id, "lr=1", 10),
        ]);
        assert.deepEqual(raced.filter(Boolean).length, 1, JSON.stringify(raced));
        const winner = raced[0] ? "run-a" : "run-b";
        assert.equal(await point("run-c", agent.id, "lr=2", 11), true);
        assert.equal(await point("run-c", other.id, "lr=3", 12), false, "a run name is assigned once");
        assert.equal(await point("run-d", agent.id, null, 13), true, "random points never collide");
        assert.equal(await point("run-e", agent.id, null, 13), true);
        // A released point can be assigned again.
        await sweeps.releaseAssignments(sweep.id, [winner]);
        assert.equal(await point("run-f", other.id, "lr=1", 14), true);
        assert.deepEqual(
          (await sweeps.assignments(sweep.id)).map((a) => [a.runName, a.status, a.pointKey]),
          [
            [winner, "released", "lr=1"],
            ["run-c", "assigned", "lr=2"],
            ["run-d", "assigned", null],
            ["run-e", "assigned", null],
            ["run-f", "assigned", "lr=1"],
          ],
        );
      } finally {
        await fx.close();
      }
    });
  });
}
