/**
 * SqliteRunRepository on a real SQLite file (node:sqlite, migrated schema): the shared RunRepository
 * contract (../run.contract.ts), plus what only the SQLite store does (its group commit). Mocked:
 * nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { historyBatch, runRepositoryContract } from "../run.contract.ts";
import { createSqliteFixture } from "./test-fixture.ts";

runRepositoryContract("SQLite", async () => {
  const fixture = createSqliteFixture("runs");
  return {
    ...fixture,
    close: async () => fixture.close(),
    requestStop: async (runId) => {
      fixture.db.run("UPDATE runs SET stop_requested = 1 WHERE id = ?", [runId]);
    },
    eventLines: async (runId) =>
      fixture.db
        .all<{ lineNo: number; line: string }>(
          "SELECT line_no AS lineNo, line FROM run_events WHERE run_id = ? ORDER BY line_no",
          [runId],
        )
        .map(({ lineNo, line }) => ({ lineNo, line })),
  };
});

describe("SqliteRunRepository group commit", () => {
  it("commits concurrent requests together, rolling back only the one that fails", async () => {
    const f = createSqliteFixture("runs-group");
    try {
      const { projectId, userId } = await f.seedRun();
      const make = async (name: string) =>
        (
          await f.runs.upsertRun({
            projectId,
            name,
            userId,
            fields: {},
            defaultDisplayName: () => name,
            now: 1,
          })
        ).run;
      const a = await make("a");
      const b = await make("b");
      const results = await Promise.allSettled([
        f.runs.applyFileStream(a.id, { history: historyBatch(0, ['{"a":1}']), now: 2000 }),
        f.runs.applyFileStream(987_654, { history: historyBatch(0, ['{"x":1}']), now: 2000 }),
        f.runs.applyFileStream(b.id, { history: historyBatch(0, ['{"b":1}']), now: 2000 }),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ["fulfilled", "rejected", "fulfilled"],
      );
      // The failing request wrote its chunk and key before it failed; its savepoint undid both.
      for (const table of ["history_chunks", "metric_keys"]) {
        const orphan = f.db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE run_id = 987654`);
        assert.equal(orphan?.n, 0, `the failed write left nothing in ${table}`);
      }
      assert.equal((await f.runs.findRunById(a.id))?.historyLineCount, 1);
      assert.equal((await f.runs.findRunById(b.id))?.historyLineCount, 1);
    } finally {
      f.close();
    }
  });
});
