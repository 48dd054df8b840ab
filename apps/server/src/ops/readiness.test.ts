import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { directoryReadiness, type ReadinessCheck, ReadinessError } from "../stores/readiness.ts";
import { SqliteDatabase } from "../stores/sqlite/database.ts";
import { sqliteReadiness } from "../stores/sqlite/sqlite.readiness.ts";
import { Readiness } from "./readiness.ts";

const ok = (name: string): ReadinessCheck => ({ name, check: async () => {} });
const failing = (name: string, error: unknown): ReadinessCheck => ({
  name,
  check: async () => {
    throw error;
  },
});

describe("Readiness", () => {
  it("is ready when every check passes, and times each", async () => {
    const report = await new Readiness([ok("database"), ok("objects")], { log: () => {} }).evaluate();
    assert.equal(report.ready, true);
    assert.equal(report.body.status, "ready");
    assert.deepEqual(Object.keys(report.body.checks), ["database", "objects"]);
    for (const result of Object.values(report.body.checks)) {
      assert.equal(result.ok, true);
      assert.ok(result.ms >= 0);
    }
  });

  it("names the failing check with our message, and keeps a driver's text (and its secrets) out", async () => {
    const logged: string[] = [];
    const driverError = Object.assign(new Error("connect to mysql://root:hunter2@db:3306 refused"), {
      code: "ECONNREFUSED",
    });
    const readiness = new Readiness(
      [
        ok("objects"),
        failing("database", driverError),
        failing("cache", new ReadinessError("cache: Redis is down")),
      ],
      { log: (line) => logged.push(line) },
    );
    const report = await readiness.evaluate();
    assert.equal(report.ready, false);
    assert.equal(report.body.status, "not ready");
    assert.equal(report.body.checks.objects?.ok, true);
    assert.deepEqual(report.body.checks.database, {
      ok: false,
      ms: report.body.checks.database?.ms,
      message: "database: check failed (ECONNREFUSED)",
    });
    assert.equal(report.body.checks.cache?.message, "cache: Redis is down");
    assert.doesNotMatch(JSON.stringify(report.body), /hunter2/);
    // The log (operators only) has the cause, once per change of state.
    assert.equal(logged.length, 2);
    assert.match(logged.join("\n"), /refused/);
    await readiness.evaluate();
    assert.equal(logged.length, 2, "a check failing again is not logged again");
  });

  it("fails a check that does not answer within the timeout, and aborts its signal", async () => {
    let aborted = false;
    const hanging: ReadinessCheck = {
      name: "queue",
      check: (signal) =>
        new Promise(() => {
          signal.addEventListener("abort", () => {
            aborted = true;
          });
        }),
    };
    const started = Date.now();
    const report = await new Readiness([hanging, ok("database")], {
      timeoutMs: 100,
      log: () => {},
    }).evaluate();
    assert.ok(Date.now() - started < 1_000);
    assert.equal(report.ready, false);
    assert.equal(report.body.checks.queue?.message, "queue: no answer within 100 ms");
    assert.equal(report.body.checks.database?.ok, true);
    assert.equal(aborted, true);
  });

  it("runs the checks once for concurrent probes", async () => {
    let runs = 0;
    const counted: ReadinessCheck = {
      name: "database",
      check: async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
    };
    const readiness = new Readiness([counted], { log: () => {} });
    await Promise.all([readiness.evaluate(), readiness.evaluate(), readiness.evaluate()]);
    assert.equal(runs, 1);
    await readiness.evaluate();
    assert.equal(runs, 2);
  });

  it("stays ready but says degraded when only a check that is not required fails (the cache)", async () => {
    const cache: ReadinessCheck = {
      name: "cache",
      required: false,
      check: async () => {
        throw new ReadinessError("cache: Redis is not connected (reconnecting); reads go to the database");
      },
    };
    const report = await new Readiness([ok("database"), cache], { log: () => {} }).evaluate();
    assert.equal(report.ready, true);
    assert.equal(report.body.status, "degraded");
    assert.equal(report.body.checks.cache?.ok, false);
    assert.equal(report.body.checks.cache?.required, false);
    const failedDatabase = await new Readiness([failing("database", new Error("x")), cache], {
      log: () => {},
    }).evaluate();
    assert.equal(failedDatabase.ready, false);
    assert.equal(failedDatabase.body.status, "not ready");
  });

  it("answers not ready once draining, even with healthy dependencies", async () => {
    const readiness = new Readiness([ok("database")], { log: () => {} });
    readiness.startDraining();
    const report = await readiness.evaluate();
    assert.equal(report.ready, false);
    assert.equal(report.body.status, "shutting down");
    assert.equal(report.body.checks.database?.ok, true);
  });
});

describe("store readiness checks", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ballast-readiness-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("SQLite: passes on an open database, fails once it is closed", async () => {
    const database = new SqliteDatabase(join(dir, "ballast.sqlite"));
    database.migrate();
    const check = sqliteReadiness(database);
    await check.check(new AbortController().signal);
    database.close();
    await assert.rejects(check.check(new AbortController().signal), (error: Error) => {
      assert.ok(error instanceof ReadinessError);
      assert.equal(
        error.message,
        "database: the embedded SQLite database did not answer a query (ERR_INVALID_STATE)",
      );
      return true;
    });
  });

  it("directory: passes for an existing or creatable directory, fails when a file is in the way", async () => {
    const signal = new AbortController().signal;
    await directoryReadiness("objects", dir, "objects").check(signal);
    // Not created yet (a new installation): the parent is writable, so the store can create it.
    await directoryReadiness("objects", join(dir, "not-yet", "objects"), "objects").check(signal);
    await writeFile(join(dir, "file"), "x");
    await assert.rejects(
      directoryReadiness("objects", join(dir, "file"), "objects: the local object directory").check(signal),
      /^ReadinessError: objects: the local object directory: is not a directory$/,
    );
    await assert.rejects(
      directoryReadiness("objects", join(dir, "file", "objects"), "objects").check(signal),
      /^ReadinessError: objects: cannot be examined \(ENOTDIR\)$/,
    );
  });
});
