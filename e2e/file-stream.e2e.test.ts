/**
 * file_stream over HTTP against a real server (in-process, port 0, real SQLite): the offset
 * semantics of the W&B protocol (reference §7.3). Checked from the store, not from the answers.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { loadConfig, type RunningServer, startServer } from "../apps/server/src/index.ts";
import { openStore } from "./support/store.ts";

describe("file_stream offsets over HTTP", () => {
  let dir: string;
  let server: RunningServer;
  let auth: string;
  let entity: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ballast-fs-"));
    server = await startServer(
      loadConfig({ env: { BALLAST_LISTEN_HOST: "127.0.0.1" }, flags: { port: "0", dataDir: dir } }),
    );
    auth = `Basic ${Buffer.from(`api:${server.firstLogin}`).toString("base64")}`;
    entity = "admin";
  });

  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function createRun(name: string): Promise<void> {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({
        query:
          "mutation($n: String, $p: String) { upsertBucket(input: {name: $n, modelName: $p}) { bucket { id } } }",
        variables: { n: name, p: "fs" },
      }),
    });
    assert.equal(response.status, 200, await response.text());
  }

  async function stream(run: string, body: unknown, gzip = false): Promise<Response> {
    const json = Buffer.from(JSON.stringify(body));
    return fetch(`${server.url}/files/${entity}/fs/${run}/file_stream`, {
      method: "POST",
      headers: {
        authorization: auth,
        "content-type": "application/json",
        ...(gzip ? { "content-encoding": "gzip" } : {}),
      },
      body: gzip ? gzipSync(json) : json,
    });
  }

  async function stored(run: string) {
    const db = await openStore(dir);
    try {
      const row = await db.one(
        "SELECT id, state, exit_code, summary, history_line_count, log_line_count FROM runs WHERE name = ?",
        run,
      );
      const history = (await db.historyRows(row.id as number)).map((r) => [r.line_no, r.line]);
      const logs = (
        await db.all("SELECT line_no, line FROM run_logs WHERE run_id = ? ORDER BY line_no", row.id as number)
      ).map((r) => [r.line_no, r.line]);
      return { row, history, logs };
    } finally {
      await db.close();
    }
  }

  const lines = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => JSON.stringify({ _step: from + i, loss: (from + i) / 10 }));

  it("stores each line once when the same body is posted twice", async () => {
    await createRun("twice");
    const body = { files: { "wandb-history.jsonl": { offset: 0, content: lines(0, 5) } } };
    assert.equal((await stream("twice", body)).status, 200);
    assert.equal((await stream("twice", body)).status, 200);
    const { row, history } = await stored("twice");
    assert.equal(row.history_line_count, 5);
    assert.deepEqual(
      history,
      lines(0, 5).map((line, i) => [i, line]),
    );
  });

  it("stores each line once when bodies arrive out of order", async () => {
    await createRun("shuffled");
    for (const [from, to] of [
      [5, 10],
      [0, 5],
      [5, 10],
      [10, 12],
    ] as const) {
      const response = await stream("shuffled", {
        files: { "wandb-history.jsonl": { offset: from, content: lines(from, to) } },
      });
      assert.equal(response.status, 200);
    }
    const { row, history } = await stored("shuffled");
    assert.equal(row.history_line_count, 12);
    assert.deepEqual(
      history,
      lines(0, 12).map((line, i) => [i, line]),
    );
  });

  it("rewrites console lines, replaces the summary and ends the run from complete/exitcode", async () => {
    await createRun("console");
    await stream("console", {
      files: {
        "output.log": { offset: 0, content: ["epoch 1 10%", "x"] },
        "wandb-summary.json": { offset: 0, content: ['{"loss":1}'] },
      },
    });
    const response = await stream(
      "console",
      {
        files: {
          "output.log": { offset: 0, content: ["epoch 1 100%"] },
          "wandb-summary.json": { offset: 0, content: ['{"acc":NaN}'] },
        },
        complete: true,
        exitcode: 3,
      },
      true,
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {});
    const { row, logs } = await stored("console");
    assert.deepEqual(logs, [
      [0, "epoch 1 100%"],
      [1, "x"],
    ]);
    assert.equal(row.summary, '{"acc":NaN}');
    assert.equal(row.state, "failed");
    assert.equal(row.exit_code, 3);
  });

  it("takes a finished run re-initialised with the same id and no resume from offset 0 again", async () => {
    // wandb verify's artifact check runs `wandb.init(id=<p>-log_artifact)` twice in one process with
    // no `resume` (wandb/sdk/verify/verify.py: log_use_download_artifact): the second init upserts a
    // finished run and its file_stream starts over at offset 0.
    const upsert = async () => {
      const response = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify({
          query: `mutation($n: String, $p: String, $c: JSONString) {
            upsertBucket(input: {name: $n, modelName: $p, config: $c}) { bucket { id } inserted } }`,
          variables: { n: "again", p: "fs", c: '{"test":{"value":"artifact log"}}' },
        }),
      });
      const body = (await response.json()) as {
        data?: { upsertBucket: { bucket: { id: string }; inserted: boolean } };
        errors?: unknown;
      };
      assert.equal(response.status, 200);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.ok(body.data);
      return body.data.upsertBucket;
    };
    const first = await upsert();
    assert.equal(first.inserted, true);
    const opening = {
      files: {
        "wandb-history.jsonl": { offset: 0, content: lines(0, 3) },
        "wandb-summary.json": { offset: 0, content: ['{"round":1}'] },
      },
    };
    assert.equal((await stream("again", opening)).status, 200);
    assert.equal((await stream("again", { complete: true, exitcode: 0 })).status, 200);
    assert.equal((await stored("again")).row.state, "finished");

    const second = await upsert();
    assert.equal(second.inserted, false, "the same run, not a new one");
    assert.equal(second.bucket.id, first.bucket.id);
    const restart = {
      files: {
        "wandb-history.jsonl": { offset: 0, content: lines(0, 5) },
        "wandb-summary.json": { offset: 0, content: ['{"round":2}'] },
      },
    };
    assert.equal((await stream("again", restart)).status, 200);
    const running = (await stored("again")).row;
    assert.equal(running.state, "running", "streaming again reopens the run");
    assert.equal(running.exit_code, null);
    assert.equal((await stream("again", { complete: true, exitcode: 0 })).status, 200);
    const { row, history } = await stored("again");
    assert.equal(row.state, "finished");
    assert.equal(row.exit_code, 0);
    assert.equal(row.summary, '{"round":2}');
    assert.equal(row.history_line_count, 5);
    assert.deepEqual(
      history,
      lines(0, 5).map((line, i) => [i, line]),
    );
  });

  it("refuses a malformed body whole, with a reason, storing nothing", async () => {
    await createRun("bad");
    for (const body of [
      { files: { "wandb-history.jsonl": { offset: -1, content: lines(0, 1) } } },
      { files: { "wandb-history.jsonl": { offset: 0, content: [1, 2] } } },
      { files: [] },
      { exitcode: "0" },
    ]) {
      const response = await stream("bad", body);
      assert.equal(response.status, 400);
      const error = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(error.error.code, "BAD_REQUEST");
      assert.ok(error.error.message.length > 10);
    }
    const { row, history } = await stored("bad");
    assert.equal(row.history_line_count, 0);
    assert.deepEqual(history, []);
  });

  it("answers 404 for a run that was never created, so the client stops instead of retrying forever", async () => {
    const response = await stream("never-created", { files: {} });
    assert.equal(response.status, 404);
  });
});
