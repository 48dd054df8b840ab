/**
 * The behaviour every RunRepository must have, run on SQLite (sqlite/run.repository.test.ts) and on
 * MariaDB (e2e/mysql-runs.e2e.test.ts). Each suite gets a fresh database; each test builds its own
 * runs in the seeded project, and the silent-run sweep gets a database of its own because it scans
 * every run.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type JsonValue, parseLenientJson } from "@ballast/core";
import type { FileStreamWrite, HistoryBatch, RunRecord } from "./records.ts";
import type { RunRepository } from "./repositories.ts";
import type { FixtureFactory } from "./store-fixture.ts";

/** Engine-level access for what no repository method does yet. */
export interface RunContractHooks {
  /** Sets the run's stop request (the stop button's column; no repository method sets it yet). */
  requestStop(runId: number): Promise<void>;
  /** Every stored events line of the run, by line number (the repository reads only the last). */
  eventLines(runId: number): Promise<{ lineNo: number; line: string }[]>;
}

/** A fresh database's repositories and seed (`store-fixture.ts`), and the hooks above. */
export type RunContractFixture = Awaited<ReturnType<FixtureFactory<"runs" | "identity">>> & RunContractHooks;
type Fixture = RunContractFixture;

/**
 * History lines in the columns the file_stream handler builds (domain/runs/history-line.ts, which a
 * store may not import): line i is line number offset + i, its step `_step` (else the line number),
 * its metrics every numeric leaf under its flattened name.
 */
export function historyBatch(offset: number, texts: readonly string[]): HistoryBatch {
  const names: string[] = [];
  const keys: number[] = [];
  const values: number[] = [];
  const starts = [0];
  const steps = texts.map((text, i) => {
    const parsed = parseLenientJson(text) as { [key: string]: JsonValue };
    const collect = (object: { [key: string]: JsonValue }, prefix: string) => {
      for (const [key, value] of Object.entries(object)) {
        const name = prefix + key;
        if (name === "_step") continue;
        if (typeof value === "number") {
          if (!names.includes(name)) names.push(name);
          keys.push(names.indexOf(name));
          values.push(value);
        } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
          collect(value, `${name}.`);
        }
      }
    };
    collect(parsed, "");
    starts.push(keys.length);
    return typeof parsed._step === "number" ? parsed._step : offset + i;
  });
  return {
    offset,
    texts,
    steps: Float64Array.from(steps),
    starts: Int32Array.from(starts),
    names,
    keys: Int32Array.from(keys),
    values: Float64Array.from(values),
  };
}

/** Lines fromStep..toStepExclusive−1 at line numbers equal to their steps. */
export function lossLines(
  fromStep: number,
  toStepExclusive: number,
  value = (step: number) => step,
): HistoryBatch {
  const texts: string[] = [];
  for (let step = fromStep; step < toStepExclusive; step++) {
    texts.push(JSON.stringify({ loss: value(step), _step: step }));
  }
  return historyBatch(fromStep, texts);
}

/** Rows of some drivers have a null prototype; copy them into plain objects to compare. */
function plain<T extends object>(rows: Promise<T[]>): Promise<T[]> {
  return rows.then((list) => list.map((row) => ({ ...row })));
}

export function runRepositoryContract(label: string, make: () => Promise<Fixture>): void {
  let runCounter = 0;
  let projectId = 0;
  let userId = 0;

  async function newRun(runs: RunRepository, now = 1000): Promise<RunRecord> {
    runCounter++;
    const { run, inserted } = await runs.upsertRun({
      projectId,
      name: `run${runCounter}`,
      userId,
      fields: {},
      defaultDisplayName: () => `generated-${runCounter}`,
      now,
    });
    assert.equal(inserted, true);
    return run;
  }

  async function reload(runs: RunRepository, id: number): Promise<RunRecord> {
    const run = await runs.findRunById(id);
    assert.ok(run, `run ${id} missing`);
    return run;
  }

  async function keyOf(runs: RunRepository, runId: number, name: string): Promise<number> {
    const id = await runs.metricKeyIdByName(runId, name);
    assert.ok(id !== undefined, `metric ${name} has no key`);
    return id;
  }

  function apply(runs: RunRepository, runId: number, write: Omit<FileStreamWrite, "now"> & { now?: number }) {
    return runs.applyFileStream(runId, { now: 2000, ...write });
  }

  describe(`RunRepository contract: ${label}`, () => {
    let f: Fixture;
    let runs: RunRepository;

    before(async () => {
      f = await make();
      runs = f.runs;
      // The seeded run `r` is one of the project's runs (countRuns below).
      ({ projectId, userId } = await f.seedRun());
    });

    after(() => f.close());

    describe("upsertRun", () => {
      it("creates a run with a generated display name when none is given", async () => {
        const run = await newRun(runs, 1234);
        assert.equal(run.displayName, `generated-${runCounter}`);
        assert.equal(run.state, "running");
        assert.equal(run.tags, "[]");
        assert.equal(run.config, "{}");
        assert.equal(run.summary, "{}");
        assert.equal(run.historyLineCount, 0);
        assert.equal(run.createdAt, 1234);
        assert.equal(run.heartbeatAt, 1234);
        assert.equal(run.stopRequested, false);
        assert.deepEqual(await runs.findRun(projectId, run.name), run);
      });

      it("passes the new run's ordinal in its project to the default display name", async () => {
        const before = await runs.countRuns(projectId);
        const ordinals: number[] = [];
        const { run } = await runs.upsertRun({
          projectId,
          name: "ordinal",
          userId,
          fields: {},
          defaultDisplayName: (ordinal) => {
            ordinals.push(ordinal);
            return `run-${ordinal}`;
          },
          now: 5,
        });
        runCounter++;
        assert.deepEqual(ordinals, [before + 1]);
        assert.equal(run.displayName, `run-${before + 1}`);
      });

      it("leaves fields that are not given unchanged on update", async () => {
        let defaults = 0;
        const base = {
          projectId,
          name: "upsert-keep",
          userId,
          defaultDisplayName: () => {
            defaults++;
            return "never-used";
          },
        };
        const config = '{"lr":{"value":NaN},"_wandb":{"value":{"t":{"1":[1]}}}}';
        const first = await runs.upsertRun({
          ...base,
          fields: { displayName: "first", notes: "n1", groupName: "g", tags: ["a", "b"], config, host: "h1" },
          now: 10,
        });
        assert.equal(first.inserted, true);
        assert.equal(defaults, 0);

        const second = await runs.upsertRun({ ...base, fields: { host: "h2" }, now: 20 });
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

        const third = await runs.upsertRun({ ...base, fields: {}, now: 30 });
        assert.deepEqual({ ...third.run, updatedAt: 20 }, run);
        // runCounter runs by newRun (and the ordinal test), this one, and the seeded run `r`.
        assert.equal(await runs.countRuns(projectId), runCounter + 2);
      });
    });

    describe("applyFileStream: history", () => {
      it("stores line i of a request at offset + i", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { history: historyBatch(5, ['{"a":1}', '{"a":2}', '{"a":3}']) });
        assert.deepEqual(await plain(runs.historyLines(run.id, 0, 100)), [
          { lineNo: 5, line: '{"a":1}' },
          { lineNo: 6, line: '{"a":2}' },
          { lineNo: 7, line: '{"a":3}' },
        ]);
        assert.equal((await reload(runs, run.id)).historyLineCount, 8);
        assert.equal(await runs.lastLine(run.id, "history"), '{"a":3}');
      });

      it("applies concurrent requests independently; one for a missing run fails and leaves nothing", async () => {
        const a = await newRun(runs);
        const b = await newRun(runs);
        const results = await Promise.allSettled([
          runs.applyFileStream(a.id, { history: historyBatch(0, ['{"a":1}']), now: 2000 }),
          runs.applyFileStream(987_654, { history: historyBatch(0, ['{"x":1}']), now: 2000 }),
          runs.applyFileStream(b.id, { history: historyBatch(0, ['{"b":1}']), now: 2000 }),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ["fulfilled", "rejected", "fulfilled"],
        );
        assert.equal((await reload(runs, a.id)).historyLineCount, 1);
        assert.equal((await reload(runs, b.id)).historyLineCount, 1);
        assert.deepEqual(await runs.historyLines(987_654, 0, 10), [], "the failed write left no lines");
        assert.equal(await runs.metricKeyIdByName(987_654, "x"), undefined, "nor a metric key");
      });

      it("stores each line once when the same request is applied twice", async () => {
        const run = await newRun(runs);
        const write = { history: lossLines(0, 3) };
        await apply(runs, run.id, write);
        const once = await reload(runs, run.id);
        const lossKey = await keyOf(runs, run.id, "loss");
        await apply(runs, run.id, write);
        const twice = await reload(runs, run.id);
        assert.equal(twice.historyLineCount, 3);
        assert.equal(twice.historyLineCount, once.historyLineCount);
        assert.equal((await plain(runs.historyLines(run.id, 0, 100))).length, 3);
        assert.equal((await runs.metricPoints(lossKey, 0, 100, 1e9)).length, 3);
        assert.equal(await runs.metricKeyIdByName(run.id, "loss"), lossKey);
      });

      it("keeps the first content of a history line when it is re-sent with different content", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { history: historyBatch(0, ['{"loss":1,"_step":0}']) });
        await apply(runs, run.id, { history: historyBatch(0, ['{"loss":999,"_step":0}']) });
        assert.deepEqual(await plain(runs.historyLines(run.id, 0, 10)), [
          { lineNo: 0, line: '{"loss":1,"_step":0}' },
        ]);
        assert.deepEqual(await plain(runs.metricPoints(await keyOf(runs, run.id, "loss"), 0, 10, 10)), [
          { step: 0, value: 1 },
        ]);
      });

      it("stores out-of-order requests once each; the count is the highest line + 1", async () => {
        const run = await newRun(runs);
        const texts = Array.from({ length: 13 }, (_, i) => `{"x":${i},"_step":${i}}`);
        await apply(runs, run.id, { history: historyBatch(10, texts.slice(10)) });
        assert.equal((await reload(runs, run.id)).historyLineCount, 13);
        await apply(runs, run.id, { history: historyBatch(0, texts.slice(0, 10)) });
        assert.equal((await reload(runs, run.id)).historyLineCount, 13);
        await apply(runs, run.id, { history: historyBatch(10, texts.slice(10)) });
        const stored = await plain(runs.historyLines(run.id, 0, 100));
        assert.deepEqual(
          stored,
          texts.map((line, lineNo) => ({ lineNo, line })),
        );
        assert.equal((await reload(runs, run.id)).historyLineCount, 13);
        assert.equal((await runs.metricPoints(await keyOf(runs, run.id, "x"), 0, 100, 1e9)).length, 13);
        assert.deepEqual(await plain(runs.historyLines(run.id, 11, 1)), [{ lineNo: 11, line: texts[11] }]);
      });
    });

    describe("applyFileStream: large lines", () => {
      it("stores a request of large lines, more than one MySQL packet in all, byte for byte", async () => {
        const run = await newRun(runs);
        // 7 lines of 3 MB (UTF-8 of two bytes a character): 21 MB, above MariaDB's default 16 MB
        // max_allowed_packet, in one request as wandb-core may send (file_stream bodies up to 64 MB).
        const texts = Array.from(
          { length: 7 },
          (_, i) => `{"_step":${i},"blob":"${"é".repeat(1_572_864)}${i}"}`,
        );
        await apply(runs, run.id, { history: historyBatch(0, texts) });
        const stored = await runs.historyLines(run.id, 0, 10);
        assert.equal(stored.length, 7);
        for (const [i, line] of stored.entries()) assert.ok(line.line === texts[i], `line ${i} intact`);
        assert.equal((await reload(runs, run.id)).historyLineCount, 7);
      });
    });

    describe("applyFileStream: events, console and summary", () => {
      it("writes events lines at offset + i; a line sent again replaces the stored one", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { events: { offset: 0, lines: ["e0", "e1"] } });
        await apply(runs, run.id, { events: { offset: 1, lines: ["X1", "e2"] } });
        assert.equal((await reload(runs, run.id)).eventsLineCount, 3);
        assert.equal(await runs.lastLine(run.id, "events"), "e2");
        assert.deepEqual(
          (await f.eventLines(run.id)).map((r) => [r.lineNo, r.line]),
          [
            [0, "e0"],
            [1, "X1"],
            [2, "e2"],
          ],
        );
      });

      it("overwrites console lines re-sent at the same offset with their new content", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { logs: { offset: 0, lines: ["a", "progress 10%", "c"] } });
        await apply(runs, run.id, { logs: { offset: 1, lines: ["progress 50%", "c2"] } });
        await apply(runs, run.id, { logs: { offset: 2, lines: ["c3", "d"] } });
        assert.deepEqual(await plain(runs.logLines(run.id, 0, 100)), [
          { lineNo: 0, line: "a" },
          { lineNo: 1, line: "progress 50%" },
          { lineNo: 2, line: "c3" },
          { lineNo: 3, line: "d" },
        ]);
        assert.equal((await reload(runs, run.id)).logLineCount, 4);
        // A re-send of earlier lines does not shrink the count.
        await apply(runs, run.id, { logs: { offset: 0, lines: ["A"] } });
        assert.equal((await reload(runs, run.id)).logLineCount, 4);
        assert.deepEqual((await plain(runs.logLines(run.id, 0, 1)))[0], { lineNo: 0, line: "A" });
      });

      it("replaces the summary whole, and keeps it when a request carries none", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { summary: '{"a":1,"nested":{"x":NaN}}' });
        assert.equal((await reload(runs, run.id)).summary, '{"a":1,"nested":{"x":NaN}}');
        await apply(runs, run.id, { summary: '{"b":2}' });
        assert.equal((await reload(runs, run.id)).summary, '{"b":2}');
        await apply(runs, run.id, { history: lossLines(0, 1) });
        assert.equal((await reload(runs, run.id)).summary, '{"b":2}');
      });

      it("records the heartbeat of every request", async () => {
        const run = await newRun(runs, 1000);
        await apply(runs, run.id, { now: 7777 });
        const stored = await reload(runs, run.id);
        assert.equal(stored.heartbeatAt, 7777);
        assert.equal(stored.updatedAt, 7777);
      });
    });

    describe("applyFileStream: run state", () => {
      it("finishes a run on complete with exit code 0", async () => {
        const run = await newRun(runs);
        const result = await apply(runs, run.id, { complete: { exitCode: 0 }, now: 5000 });
        assert.deepEqual(result, { stopRequested: false });
        const stored = await reload(runs, run.id);
        assert.equal(stored.state, "finished");
        assert.equal(stored.exitCode, 0);
        assert.equal(stored.finishedAt, 5000);
      });

      it("fails a run on complete with a non-zero exit code", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { complete: { exitCode: 3 }, now: 5000 });
        const stored = await reload(runs, run.id);
        assert.equal(stored.state, "failed");
        assert.equal(stored.exitCode, 3);
        assert.equal(stored.finishedAt, 5000);
      });

      it("reports a stop request and marks the completed run killed", async () => {
        const run = await newRun(runs);
        await f.requestStop(run.id);
        assert.deepEqual(await apply(runs, run.id, { history: lossLines(0, 1) }), { stopRequested: true });
        assert.equal((await reload(runs, run.id)).state, "running");
        assert.deepEqual(await apply(runs, run.id, { complete: { exitCode: 255 } }), { stopRequested: true });
        const stored = await reload(runs, run.id);
        assert.equal(stored.state, "killed");
        assert.equal(stored.exitCode, 255);
        assert.equal(stored.stopRequested, true);
      });

      it("marks a run preempting", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { preempting: true });
        assert.equal((await reload(runs, run.id)).state, "preempting");
      });

      it("resumes a finished run that streams again without complete", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { history: lossLines(0, 2), complete: { exitCode: 0 }, now: 3000 });
        assert.equal((await reload(runs, run.id)).state, "finished");
        await apply(runs, run.id, { history: lossLines(2, 3), now: 4000 });
        const stored = await reload(runs, run.id);
        assert.equal(stored.state, "running");
        assert.equal(stored.exitCode, null);
        assert.equal(stored.finishedAt, null);
        assert.equal(stored.historyLineCount, 3);
      });

      it("does not touch the exit code of a running run that streams", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { history: lossLines(0, 1) });
        const stored = await reload(runs, run.id);
        assert.equal(stored.state, "running");
        assert.equal(stored.exitCode, null);
        assert.equal(stored.finishedAt, null);
      });
    });

    describe("per-metric layout", () => {
      it("aggregates steps 0..4095 into tiers of 16^level steps", async () => {
        const run = await newRun(runs);
        // Requests of 1000 lines, so tier buckets straddle requests and are merged in SQL.
        for (let start = 0; start < 4096; start += 1000) {
          await apply(runs, run.id, { history: lossLines(start, Math.min(start + 1000, 4096)) });
        }
        const key = await keyOf(runs, run.id, "loss");
        assert.equal((await runs.metricPoints(key, 0, 10_000, 1e9)).length, 4096);
        assert.deepEqual(await plain(runs.metricPoints(key, 998, 1001, 10)), [
          { step: 998, value: 998 },
          { step: 999, value: 999 },
          { step: 1000, value: 1000 },
          { step: 1001, value: 1001 },
        ]);

        // Level 2 bucket 3 spans steps 768..1023, split across the first two requests.
        const level2 = await plain(runs.metricTiers(key, 2, 0, 100));
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
        assert.deepEqual(await plain(runs.metricTiers(key, 3, 0, 100)), [
          { bucket: 0, min: 0, max: 4095, lastStep: 4095, last: 4095 },
        ]);
        assert.deepEqual(await plain(runs.metricTiers(key, 5, 0, 100)), [
          { bucket: 0, min: 0, max: 4095, lastStep: 4095, last: 4095 },
        ]);

        // A re-sent line (even with other content) changes neither points nor tiers.
        const before = [
          await plain(runs.metricTiers(key, 2, 0, 0)),
          await plain(runs.metricTiers(key, 3, 0, 0)),
        ];
        await apply(runs, run.id, { history: lossLines(5, 6, () => 1e9) });
        await apply(runs, run.id, { history: lossLines(0, 16) });
        assert.deepEqual(
          [await plain(runs.metricTiers(key, 2, 0, 0)), await plain(runs.metricTiers(key, 3, 0, 0))],
          before,
        );
        assert.deepEqual(await plain(runs.metricPoints(key, 5, 5, 1)), [{ step: 5, value: 5 }]);
        assert.equal((await reload(runs, run.id)).historyLineCount, 4096);
      });

      it("keeps the value of the highest step as a bucket's last, whatever the arrival order", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { history: lossLines(8, 256, (s) => 300 - s) });
        await apply(runs, run.id, { history: lossLines(0, 8, (s) => 300 - s) });
        const key = await keyOf(runs, run.id, "loss");
        assert.deepEqual(await plain(runs.metricTiers(key, 2, 0, 0)), [
          { bucket: 0, min: 45, max: 300, lastStep: 255, last: 45 },
        ]);
      });

      it("stores NaN as a NULL value, keeps ±Infinity, and leaves NULL out of min/max", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, {
          history: historyBatch(0, [
            '{"v":NaN,"_step":0}',
            '{"v":3,"_step":1}',
            '{"v":Infinity,"_step":2}',
            '{"v":-Infinity,"_step":3}',
            '{"v":NaN,"_step":4}',
          ]),
        });
        const key = await keyOf(runs, run.id, "v");
        assert.deepEqual(await plain(runs.metricPoints(key, 0, 10, 10)), [
          { step: 0, value: null },
          { step: 1, value: 3 },
          { step: 2, value: Number.POSITIVE_INFINITY },
          { step: 3, value: Number.NEGATIVE_INFINITY },
          { step: 4, value: null },
        ]);
        assert.deepEqual(await plain(runs.metricTiers(key, 2, 0, 0)), [
          {
            bucket: 0,
            min: Number.NEGATIVE_INFINITY,
            max: Number.POSITIVE_INFINITY,
            lastStep: 4,
            last: null,
          },
        ]);
      });

      it("keeps a bucket's min/max when a later request brings only NaN, and fills them from NULL", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { history: historyBatch(0, ['{"v":NaN,"_step":0}']) });
        const key = await keyOf(runs, run.id, "v");
        assert.deepEqual(await plain(runs.metricTiers(key, 2, 0, 0)), [
          { bucket: 0, min: null, max: null, lastStep: 0, last: null },
        ]);
        await apply(runs, run.id, { history: historyBatch(1, ['{"v":7,"_step":1}']) });
        await apply(runs, run.id, { history: historyBatch(2, ['{"v":NaN,"_step":2}']) });
        assert.deepEqual(await plain(runs.metricTiers(key, 2, 0, 0)), [
          { bucket: 0, min: 7, max: 7, lastStep: 2, last: null },
        ]);
      });

      it("keeps one key per flattened metric name per run", async () => {
        const run = await newRun(runs);
        await apply(runs, run.id, { history: historyBatch(0, ['{"a":{"b":1},"c":2,"_step":0}']) });
        await apply(runs, run.id, { history: historyBatch(1, ['{"a":{"b":3},"d":4,"_step":1}']) });
        for (const name of ["a.b", "c", "d"]) await keyOf(runs, run.id, name);
        assert.equal(await runs.metricKeyIdByName(run.id, "a"), undefined);
        assert.equal(await runs.metricKeyIdByName(run.id, "b"), undefined);
        assert.deepEqual(await plain(runs.metricPoints(await keyOf(runs, run.id, "a.b"), 0, 10, 10)), [
          { step: 0, value: 1 },
          { step: 1, value: 3 },
        ]);
        const other = await newRun(runs);
        await apply(runs, other.id, { history: historyBatch(0, ['{"c":5,"_step":0}']) });
        assert.notEqual(await keyOf(runs, other.id, "c"), await keyOf(runs, run.id, "c"));
        assert.deepEqual(await plain(runs.metricPoints(await keyOf(runs, run.id, "c"), 0, 10, 10)), [
          { step: 0, value: 2 },
        ]);
      });
    });
  });

  describe(`RunRepository contract: ${label}: markSilentRunsCrashed (own database)`, () => {
    let f: Fixture;
    let runs: RunRepository;

    before(async () => {
      f = await make();
      runs = f.runs;
      ({ projectId, userId } = await f.seedRun());
    });

    after(() => f.close());

    it("marks running and preempting runs silent since before the cutoff as crashed, and nothing else", async () => {
      // The seeded run (heartbeat 1) is silent too.
      const silent = await newRun(runs, 1000);
      const alive = await newRun(runs, 1000);
      const preempting = await newRun(runs, 1000);
      const finished = await newRun(runs, 1000);
      const justAtCutoff = await newRun(runs, 3000);
      await runs.applyFileStream(alive.id, { now: 5000 });
      await runs.applyFileStream(preempting.id, { preempting: true, now: 1500 });
      await runs.applyFileStream(finished.id, { complete: { exitCode: 0 }, now: 1500 });

      assert.equal(await runs.markSilentRunsCrashed(3000, 6000), 3);
      assert.equal((await reload(runs, silent.id)).state, "crashed");
      assert.equal((await reload(runs, silent.id)).updatedAt, 6000);
      assert.equal((await reload(runs, preempting.id)).state, "crashed");
      assert.equal((await reload(runs, alive.id)).state, "running");
      assert.equal((await reload(runs, finished.id)).state, "finished");
      assert.equal((await reload(runs, justAtCutoff.id)).state, "running");

      // Idempotent: a second sweep finds nothing new.
      assert.equal(await runs.markSilentRunsCrashed(3000, 7000), 0);

      // A crashed run whose client comes back is running again.
      await runs.applyFileStream(silent.id, { now: 8000 });
      assert.equal((await reload(runs, silent.id)).state, "running");
    });
  });
}
