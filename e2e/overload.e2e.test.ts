/**
 * Overload is a transient fault: past the concurrency limit the server answers 429 with Retry-After
 * (which the W&B client retries), never a status the client gives up on.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfig, type RunningServer, startServer } from "../apps/server/src/index.ts";

describe("overload", () => {
  let dir: string;
  let server: RunningServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ballast-overload-"));
    const env = { BALLAST_LISTEN_HOST: "127.0.0.1", BALLAST_MAX_CONCURRENT_REQUESTS: "1" };
    server = await startServer(loadConfig({ env, flags: { port: "0", dataDir: dir } }));
  });

  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers 429 with Retry-After past the concurrency limit, and serves again once below it", async () => {
    // Hold the only slot: a GraphQL request whose body has not fully arrived yet.
    const auth = `Basic ${Buffer.from(`api:${server.firstLogin}`).toString("base64")}`;
    const body = JSON.stringify({ query: "{ viewer { username } }" });
    const held = request(`${server.url}/graphql`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json", "content-length": body.length },
    });
    const heldResponse = new Promise<number>((resolve, reject) => {
      held.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      held.on("error", reject);
    });
    held.write(body.slice(0, 5));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const refused = await fetch(`${server.url}/api/v1/projects`);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get("retry-after")) > 0, "Retry-After is set");
    const error = (await refused.json()) as { error: { code: string } };
    assert.equal(error.error.code, "OVERLOADED");
    // Probes and scrapes are never refused: a liveness probe answered 429 would get the pod restarted.
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^ballast_http_requests_rejected_total\{reason="overloaded"\} 1$/m);

    held.end(body.slice(5));
    assert.equal(await heldResponse, 200);
    assert.equal((await fetch(`${server.url}/api/v1/projects`)).status, 401);
  });
});
