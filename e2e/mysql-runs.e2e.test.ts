/**
 * The runs store on a real MariaDB: the RunRepository contract (the same suite as on SQLite), then
 * what only a server with concurrent writers and column limits can show: concurrent creations of one
 * run, concurrent file_stream requests of one run, the metric key cache across a transaction that
 * is rolled back and run again, values too long for their columns, and utf8mb4 on a latin1 server.
 * Real: MariaDB 10.11, migrations, mysql2. Mocked: nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AppError } from "@ballast/core";
import { createConnection } from "mysql2/promise";
import { loadConfig } from "../apps/server/src/config.ts";
import { MysqlDatabase } from "../apps/server/src/stores/mysql/database.ts";
import { MysqlIdentityRepository } from "../apps/server/src/stores/mysql/identity.repository.ts";
import { MysqlRunRepository } from "../apps/server/src/stores/mysql/run.repository.ts";
import { historyBatch, lossLines, runRepositoryContract } from "../apps/server/src/stores/run.contract.ts";
import { type SeededRun, seedRun } from "../apps/server/src/stores/store-fixture.ts";
import { startMariaDb } from "./support/mariadb.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

let databases = 0;

interface MysqlRunsFixture {
  readonly url: string;
  readonly db: MysqlDatabase;
  readonly identity: MysqlIdentityRepository;
  readonly runs: MysqlRunRepository;
  seedRun(): Promise<SeededRun>;
  close(): Promise<void>;
}

/** A fresh migrated database with the identity and run repositories on it. */
async function openFixture(): Promise<MysqlRunsFixture> {
  const url = await mariadb.createDatabase(`runs${++databases}`);
  const settings = loadConfig({ env: { MYSQL: url } }).mysql;
  if (!settings) throw new Error("MYSQL did not parse");
  const db = await MysqlDatabase.open(settings);
  await db.migrate();
  const identity = new MysqlIdentityRepository(db);
  const runs = new MysqlRunRepository(db);
  return { url, db, identity, runs, seedRun: () => seedRun(identity, runs), close: () => db.close() };
}

runRepositoryContract("MariaDB", async () => {
  const f = await openFixture();
  return {
    ...f,
    requestStop: async (runId) => {
      await f.db.run("UPDATE runs SET stop_requested = 1 WHERE id = ?", [runId]);
    },
    eventLines: async (runId) =>
      (
        await f.db.all<{ lineNo: number; line: string }>(
          "SELECT line_no AS lineNo, line FROM run_events WHERE run_id = ? ORDER BY line_no",
          [runId],
        )
      ).map(({ lineNo, line }) => ({ lineNo, line })),
  };
});

function isInvalidArgument(error: unknown): boolean {
  return error instanceof AppError && error.code === "INVALID_ARGUMENT";
}

describe("MysqlRunRepository on MariaDB: concurrency, limits, encodings", () => {
  let f: MysqlRunsFixture;
  let seed: SeededRun;
  let names = 0;

  before(async () => {
    f = await openFixture();
    seed = await f.seedRun();
  });
  after(() => f.close());

  const create = (name: string, defaultDisplayName = (n: number) => `run-${n}`) =>
    f.runs.upsertRun({
      projectId: seed.projectId,
      name,
      userId: seed.userId,
      fields: {},
      defaultDisplayName,
      now: 10,
    });

  it("creates one run when several requests create the same new run at once; all of them see it", async () => {
    const before = await f.runs.countRuns(seed.projectId);
    const results = await Promise.all(Array.from({ length: 6 }, () => create("same-new-run")));
    assert.equal(new Set(results.map((r) => r.run.id)).size, 1);
    assert.equal(results.filter((r) => r.inserted).length, 1);
    assert.equal(await f.runs.countRuns(seed.projectId), before + 1);
    const stored = await f.runs.findRun(seed.projectId, "same-new-run");
    assert.equal(stored?.displayName, `run-${before + 1}`);
  });

  it("gives runs created at once in one project distinct ordinals", async () => {
    const before = await f.runs.countRuns(seed.projectId);
    const ordinals: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        create(`ordinal-${i}`, (n) => {
          ordinals.push(n);
          return `run-${n}`;
        }),
      ),
    );
    assert.deepEqual(
      ordinals.sort((a, b) => a - b),
      Array.from({ length: 6 }, (_, i) => before + 1 + i),
    );
  });

  it("stores each line once when requests with overlapping offsets arrive at once", async () => {
    const { run } = await create(`overlap-${++names}`);
    const writes = [lossLines(0, 300), lossLines(150, 450), lossLines(0, 450), lossLines(300, 600)];
    await Promise.all(
      [...writes, ...writes].map((history, i) => f.runs.applyFileStream(run.id, { history, now: 100 + i })),
    );
    const lines = await f.runs.historyLines(run.id, 0, 10_000);
    assert.deepEqual(
      lines.map((l) => l.lineNo),
      Array.from({ length: 600 }, (_, i) => i),
    );
    assert.equal((await f.runs.findRunById(run.id))?.historyLineCount, 600);
    const key = await f.runs.metricKeyIdByName(run.id, "loss");
    assert.ok(key !== undefined);
    const points = await f.runs.metricPoints(key, 0, 10_000, 10_000);
    assert.deepEqual(
      points.map((p) => p.step),
      Array.from({ length: 600 }, (_, i) => i),
    );
    assert.deepEqual(await f.runs.metricTiers(key, 3, 0, 0), [
      { bucket: 0, min: 0, max: 599, lastStep: 599, last: 599 },
    ]);
    const keys = await f.db.all("SELECT id FROM metric_keys WHERE run_id = ?", [run.id]);
    assert.equal(keys.length, 1, "one key however many requests raced to create it");
  });

  it("refuses a metric name longer than 760 characters with INVALID_ARGUMENT, writing nothing", async () => {
    const { run } = await create(`long-metric-${++names}`);
    const long = "m".repeat(761);
    await assert.rejects(
      f.runs.applyFileStream(run.id, {
        history: historyBatch(0, [JSON.stringify({ ok: 1, [long]: 2, _step: 0 })]),
        events: { offset: 0, lines: ['{"cpu":1}'] },
        logs: { offset: 0, lines: ["hello"] },
        summary: '{"ok":1}',
        complete: { exitCode: 0 },
        now: 500,
      }),
      (error) => isInvalidArgument(error) && /761 characters/.test((error as Error).message),
    );
    const stored = await f.runs.findRunById(run.id);
    assert.deepEqual(
      [
        stored?.historyLineCount,
        stored?.eventsLineCount,
        stored?.logLineCount,
        stored?.summary,
        stored?.state,
      ],
      [0, 0, 0, "{}", "running"],
    );
    assert.deepEqual(await f.runs.historyLines(run.id, 0, 10), []);
    assert.equal(await f.runs.metricKeyIdByName(run.id, "ok"), undefined);
    // 760 characters (of 4 bytes each in UTF-8) fit.
    const widest = "🎉".repeat(760);
    await f.runs.applyFileStream(run.id, {
      history: historyBatch(0, [JSON.stringify({ [widest]: 3 })]),
      now: 600,
    });
    const key = await f.runs.metricKeyIdByName(run.id, widest);
    assert.ok(key !== undefined);
    assert.deepEqual(await f.runs.metricPoints(key, 0, 10, 10), [{ step: 0, value: 3 }]);
  });

  it("refuses a run file name longer than its column with INVALID_ARGUMENT", async () => {
    const file = { runId: seed.runId, size: 1, md5: "x", storageKey: "k" };
    await assert.rejects(f.runs.upsertRunFile({ ...file, name: "f".repeat(761) }, 1), isInvalidArgument);
    await f.runs.upsertRunFile({ ...file, name: "a/b.txt" }, 1);
    await f.runs.upsertRunFile({ ...file, name: "a/b.txt", size: 2, md5: "y", storageKey: "k2" }, 2);
    const rows = await f.db.all<{ size: number; md5: string; storage_key: string; created_at: number }>(
      "SELECT size, md5, storage_key, created_at FROM run_files WHERE run_id = ?",
      [seed.runId],
    );
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [{ size: 2, md5: "y", storage_key: "k2", created_at: 1 }],
    );
  });

  it("stores alerts", async () => {
    await f.runs.addAlert({
      runId: seed.runId,
      title: "t",
      text: "x",
      severity: "WARN",
      waitSeconds: 1.5,
      now: 9,
    });
    const rows = await f.db.all<{ title: string; severity: string; wait_seconds: number }>(
      "SELECT title, severity, wait_seconds FROM run_alerts WHERE run_id = ?",
      [seed.runId],
    );
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [{ title: "t", severity: "WARN", wait_seconds: 1.5 }],
    );
  });

  it("keeps text outside latin1 exactly, on a server whose default character set is latin1", async () => {
    const name = `ünï-🎉-${++names}`;
    const { run } = await f.runs.upsertRun({
      projectId: seed.projectId,
      name,
      userId: seed.userId,
      fields: { displayName: "実験 🎉", tags: ["ß", "🚀"], config: '{"ключ":{"value":"值"}}' },
      defaultDisplayName: () => "unused",
      now: 1,
    });
    await f.runs.applyFileStream(run.id, {
      history: historyBatch(0, ['{"损失/🎉":1.5,"_step":0}']),
      logs: { offset: 0, lines: ["progress ▇▇▇ 🎉"] },
      events: { offset: 0, lines: ['{"gpu.0.温度":40}'] },
      now: 2,
    });
    const stored = await f.runs.findRun(seed.projectId, name);
    assert.deepEqual(
      [stored?.displayName, stored?.tags, stored?.config],
      ["実験 🎉", '["ß","🚀"]', '{"ключ":{"value":"值"}}'],
    );
    assert.deepEqual(await f.runs.historyLines(run.id, 0, 1), [
      { lineNo: 0, line: '{"损失/🎉":1.5,"_step":0}' },
    ]);
    assert.deepEqual(await f.runs.logLines(run.id, 0, 1), [{ lineNo: 0, line: "progress ▇▇▇ 🎉" }]);
    assert.equal(await f.runs.lastLine(run.id, "events"), '{"gpu.0.温度":40}');
    assert.ok((await f.runs.metricKeyIdByName(run.id, "损失/🎉")) !== undefined);
  });
});

describe("MysqlRunRepository on MariaDB: a file_stream transaction rolled back and run again", () => {
  let f: MysqlRunsFixture;
  let seed: SeededRun;

  before(async () => {
    // Lock waits of 1 s for the connections opened from now on, so a held lock times out quickly.
    await mariadb.sql("SET GLOBAL innodb_lock_wait_timeout = 1");
    f = await openFixture();
    seed = await f.seedRun();
  });
  after(async () => {
    await f.close();
    await mariadb.sql("SET GLOBAL innodb_lock_wait_timeout = 50");
  });

  it("caches only the metric keys of the attempt that committed", async () => {
    const { run } = await f.runs.upsertRun({
      projectId: seed.projectId,
      name: "retried",
      userId: seed.userId,
      fields: {},
      defaultDisplayName: () => "retried",
      now: 1,
    });
    // Another session holds event line 0 of the run: the request inserts its new key, then waits on
    // that line, times out, is rolled back (the key with it) and run again until the lock is gone.
    const blocker = await createConnection(f.url);
    try {
      await blocker.query("START TRANSACTION");
      await blocker.query("INSERT INTO run_events (run_id, line_no, line) VALUES (?, 0, 'held')", [run.id]);
      const first = f.runs.applyFileStream(run.id, {
        history: historyBatch(0, ['{"fresh":1,"_step":0}']),
        events: { offset: 0, lines: ["e0"] },
        now: 10,
      });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await blocker.query("ROLLBACK");
      await first;
    } finally {
      await blocker.end();
    }
    const key = await f.runs.metricKeyIdByName(run.id, "fresh");
    assert.ok(key !== undefined);
    // Ids are not reused after a rollback: the first attempt took id 1 of this fresh database.
    assert.ok(key > 1, "the request was rolled back and run again");
    // The next request uses the committed key: its point is found under it.
    await f.runs.applyFileStream(run.id, { history: historyBatch(1, ['{"fresh":2,"_step":1}']), now: 20 });
    assert.deepEqual(await f.runs.metricPoints(key, 0, 10, 10), [
      { step: 0, value: 1 },
      { step: 1, value: 2 },
    ]);
    assert.equal(await f.runs.lastLine(run.id, "events"), "e0");
  });
});
