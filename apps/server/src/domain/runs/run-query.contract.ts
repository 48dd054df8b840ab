/**
 * The runs filter and order language, parsed by the domain and compiled to SQL by a store, against
 * a real database: the same cases on every engine. SQLite runs it from run-query.test.ts, MariaDB
 * from e2e/mysql-run-reads.e2e.test.ts. Real: database, migrations, repositories, the RE2 matcher.
 * Mocked: nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AppError } from "@ballast/core";
import type { IdentityRepository, RunReadRepository, RunRepository } from "../../stores/repositories.ts";
import type { RunCursor } from "../../stores/run-query.ts";
import { decodeRunCursor, encodeRunCursor, parseRunFilter, parseRunOrder } from "./run-query.ts";

export interface RunQueryStores {
  readonly identity: IdentityRepository;
  readonly runs: RunRepository;
  readonly runReads: RunReadRepository;
  close(): Promise<void>;
}

/** Registers the suite; `open` gives fresh, migrated stores (closed after the suite). */
export function runQueryContract(label: string, open: () => Promise<RunQueryStores>): void {
  /** name → [state, tags, config text, summary text, display name, group]; created in this order. */
  const RUNS: Record<string, [string, string[], string, string, string, string | null]> = {
    r1: [
      "finished",
      ["a", "b"],
      '{"lr":{"value":0.1},"opt":{"value":"adam"},"model":{"value":{"depth":3,"name":"mlp"}},"flag":{"value":true},"it\'s \\"quoted\\"":{"value":7}}',
      '{"loss":0.5,"acc":NaN,"best":Infinity}',
      "alpha-1",
      "g1",
    ],
    r2: [
      "running",
      ["b"],
      '{"lr":{"value":0.01},"opt":{"value":"sgd"},"model":{"value":{"depth":5}},"flag":{"value":false}}',
      '{"loss":0.2,"big":9007199254740993}',
      "beta",
      "g1",
    ],
    r3: ["crashed", [], '{"lr":{"value":1},"opt":{"value":"Adam"}}', '{"loss":"n/a"}', "gamma-3", null],
    r4: ["finished", ["c"], "{}", "not json at all", "alpha-4", "g2"],
    r5: ["finished", [], '{"lr":{"value":NaN}}', '{"loss":-Infinity,"big":9007199254740995}', "delta", null],
  };

  let stores: RunQueryStores | undefined;
  let reads: RunReadRepository;
  let projectId = 0;

  before(async () => {
    stores = await open();
    const { identity, runs } = stores;
    reads = stores.runReads;
    const user = await identity.createUser({
      username: "alice",
      email: "a@example.com",
      isAdmin: false,
      now: 1,
    });
    const project = await identity.getOrCreateProject(user.defaultEntityId, "p", 1);
    projectId = project.id;
    let now = 1_700_000_000_000;
    for (const [name, [state, tags, config, summary, displayName, group]] of Object.entries(RUNS)) {
      now += 60_000;
      await runs.upsertRun({
        projectId,
        name,
        userId: user.id,
        fields: {
          state,
          tags,
          config,
          summary,
          displayName,
          ...(group === null ? {} : { groupName: group }),
        },
        defaultDisplayName: () => name,
        now,
      });
    }
  });

  after(async () => {
    await stores?.close();
  });

  async function names(filter: unknown, order = "+created_at"): Promise<string[]> {
    const rows = await reads.listRuns({
      projectId,
      filter: parseRunFilter(JSON.stringify(filter)),
      order: parseRunOrder(order),
      after: null,
      limit: 100,
    });
    return rows.map((row) => row.run.name);
  }

  /** Same as `names`, but for filters that need bigint literals (written as text). */
  async function namesOfText(filter: string): Promise<string[]> {
    const rows = await reads.listRuns({
      projectId,
      filter: parseRunFilter(filter),
      order: parseRunOrder("+created_at"),
      after: null,
      limit: 100,
    });
    return rows.map((row) => row.run.name);
  }

  function invalidArgument(body: () => unknown, message: RegExp): void {
    assert.throws(
      body,
      (error: unknown) =>
        error instanceof AppError && error.code === "INVALID_ARGUMENT" && message.test(error.message),
    );
  }

  describe(`runs filters on ${label}`, () => {
    it("compares config values by type, in both key forms", async () => {
      assert.deepEqual(await names({ "config.lr": { $gt: 0.05 } }), ["r1", "r3"]);
      assert.deepEqual(await names({ "config.lr.value": { $gt: 0.05 } }), ["r1", "r3"]);
      assert.deepEqual(await names({ "config.lr": { $gte: 0.1 } }), ["r1", "r3"]);
      assert.deepEqual(await names({ "config.lr": { $lt: 0.1 } }), ["r2"]);
      assert.deepEqual(await names({ "config.lr": { $lte: 0.1 } }), ["r1", "r2"]);
      assert.deepEqual(await names({ "config.lr": 0.01 }), ["r2"]);
      assert.deepEqual(await names({ "config.lr": { $eq: 1 } }), ["r3"], "integer 1 equals stored 1");
      // $ne matches runs without the key, and the NaN run (NaN is not a number to compare).
      assert.deepEqual(await names({ "config.lr": { $ne: 0.01 } }), ["r1", "r3", "r4", "r5"]);
    });

    it("compares strings, lists and regular expressions", async () => {
      assert.deepEqual(await names({ "config.opt": "adam" }), ["r1"]);
      assert.deepEqual(await names({ "config.opt": { $in: ["adam", "sgd"] } }), ["r1", "r2"]);
      assert.deepEqual(await names({ "config.opt": { $nin: ["adam", "sgd"] } }), ["r3", "r4", "r5"]);
      assert.deepEqual(await names({ "config.opt": { $regex: "^ad" } }), ["r1"]);
      assert.deepEqual(await names({ "config.opt": { $regex: "^ad", $options: "i" } }), ["r1", "r3"]);
      assert.deepEqual(
        await names({ "config.opt": { $gt: "b" } }),
        ["r2"],
        "strings compare only with strings",
      );
    });

    it("reads nested config values and compares objects and booleans", async () => {
      assert.deepEqual(await names({ "config.model.depth": { $gte: 4 } }), ["r2"]);
      assert.deepEqual(await names({ "config.model.value.depth": 3 }), ["r1"]);
      assert.deepEqual(await names({ "config.model": { depth: 3, name: "mlp" } }), ["r1"]);
      assert.deepEqual(await names({ "config.flag": true }), ["r1"]);
      assert.deepEqual(await names({ "config.flag": false }), ["r2"]);
      assert.deepEqual(await names({ "config.flag": { $ne: true } }), ["r2", "r3", "r4", "r5"]);
    });

    it("handles NaN, ±Infinity, big integers and unreadable summaries", async () => {
      assert.deepEqual(
        await names({ "summary_metrics.acc": { $exists: true } }),
        ["r1"],
        "NaN is a present null",
      );
      assert.deepEqual(await names({ "summary_metrics.loss": { $exists: false } }), ["r4"]);
      assert.deepEqual(await names({ "summary_metrics.best": { $gt: 1e308 } }), ["r1"], "Infinity > 1e308");
      assert.deepEqual(await names({ "summary_metrics.loss": { $lt: -1e308 } }), ["r5"], "-Infinity");
      assert.deepEqual(await names({ "summary_metrics.loss": { $gt: 0 } }), ["r1", "r2"], "numbers only");
      assert.deepEqual(await names({ "summary_metrics.loss": { $gt: "a" } }), ["r3"], "strings only");
      assert.deepEqual(await namesOfText('{"summary_metrics.big": 9007199254740993}'), ["r2"]);
      assert.deepEqual(await namesOfText('{"summary_metrics.big": {"$gt": 9007199254740993}}'), ["r5"]);
      assert.deepEqual(await names({ "summary.loss": 0.2 }), ["r2"]);
    });

    it("filters run columns and tags", async () => {
      assert.deepEqual(await names({ state: "finished" }), ["r1", "r4", "r5"]);
      assert.deepEqual(await names({ state: { $in: ["running", "crashed"] } }), ["r2", "r3"]);
      assert.deepEqual(await names({ tags: "b" }), ["r1", "r2"]);
      assert.deepEqual(await names({ tags: { $in: ["a", "c"] } }), ["r1", "r4"]);
      assert.deepEqual(await names({ tags: { $nin: ["b"] } }), ["r3", "r4", "r5"]);
      assert.deepEqual(await names({ tags: null }), ["r3", "r5"]);
      assert.deepEqual(await names({ tags: { $regex: "^[ac]$" } }), ["r1", "r4"]);
      assert.deepEqual(await names({ display_name: { $regex: "^alpha" } }), ["r1", "r4"]);
      assert.deepEqual(await names({ displayName: "beta" }), ["r2"]);
      assert.deepEqual(await names({ name: { $in: ["r2", "r5"] } }), ["r2", "r5"]);
      assert.deepEqual(await names({ group: "g1" }), ["r1", "r2"]);
      assert.deepEqual(await names({ group: null }), ["r3", "r5"]);
      assert.deepEqual(await names({ username: "alice" }), ["r1", "r2", "r3", "r4", "r5"]);
      assert.deepEqual(await names({ createdAt: { $gt: "2023-11-14T22:16:00" } }), ["r3", "r4", "r5"]);
      assert.deepEqual(await names({ created_at: { $lte: "2023-11-14T22:16:00Z" } }), ["r1", "r2"]);
    });

    it("combines with $and, $or, $nor, nesting and implicit AND", async () => {
      assert.deepEqual(await names({ $and: [{ state: "finished" }, { "config.lr": { $gt: 0.01 } }] }), [
        "r1",
      ]);
      assert.deepEqual(await names({ $or: [{ name: "r2" }, { name: "r4" }] }), ["r2", "r4"]);
      assert.deepEqual(await names({ $nor: [{ state: "finished" }, { tags: "b" }] }), ["r3"]);
      assert.deepEqual(await names({ state: "finished", tags: "c" }), ["r4"]);
      assert.deepEqual(await names({ "config.lr": { $gt: 0.005, $lt: 0.5 } }), ["r1", "r2"]);
      assert.deepEqual(
        await names({
          $or: [{ $and: [{ group: "g1" }, { tags: "a" }] }, { $nor: [{ state: { $ne: "crashed" } }] }],
        }),
        ["r1", "r3"],
      );
      assert.deepEqual(await names({}), ["r1", "r2", "r3", "r4", "r5"]);
    });

    it("binds hostile keys and values instead of splicing them into SQL", async () => {
      assert.deepEqual(await names({ 'config.it\'s "quoted"': 7 }), ["r1"]);
      assert.deepEqual(await names({ "config.x') OR 1=1 --": 1 }), []);
      assert.deepEqual(await names({ "summary_metrics.a\"]') --": { $exists: true } }), []);
      assert.deepEqual(await names({ "config.opt": "' OR '1'='1" }), []);
      assert.deepEqual(await names({ state: "x'; DROP TABLE runs; --" }), []);
      assert.deepEqual(await names({ "config.opt": { $regex: "'; DROP TABLE runs; --" } }), []);
      invalidArgument(
        () => parseRunFilter(JSON.stringify({ "config.opt": { $regex: "'); DROP TABLE runs; --" } })),
        /regex/,
      );
      assert.equal(await reads.countRuns(projectId, parseRunFilter("{}")), 5, "the table is intact");
    });

    it("answers a catastrophic-backtracking pattern in linear time", async () => {
      const started = performance.now();
      assert.deepEqual(await names({ display_name: { $regex: "^(a|aa|\\w+)*!$" } }), []);
      assert.ok(performance.now() - started < 1000);
    });

    it("counts what it lists", async () => {
      assert.equal(await reads.countRuns(projectId, parseRunFilter('{"tags": "b"}')), 2);
    });

    it("refuses malformed filters with a clear INVALID_ARGUMENT", () => {
      invalidArgument(() => parseRunFilter("{not json"), /not valid JSON/);
      invalidArgument(() => parseRunFilter("[1]"), /JSON object/);
      invalidArgument(() => parseRunFilter('{"config.lr": {"$where": "1"}}'), /unknown operator "\$where"/);
      invalidArgument(() => parseRunFilter('{"$where": "sleep(1)"}'), /unknown operator/);
      invalidArgument(() => parseRunFilter('{"config.lr": {"$gt": {"a": 1}}}'), /cannot compare objects/);
      invalidArgument(() => parseRunFilter('{"config.lr": {"$gt": true}}'), /booleans/);
      invalidArgument(() => parseRunFilter('{"config.lr": {"$in": 3}}'), /\$in takes a list/);
      invalidArgument(() => parseRunFilter('{"config.lr": {"$exists": 1}}'), /\$exists/);
      invalidArgument(() => parseRunFilter('{"config.lr": {"$regex": "("}}'), /regex/);
      invalidArgument(() => parseRunFilter('{"config.lr": {"$regex": "(a)\\\\1"}}'), /backreferences/);
      invalidArgument(() => parseRunFilter('{"foo": 1}'), /unknown field "foo"/);
      invalidArgument(() => parseRunFilter('{"config.": 1}'), /unknown field/);
      invalidArgument(() => parseRunFilter('{"$and": {"state": "x"}}'), /\$and takes a non-empty list/);
      invalidArgument(() => parseRunFilter('{"config.lr": {"$gt": 1, "x": 2}}'), /plain keys/);
      invalidArgument(() => parseRunFilter('{"createdAt": {"$gt": "yesterday"}}'), /ISO 8601/);
      invalidArgument(() => parseRunFilter('{"tags": {"$gt": "a"}}'), /tags/);
      invalidArgument(() => parseRunFilter('{"config.lr": NaN}'), /NaN/);
      let deep: unknown = { state: "x" };
      for (let i = 0; i < 20; i++) deep = { $and: [deep] };
      invalidArgument(() => parseRunFilter(JSON.stringify(deep)), /nested/);
      const many = { $or: Array.from({ length: 300 }, (_, i) => ({ name: `r${i}` })) };
      invalidArgument(() => parseRunFilter(JSON.stringify(many)), /more than 200 conditions/);
    });
  });

  describe(`runs order and keyset pagination on ${label}`, () => {
    it("orders by columns, config and summary values, stable by id", async () => {
      assert.deepEqual(await names({}, "-created_at"), ["r5", "r4", "r3", "r2", "r1"]);
      assert.deepEqual(await names({}, "+createdAt"), ["r1", "r2", "r3", "r4", "r5"]);
      assert.deepEqual(await names({}, "+display_name"), ["r1", "r4", "r2", "r5", "r3"]);
      // Missing/null first, then numbers (-Infinity first), then text.
      assert.deepEqual(await names({}, "+summary_metrics.loss"), ["r4", "r5", "r2", "r1", "r3"]);
      assert.deepEqual(await names({}, "-summary_metrics.loss"), ["r3", "r1", "r2", "r5", "r4"]);
      // Ties (r4 has no lr, r5's is NaN: both null) break by id, in the order's direction.
      assert.deepEqual(await names({}, "-config.lr.value"), ["r3", "r1", "r2", "r5", "r4"]);
      assert.deepEqual(await names({}, "+config.lr"), ["r4", "r5", "r2", "r1", "r3"]);
      assert.deepEqual(await names({}, "+state"), ["r3", "r1", "r4", "r5", "r2"]);
    });

    it("pages through every order with cursors, page after page, without loss or repeats", async () => {
      for (const order of [
        "+created_at",
        "-created_at",
        "+summary_metrics.loss",
        "-summary_metrics.loss",
        "+summary_metrics.big",
        "-summary_metrics.big",
        "-config.lr",
        "+group",
        "-state",
      ]) {
        const all = await names({}, order);
        const seen: string[] = [];
        let cursor: RunCursor | null = null;
        for (let page = 0; page < 10; page++) {
          const text: string | null = cursor ? encodeRunCursor(order, cursor) : null;
          const rows = await reads.listRuns({
            projectId,
            filter: parseRunFilter("{}"),
            order: parseRunOrder(order),
            after: decodeRunCursor(order, text),
            limit: 2,
          });
          seen.push(...rows.map((row) => row.run.name));
          if (rows.length < 2) break;
          cursor = rows.at(-1)?.cursor ?? null;
        }
        assert.deepEqual(seen, all, order);
      }
    });

    it("refuses unknown orders and foreign or forged cursors", () => {
      invalidArgument(() => parseRunOrder("+nonsense"), /Invalid runs order/);
      invalidArgument(() => parseRunOrder("-tags"), /tags/);
      const cursor = encodeRunCursor("+created_at", { value: 5, id: 1 });
      invalidArgument(() => decodeRunCursor("-created_at", cursor), /cursor/);
      invalidArgument(() => decodeRunCursor("+created_at", "bm90IGpzb24="), /cursor/);
      assert.deepEqual(decodeRunCursor("+x", encodeRunCursor("+x", { value: 2n ** 60n, id: 3 })), {
        value: 2n ** 60n,
        id: 3,
      });
      assert.deepEqual(
        decodeRunCursor("+x", encodeRunCursor("+x", { value: Number.NEGATIVE_INFINITY, id: 3 })),
        {
          value: Number.NEGATIVE_INFINITY,
          id: 3,
        },
      );
    });
  });
}
