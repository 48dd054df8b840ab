/**
 * The run query copies of migration 0006 on a real migrated SQLite file (the history reads are
 * domain/runs/history-read.contract.ts's). Real: database, migrations, run repository.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseRunFilter, parseRunOrder } from "../../domain/runs/run-query.ts";
import { createSqliteFixture } from "./test-fixture.ts";

const fixture = createSqliteFixture("query-copies");
const { db, runs, runReads: reads } = fixture;
let projectId = 0;
let userId = 0;

before(async () => {
  ({ projectId, userId } = await fixture.seedRun());
});

after(() => fixture.close());

describe("run query copies (migration 0006)", () => {
  async function query(filters: object, order: string): Promise<string[]> {
    const page = await reads.listRuns({
      projectId,
      filter: parseRunFilter(JSON.stringify(filters)),
      order: parseRunOrder(order),
      after: null,
      limit: 10,
    });
    return page.map(({ run }) => run.name);
  }

  it("follow config and summary updates and go away with the run", async () => {
    const upsert = (name: string, fields: { config?: string; summary?: string }) =>
      runs.upsertRun({ projectId, name, userId, fields, defaultDisplayName: () => name, now: 3 });
    await upsert("q1", { config: '{"lr": {"value": 0.1}}', summary: '{"acc": 1}' });
    await upsert("q2", { config: '{"lr": {"value": 0.5}}', summary: '{"acc": NaN}' });
    assert.deepEqual(await query({ "config.lr": { $gt: 0.2 } }, "+name"), ["q2"]);
    await upsert("q1", { config: '{"lr": {"value": 0.9}}' });
    assert.deepEqual(await query({ "config.lr": { $gt: 0.2 } }, "-summary_metrics.acc"), ["q1", "q2"]);
    await upsert("q2", { summary: '{"acc": 7}' });
    assert.deepEqual(await query({ "config.lr": { $gt: 0.2 } }, "-summary_metrics.acc"), ["q2", "q1"]);
    const q2 = await runs.findRun(projectId, "q2");
    assert.ok(q2);
    await reads.deleteRun(q2.id, false, 4);
    const left = db.get<{ n: number }>(
      "SELECT (SELECT count(*) FROM run_config_query WHERE run_id = ?) + (SELECT count(*) FROM run_summary_query WHERE run_id = ?) AS n",
      [q2.id, q2.id],
    );
    assert.equal(left?.n, 0);
    assert.deepEqual(await query({ "config.lr": { $gt: 0.2 } }, "+name"), ["q1"]);
  });
});
