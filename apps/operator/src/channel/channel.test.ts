import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ChannelError, fetchChannelSpec } from "./channel-client.ts";
import { createChannelServer } from "./channel-server.ts";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the release channel (ballast channel serve ↔ the operator's client)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ballast-channel-test-"));
  let server: Server;
  let url: string;
  const release = (id: string, createdAt: string, version: string) =>
    writeFileSync(
      join(dir, "releases", `${id}.json`),
      JSON.stringify({
        metadata: { releaseId: id, releaseCreatedAt: createdAt },
        chart: { url: "https://charts.example.com", name: "ballast", version },
        values: { app: { image: { tag: version } } },
      }),
    );

  before(async () => {
    mkdirSync(join(dir, "releases"));
    mkdirSync(join(dir, "charts"));
    writeFileSync(join(dir, "charts", "index.yaml"), "apiVersion: v1\nentries: {}\n");
    release("r1", "2026-01-01T00:00:00Z", "1.0.0");
    release("r2", "2026-02-01T00:00:00Z", "2.0.0");
    server = createChannelServer({ dir, license: "lic-123" });
    url = await listen(server);
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the newest release to a client presenting the license as basic auth (user `license`)", async () => {
    const spec = await fetchChannelSpec({ baseUrl: url, license: "lic-123" });
    assert.deepEqual(spec.chart, { url: "https://charts.example.com", name: "ballast", version: "2.0.0" });
    assert.equal(spec.metadata?.releaseId, "r2");
  });

  it("answers a pinned release (the console's _releaseId)", async () => {
    const spec = await fetchChannelSpec({ baseUrl: url, license: "lic-123", releaseId: "r1" });
    assert.deepEqual(spec.values, { app: { image: { tag: "1.0.0" } } });
  });

  it("refuses a wrong license; the client retries, then gives up naming the status", async () => {
    const started = Date.now();
    await assert.rejects(
      fetchChannelSpec({ baseUrl: url, license: "wrong", attempts: 3, retryDelayMs: 50 }),
      (error: unknown) =>
        error instanceof ChannelError &&
        /after 3 attempts: HTTP 401 \(is the license valid\?\)/.test(error.message),
    );
    assert.ok(Date.now() - started >= 100, "it waited between attempts");
  });

  it("serves the Helm repository's files, and nothing outside it", async () => {
    assert.match(await (await fetch(`${url}/charts/index.yaml`)).text(), /apiVersion: v1/);
    assert.equal((await fetch(`${url}/charts/..%2Freleases%2Fr1.json`)).status, 404);
  });

  it("retries a channel that fails transiently, and refuses one that answers garbage", async () => {
    let calls = 0;
    const flaky = createServer((_req, res) => {
      calls++;
      if (calls < 3) {
        res.writeHead(503).end();
        return;
      }
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ chart: { path: "/charts/ballast" }, values: {} }));
    });
    const garbage = createServer((_req, res) => res.writeHead(200).end("<html>"));
    try {
      const spec = await fetchChannelSpec({ baseUrl: await listen(flaky), retryDelayMs: 10 });
      assert.deepEqual(spec.chart, { path: "/charts/ballast" });
      assert.equal(calls, 3);
      await assert.rejects(
        fetchChannelSpec({ baseUrl: await listen(garbage), retryDelayMs: 10 }),
        /not JSON/,
      );
    } finally {
      flaky.close();
      garbage.close();
    }
  });
});
