/**
 * SqliteRunRepository on a real SQLite file (node:sqlite, migrated schema). Real: database,
 * migrations, identity repository, history-line parsing. Mocked: nothing. Each test builds its own
 * run; the silent-run sweep gets its own database because it scans every run.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseHistoryBatch } from "../../domain/runs/history-line.ts";
import type { FileStreamWrite, HistoryBatch, RunRecord } from "../records.ts";
import { SqliteDatabase } from "./database.ts";
import { SqliteIdentityRepository } from "./identity.repository.ts";
import { SqliteRunRepository } from "./run.repository.ts";

interface Fixture {
  readonly db: SqliteDatabase;
  readonly runs: SqliteRunRepository;
  readonly userId: number;
  readonly projectId: number;
}

const dir = mkdtempSync(join(tmpdir(), "ballast-runs-"));

async function openFixture(file: string): Promise<Fixture> {
  const db = new SqliteDatabase(join(dir, file));
  db.migrate();
  const identity = new SqliteIdentityRepository(db);
  const user = await identity.createUser({
    username: "alice",
    email: "alice@example.com",
    isAdmin: false,
    now: 1,
  });
  const project = await identity.getOrCreateProject(user.defaultEntityId, "mnist", 1);
  return { db, runs: new SqliteRunRepository(db), userId: user.id, projectId: project.id };
}

let runCounter = 0;

async function newRun(f: Fixture, now = 1000): Promise<RunRecord> {
  runCounter++;
  const { run, inserted } = await f.runs.upsertRun({
    projectId: f.projectId,
    name: `run${runCounter}`,
    userId: f.userId,
    fields: {},
    defaultDisplayName: () => `generated-${runCounter}`,
    now,
  });
  assert.equal(inserted, true);
  return run;
}

async function reload(f: Fixture, id: number): Promise<RunRecord> {
  const run = await f.runs.findRunById(id);
  assert.ok(run, `run ${id} missing`);
  return run;
}

/** History lines as the file_stream handler builds them: content[i] becomes line offset+i. */
function history(offset: number, texts: readonly string[]): HistoryBatch {
  return parseHistoryBatch(offset, texts);
}

/** Lines fromStep..toStepExclusive−1 at line numbers equal to their steps. */
function lossLines(fromStep: number, toStepExclusive: number, value = (step: number) => step): HistoryBatch {
  const texts: string[] = [];
  for (let step = fromStep; step < toStepExclusive; step++) {
    texts.push(JSON.stringify({ loss: value(step), _step: step }));
  }
  return parseHistoryBatch(fromStep, texts);
}

/** node:sqlite rows have a null prototype; copy them into plain objects to compare. */
function plain<T extends object>(rows: Promise<T[]>): Promise<T[]> {
  return rows.then((list) => list.map((row) => ({ ...row })));
}

async function keyOf(f: Fixture, runId: number, name: string): Promise<number> {
  const id = await f.runs.metricKeyIdByName(runId, name);
  assert.ok(id !== undefined, `metric ${name} has no key`);
  return id;
}

async function apply(f: Fixture, runId: number, write: Omit<FileStreamWrite, "now"> & { now?: number }) {
  return f.runs.applyFileStream(runId, { now: 2000, ...write });
}

describe("SqliteRunRepository (real SQLite file)", () => {
  let f: Fixture;

  before(async () => {
    f = await openFixture("runs.sqlite");
  });

  after(() => {
    f.db.close();
  });

  describe("upsertRun", () => {
    it("creates a run with a generated display name when none is given", async () => {
      const run = await newRun(f, 1234);
      assert.equal(run.displayName, `generated-${runCounter}`);
      assert.equal(run.state, "running");
      assert.equal(run.tags, "[]");
      assert.equal(run.config, "{}");
      assert.equal(run.summary, "{}");
      assert.equal(run.historyLineCount, 0);
      assert.equal(run.createdAt, 1234);
      assert.equal(run.heartbeatAt, 1234);
      assert.equal(run.stopRequested, false);
      assert.deepEqual(await f.runs.findRun(f.projectId, run.name), run);
    });

    it("leaves fields that are not given unchanged on update", async () => {
      let defaults = 0;
      const base = {
        projectId: f.projectId,
        name: "upsert-keep",
        userId: f.userId,
        defaultDisplayName: () => {
          defaults++;
          return "never-used";
        },
      };
      const config = '{"lr":{"value":NaN},"_wandb":{"value":{"t":{"1":[1]}}}}';
      const first = await f.runs.upsertRun({
        ...base,
        fields: { displayName: "first", notes: "n1", groupName: "g", tags: ["a", "b"], config, host: "h1" },
        now: 10,
      });
      assert.equal(first.inserted, true);
      assert.equal(defaults, 0);

      const second = await f.runs.upsertRun({ ...base, fields: { host: "h2" }, now: 20 });
      assert.equal(second.inserted, false);
      assert.equal(second.run.id, first.run.id);
      assert.equal(defaults, 0);
      const run = second.run;
      assert.equal(run.host, "h2");
      assert.equal(run.displayName, "first");
      assert.equal(run.notes, "n1");
      assert.equal(run.groupName, "g");
      assert.equal(run.tags, '["a","b"]');
      assert.equal(run.config, config);
      assert.equal(run.createdAt, 10);
      assert.equal(run.updatedAt, 20);

      const third = await f.runs.upsertRun({ ...base, fields: {}, now: 30 });
      assert.deepEqual({ ...third.run, updatedAt: 20 }, run);
      assert.equal(await f.runs.countRuns(f.projectId), runCounter + 1);
    });
  });

  describe("applyFileStream: history", () => {
    it("stores line i of a request at offset + i", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { history: history(5, ['{"a":1}', '{"a":2}', '{"a":3}']) });
      assert.deepEqual(await plain(f.runs.historyLines(run.id, 0, 100)), [
        { lineNo: 5, line: '{"a":1}' },
        { lineNo: 6, line: '{"a":2}' },
        { lineNo: 7, line: '{"a":3}' },
      ]);
      assert.equal((await reload(f, run.id)).historyLineCount, 8);
      assert.equal(await f.runs.lastLine(run.id, "history"), '{"a":3}');
    });

    it("commits concurrent requests together, rolling back only the one that fails", async () => {
      const a = await newRun(f);
      const b = await newRun(f);
      const results = await Promise.allSettled([
        f.runs.applyFileStream(a.id, { history: history(0, ['{"a":1}']), now: 2000 }),
        f.runs.applyFileStream(987_654, { history: history(0, ['{"x":1}']), now: 2000 }),
        f.runs.applyFileStream(b.id, { history: history(0, ['{"b":1}']), now: 2000 }),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ["fulfilled", "rejected", "fulfilled"],
      );
      assert.equal((await reload(f, a.id)).historyLineCount, 1);
      assert.equal((await reload(f, b.id)).historyLineCount, 1);
      const orphan = f.db.get<{ n: number }>(
        "SELECT count(*) AS n FROM history_chunks WHERE run_id = 987654",
      );
      assert.equal(orphan?.n, 0, "the failed write left nothing behind");
    });

    it("stores each line once when the same request is applied twice", async () => {
      const run = await newRun(f);
      const write = { history: lossLines(0, 3) };
      await apply(f, run.id, write);
      const once = await reload(f, run.id);
      const lossKey = await keyOf(f, run.id, "loss");
      await apply(f, run.id, write);
      const twice = await reload(f, run.id);
      assert.equal(twice.historyLineCount, 3);
      assert.equal(twice.historyLineCount, once.historyLineCount);
      assert.equal((await plain(f.runs.historyLines(run.id, 0, 100))).length, 3);
      assert.equal((await f.runs.metricPoints(lossKey, 0, 100, 1e9)).length, 3);
      assert.equal(await f.runs.metricKeyIdByName(run.id, "loss"), lossKey);
    });

    it("keeps the first content of a history line when it is re-sent with different content", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { history: history(0, ['{"loss":1,"_step":0}']) });
      await apply(f, run.id, { history: history(0, ['{"loss":999,"_step":0}']) });
      assert.deepEqual(await plain(f.runs.historyLines(run.id, 0, 10)), [
        { lineNo: 0, line: '{"loss":1,"_step":0}' },
      ]);
      assert.deepEqual(await plain(f.runs.metricPoints(await keyOf(f, run.id, "loss"), 0, 10, 10)), [
        { step: 0, value: 1 },
      ]);
    });

    it("stores out-of-order requests once each; the count is the highest line + 1", async () => {
      const run = await newRun(f);
      const texts = Array.from({ length: 13 }, (_, i) => `{"x":${i},"_step":${i}}`);
      await apply(f, run.id, { history: history(10, texts.slice(10)) });
      assert.equal((await reload(f, run.id)).historyLineCount, 13);
      await apply(f, run.id, { history: history(0, texts.slice(0, 10)) });
      assert.equal((await reload(f, run.id)).historyLineCount, 13);
      await apply(f, run.id, { history: history(10, texts.slice(10)) });
      const stored = await plain(f.runs.historyLines(run.id, 0, 100));
      assert.deepEqual(
        stored,
        texts.map((line, lineNo) => ({ lineNo, line })),
      );
      assert.equal((await reload(f, run.id)).historyLineCount, 13);
      assert.equal((await f.runs.metricPoints(await keyOf(f, run.id, "x"), 0, 100, 1e9)).length, 13);
      assert.deepEqual(await plain(f.runs.historyLines(run.id, 11, 1)), [{ lineNo: 11, line: texts[11] }]);
    });
  });

  describe("applyFileStream: events, console and summary", () => {
    it("writes events lines at offset + i; a line sent again replaces the stored one", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { events: { offset: 0, lines: ["e0", "e1"] } });
      await apply(f, run.id, { events: { offset: 1, lines: ["X1", "e2"] } });
      assert.equal((await reload(f, run.id)).eventsLineCount, 3);
      assert.equal(await f.runs.lastLine(run.id, "events"), "e2");
      const rows = f.db.all<{ line_no: number; line: string }>(
        "SELECT line_no, line FROM run_events WHERE run_id = ? ORDER BY line_no",
        [run.id],
      );
      assert.deepEqual(
        rows.map((r) => [r.line_no, r.line]),
        [
          [0, "e0"],
          [1, "X1"],
          [2, "e2"],
        ],
      );
    });

    it("overwrites console lines re-sent at the same offset with their new content", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { logs: { offset: 0, lines: ["a", "progress 10%", "c"] } });
      await apply(f, run.id, { logs: { offset: 1, lines: ["progress 50%", "c2"] } });
      await apply(f, run.id, { logs: { offset: 2, lines: ["c3", "d"] } });
      assert.deepEqual(await plain(f.runs.logLines(run.id, 0, 100)), [
        { lineNo: 0, line: "a" },
        { lineNo: 1, line: "progress 50%" },
        { lineNo: 2, line: "c3" },
        { lineNo: 3, line: "d" },
      ]);
      assert.equal((await reload(f, run.id)).logLineCount, 4);
      // A re-send of earlier lines does not shrink the count.
      await apply(f, run.id, { logs: { offset: 0, lines: ["A"] } });
      assert.equal((await reload(f, run.id)).logLineCount, 4);
      assert.deepEqual((await plain(f.runs.logLines(run.id, 0, 1)))[0], { lineNo: 0, line: "A" });
    });

    it("replaces the summary whole, and keeps it when a request carries none", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { summary: '{"a":1,"nested":{"x":NaN}}' });
      assert.equal((await reload(f, run.id)).summary, '{"a":1,"nested":{"x":NaN}}');
      await apply(f, run.id, { summary: '{"b":2}' });
      assert.equal((await reload(f, run.id)).summary, '{"b":2}');
      await apply(f, run.id, { history: lossLines(0, 1) });
      assert.equal((await reload(f, run.id)).summary, '{"b":2}');
    });

    it("records the heartbeat of every request", async () => {
      const run = await newRun(f, 1000);
      await apply(f, run.id, { now: 7777 });
      const stored = await reload(f, run.id);
      assert.equal(stored.heartbeatAt, 7777);
      assert.equal(stored.updatedAt, 7777);
    });
  });

  describe("applyFileStream: run state", () => {
    it("finishes a run on complete with exit code 0", async () => {
      const run = await newRun(f);
      const result = await apply(f, run.id, { complete: { exitCode: 0 }, now: 5000 });
      assert.deepEqual(result, { stopRequested: false });
      const stored = await reload(f, run.id);
      assert.equal(stored.state, "finished");
      assert.equal(stored.exitCode, 0);
      assert.equal(stored.finishedAt, 5000);
    });

    it("fails a run on complete with a non-zero exit code", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { complete: { exitCode: 3 }, now: 5000 });
      const stored = await reload(f, run.id);
      assert.equal(stored.state, "failed");
      assert.equal(stored.exitCode, 3);
      assert.equal(stored.finishedAt, 5000);
    });

    it("reports a stop request and marks the completed run killed", async () => {
      const run = await newRun(f);
      f.db.run("UPDATE runs SET stop_requested = 1 WHERE id = ?", [run.id]);
      assert.deepEqual(await apply(f, run.id, { history: lossLines(0, 1) }), { stopRequested: true });
      assert.equal((await reload(f, run.id)).state, "running");
      assert.deepEqual(await apply(f, run.id, { complete: { exitCode: 255 } }), { stopRequested: true });
      const stored = await reload(f, run.id);
      assert.equal(stored.state, "killed");
      assert.equal(stored.exitCode, 255);
      assert.equal(stored.stopRequested, true);
    });

    it("marks a run preempting", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { preempting: true });
      assert.equal((await reload(f, run.id)).state, "preempting");
    });

    it("resumes a finished run that streams again without complete", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { history: lossLines(0, 2), complete: { exitCode: 0 }, now: 3000 });
      assert.equal((await reload(f, run.id)).state, "finished");
      await apply(f, run.id, { history: lossLines(2, 3), now: 4000 });
      const stored = await reload(f, run.id);
      assert.equal(stored.state, "running");
      assert.equal(stored.exitCode, null);
      assert.equal(stored.finishedAt, null);
      assert.equal(stored.historyLineCount, 3);
    });

    it("does not touch the exit code of a running run that streams", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { history: lossLines(0, 1) });
      const stored = await reload(f, run.id);
      assert.equal(stored.state, "running");
      assert.equal(stored.exitCode, null);
      assert.equal(stored.finishedAt, null);
    });
  });

  describe("per-metric layout", () => {
    it("aggregates steps 0..4095 into tiers of 16^level steps", async () => {
      const run = await newRun(f);
      // Requests of 1000 lines, so tier buckets straddle requests and are merged in SQL.
      for (let start = 0; start < 4096; start += 1000) {
        await apply(f, run.id, { history: lossLines(start, Math.min(start + 1000, 4096)) });
      }
      const key = await keyOf(f, run.id, "loss");
      assert.equal((await f.runs.metricPoints(key, 0, 10_000, 1e9)).length, 4096);
      assert.deepEqual(await plain(f.runs.metricPoints(key, 998, 1001, 10)), [
        { step: 998, value: 998 },
        { step: 999, value: 999 },
        { step: 1000, value: 1000 },
        { step: 1001, value: 1001 },
      ]);

      // Level 2 bucket 3 spans steps 768..1023, split across the first two requests.
      const level2 = await plain(f.runs.metricTiers(key, 2, 0, 100));
      assert.deepEqual(
        level2,
        Array.from({ length: 16 }, (_, b) => ({
          bucket: b,
          min: b * 256,
          max: b * 256 + 255,
          lastStep: b * 256 + 255,
          last: b * 256 + 255,
        })),
      );
      assert.deepEqual(await plain(f.runs.metricTiers(key, 3, 0, 100)), [
        { bucket: 0, min: 0, max: 4095, lastStep: 4095, last: 4095 },
      ]);
      assert.deepEqual(await plain(f.runs.metricTiers(key, 5, 0, 100)), [
        { bucket: 0, min: 0, max: 4095, lastStep: 4095, last: 4095 },
      ]);

      // A re-sent line (even with other content) changes neither points nor tiers.
      const before = [
        await plain(f.runs.metricTiers(key, 2, 0, 0)),
        await plain(f.runs.metricTiers(key, 3, 0, 0)),
      ];
      await apply(f, run.id, { history: lossLines(5, 6, () => 1e9) });
      await apply(f, run.id, { history: lossLines(0, 16) });
      assert.deepEqual(
        [await plain(f.runs.metricTiers(key, 2, 0, 0)), await plain(f.runs.metricTiers(key, 3, 0, 0))],
        before,
      );
      assert.deepEqual(await plain(f.runs.metricPoints(key, 5, 5, 1)), [{ step: 5, value: 5 }]);
      assert.equal((await reload(f, run.id)).historyLineCount, 4096);
    });

    it("keeps the value of the highest step as a bucket's last, whatever the arrival order", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { history: lossLines(8, 256, (s) => 300 - s) });
      await apply(f, run.id, { history: lossLines(0, 8, (s) => 300 - s) });
      const key = await keyOf(f, run.id, "loss");
      assert.deepEqual(await plain(f.runs.metricTiers(key, 2, 0, 0)), [
        { bucket: 0, min: 45, max: 300, lastStep: 255, last: 45 },
      ]);
    });

    it("stores NaN as a NULL value, keeps ±Infinity, and leaves NULL out of min/max", async () => {
      const run = await newRun(f);
      await apply(f, run.id, {
        history: history(0, [
          '{"v":NaN,"_step":0}',
          '{"v":3,"_step":1}',
          '{"v":Infinity,"_step":2}',
          '{"v":-Infinity,"_step":3}',
          '{"v":NaN,"_step":4}',
        ]),
      });
      const key = await keyOf(f, run.id, "v");
      assert.deepEqual(await plain(f.runs.metricPoints(key, 0, 10, 10)), [
        { step: 0, value: null },
        { step: 1, value: 3 },
        { step: 2, value: Number.POSITIVE_INFINITY },
        { step: 3, value: Number.NEGATIVE_INFINITY },
        { step: 4, value: null },
      ]);
      assert.deepEqual(await plain(f.runs.metricTiers(key, 2, 0, 0)), [
        { bucket: 0, min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY, lastStep: 4, last: null },
      ]);
    });

    it("keeps a bucket's min/max when a later request brings only NaN, and fills them from NULL", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { history: history(0, ['{"v":NaN,"_step":0}']) });
      const key = await keyOf(f, run.id, "v");
      assert.deepEqual(await plain(f.runs.metricTiers(key, 2, 0, 0)), [
        { bucket: 0, min: null, max: null, lastStep: 0, last: null },
      ]);
      await apply(f, run.id, { history: history(1, ['{"v":7,"_step":1}']) });
      await apply(f, run.id, { history: history(2, ['{"v":NaN,"_step":2}']) });
      assert.deepEqual(await plain(f.runs.metricTiers(key, 2, 0, 0)), [
        { bucket: 0, min: 7, max: 7, lastStep: 2, last: null },
      ]);
    });

    it("keeps one key per flattened metric name per run", async () => {
      const run = await newRun(f);
      await apply(f, run.id, { history: history(0, ['{"a":{"b":1},"c":2,"_step":0}']) });
      await apply(f, run.id, { history: history(1, ['{"a":{"b":3},"d":4,"_step":1}']) });
      const names = f.db
        .all<{ name: string }>("SELECT name FROM metric_keys WHERE run_id = ? ORDER BY name", [run.id])
        .map((r) => r.name);
      assert.deepEqual(names, ["a.b", "c", "d"]);
      assert.deepEqual(await plain(f.runs.metricPoints(await keyOf(f, run.id, "a.b"), 0, 10, 10)), [
        { step: 0, value: 1 },
        { step: 1, value: 3 },
      ]);
      const other = await newRun(f);
      await apply(f, other.id, { history: history(0, ['{"c":5,"_step":0}']) });
      assert.notEqual(await keyOf(f, other.id, "c"), await keyOf(f, run.id, "c"));
      assert.deepEqual(await plain(f.runs.metricPoints(await keyOf(f, run.id, "c"), 0, 10, 10)), [
        { step: 0, value: 2 },
      ]);
    });
  });
});

describe("SqliteRunRepository.markSilentRunsCrashed (own database)", () => {
  let f: Fixture;

  before(async () => {
    f = await openFixture("silent.sqlite");
  });

  after(() => {
    f.db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("marks running and preempting runs silent since before the cutoff as crashed, and nothing else", async () => {
    const silent = await newRun(f, 1000);
    const alive = await newRun(f, 1000);
    const preempting = await newRun(f, 1000);
    const finished = await newRun(f, 1000);
    const justAtCutoff = await newRun(f, 3000);
    await f.runs.applyFileStream(alive.id, { now: 5000 });
    await f.runs.applyFileStream(preempting.id, { preempting: true, now: 1500 });
    await f.runs.applyFileStream(finished.id, { complete: { exitCode: 0 }, now: 1500 });

    assert.equal(await f.runs.markSilentRunsCrashed(3000, 6000), 2);
    assert.equal((await reload(f, silent.id)).state, "crashed");
    assert.equal((await reload(f, silent.id)).updatedAt, 6000);
    assert.equal((await reload(f, preempting.id)).state, "crashed");
    assert.equal((await reload(f, alive.id)).state, "running");
    assert.equal((await reload(f, finished.id)).state, "finished");
    assert.equal((await reload(f, justAtCutoff.id)).state, "running");

    // Idempotent: a second sweep finds nothing new.
    assert.equal(await f.runs.markSilentRunsCrashed(3000, 7000), 0);

    // A crashed run whose client comes back is running again.
    await f.runs.applyFileStream(silent.id, { now: 8000 });
    assert.equal((await reload(f, silent.id)).state, "running");
  });
});
