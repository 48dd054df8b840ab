/**
 * Backend outages during ingestion, on the production stack: MariaDB (metadata and metrics), MinIO
 * (objects, SigV4 checked), Redis (cache) and the internal queue. A real `wandb` client logs one step
 * every 50 ms while the test stops Redis, then the database, then the object store, each for a
 * while. Every answer the client gets passes through a recording proxy: it may be a success or a
 * retryable status (429, 5xx) and nothing else, because the client drops data on any 4xx. Once the
 * backends are back, every step lands exactly once and the file saved last is recorded.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type MariaDb, startMariaDb } from "./support/mariadb.ts";
import { type Minio, startMinio } from "./support/minio.ts";
import { killScripts, setupPython, startScript } from "./support/python.ts";
import { type Redis, startRedis } from "./support/redis.ts";
import {
  createUser,
  makeDir,
  makeWorkspace,
  type ServerHandle,
  sleep,
  startServer,
  type Workspace,
} from "./support/server.ts";

interface Steady {
  run_id: string;
  entity: string;
  project: string;
  steps: number;
  file: { md5_hex: string; size: number };
}

interface Answer {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly phase: string;
}

/** A reverse proxy that records every answer's status, tagged with the test's current phase. */
async function recordingProxy(target: () => string, phase: () => string) {
  const answers: Answer[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const url = new URL(incoming.url ?? "/", target());
    const upstream = request(
      url,
      { method: incoming.method, headers: { ...incoming.headers, host: url.host } },
      (response) => {
        answers.push({
          method: incoming.method ?? "",
          path: (incoming.url ?? "").split("?")[0] ?? "",
          status: response.statusCode ?? 0,
          phase: phase(),
        });
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on("error", () => {
      // The server itself is never stopped here; a refused connection would be the test's fault.
      answers.push({ method: incoming.method ?? "", path: incoming.url ?? "", status: 502, phase: phase() });
      outgoing.writeHead(502).end();
    });
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("backend outages during ingestion (MariaDB, MinIO, Redis)", () => {
  let mariadb: MariaDb;
  let minio: Minio;
  let redis: Redis;
  let workspace: Workspace;
  let server: ServerHandle;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let apiKey = "";
  let mysqlUrl = "";
  let phase = "start";

  before(
    async () => {
      await setupPython();
      [mariadb, minio, redis] = await Promise.all([startMariaDb(), startMinio(), startRedis()]);
      mysqlUrl = await mariadb.createDatabase("outages");
      workspace = await makeWorkspace("outages");
      const env = {
        MYSQL: mysqlUrl,
        BUCKET: `s3://${minio.accessKeyId}:${minio.secretAccessKey}@${new URL(minio.endpoint).host}/${minio.bucket}/outages`,
        AWS_REGION: minio.region,
        REDIS: redis.url,
      };
      server = await startServer({ dataDir: workspace.dataDir, logDir: workspace.logDir, env });
      apiKey = await createUser(workspace.dataDir, "outage-user", "outage@example.com", env);
      proxy = await recordingProxy(
        () => server.url,
        () => phase,
      );
    },
    { timeout: 600_000 },
  );

  after(async () => {
    killScripts();
    await proxy?.close();
    await server?.stop();
    await workspace?.dispose();
    await Promise.all([mariadb?.dispose(), minio?.dispose(), redis?.dispose()]);
  });

  it("answers only retryable statuses while each backend is down, and loses nothing", {
    timeout: 600_000,
  }, async () => {
    const stopFile = join(workspace.dataDir, "..", "stop-logging");
    const script = await startScript<Steady>(
      "steady_run.py",
      ["--project", "outages", "--stop-file", stopFile],
      { baseUrl: proxy.url, apiKey, dir: await makeDir(workspace, "steady") },
      540_000,
    );
    let logged = 0;
    script.onLine((line) => {
      const match = /^step (\d+)$/.exec(line);
      if (match) logged = Number(match[1]);
    });
    const waitForSteps = async (more: number) => {
      const target = logged + more;
      const deadline = Date.now() + 120_000;
      while (logged < target) {
        if (Date.now() > deadline) throw new Error(`the client logged ${logged} steps, expected ${target}`);
        await sleep(200);
      }
    };

    await waitForSteps(100);
    for (const [name, backend] of [
      ["redis", redis],
      ["database", mariadb],
      ["objects", minio],
    ] as const) {
      phase = `${name} down`;
      await backend.stop();
      // Longer than the client's file_stream interval, so requests arrive while it is down.
      await sleep(20_000);
      await backend.start();
      phase = `after ${name}`;
      await waitForSteps(100);
    }
    phase = "finishing";
    await writeFile(stopFile, "");
    const { result } = await script.done;

    // The client's own usage telemetry (OTLP, best effort, no user data) has no endpoint here.
    const refused = proxy.answers.filter(
      (answer) =>
        answer.status >= 400 &&
        answer.status < 500 &&
        answer.status !== 429 &&
        answer.path !== "/sdk/otel/v1/metrics",
    );
    assert.deepEqual(refused, [], "no answer the client would give up on");
    const retryable = proxy.answers.filter((answer) => answer.status === 429 || answer.status >= 500);
    assert.ok(
      retryable.some((answer) => answer.phase === "database down"),
      `the database outage was seen by the client: ${JSON.stringify(
        proxy.answers.filter((answer) => answer.phase === "database down"),
      )}`,
    );

    // Every step exactly once, in order, read back through the server (wandb.Api would page them).
    const base = server.url;
    const auth = `Basic ${Buffer.from(`api:${apiKey}`).toString("base64")}`;
    const historyQuery = `query { project(name: "outages", entityName: "${result.entity}") {
      run(name: "${result.run_id}") { historyLineCount state
        history(samples: 100000) files(names: ["after.txt"]) { edges { node { name md5 sizeBytes } } } } } }`;
    const answer = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ query: historyQuery }),
    });
    assert.equal(answer.status, 200);
    const body = (await answer.json()) as {
      data: {
        project: {
          run: {
            historyLineCount: number;
            state: string;
            history: string[];
            files: { edges: { node: { name: string; md5: string; sizeBytes: number } }[] };
          };
        };
      };
    };
    const run = body.data.project.run;
    assert.equal(run.state, "finished");
    assert.equal(run.historyLineCount, result.steps);
    const steps = run.history.map((line) => (JSON.parse(line) as { _step: number })._step);
    assert.deepEqual(
      steps,
      Array.from({ length: result.steps }, (_, i) => i),
      "each step once, in order",
    );
    const file = run.files.edges[0]?.node;
    assert.equal(file?.name, "after.txt");
    assert.equal(file?.sizeBytes, result.file.size);
    assert.equal(Buffer.from(file?.md5 ?? "", "base64").toString("hex"), result.file.md5_hex);
  });
});
