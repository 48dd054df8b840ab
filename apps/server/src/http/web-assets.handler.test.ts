import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { sendError } from "./respond.ts";
import { webAssetsHandler } from "./web-assets.handler.ts";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path sent exactly as given (fetch would normalize `..` and escapes away). */
function get(server: Server, path: string, method = "GET", headers: Record<string, string> = {}) {
  const { port } = server.address() as AddressInfo;
  return new Promise<Reply>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function serve(distDir: string): Promise<Server> {
  const handler = webAssetsHandler(distDir);
  const server = createServer((req, res) => {
    handler(req, res, new URL(req.url ?? "/", "http://localhost")).catch((error: unknown) =>
      sendError(res, error, "test"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

describe("web assets", () => {
  let root: string;
  let server: Server;
  let missing: Server;
  const indexHtml = '<!doctype html><script type="module" src="/assets/index-AbC123.js"></script>';

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "ballast-web-assets-"));
    const dist = join(root, "dist");
    await mkdir(join(dist, "assets"), { recursive: true });
    await writeFile(join(dist, "index.html"), indexHtml);
    await writeFile(join(dist, "assets", "index-AbC123.js"), "console.log(1);");
    await writeFile(join(dist, "assets", "index-AbC123.css"), "body{}");
    await writeFile(join(dist, "favicon.svg"), "<svg/>");
    await writeFile(join(root, "secret.txt"), "outside the dist directory");
    server = await serve(dist);
    missing = await serve(join(root, "not-built"));
  });

  after(async () => {
    server.close();
    missing.close();
    await rm(root, { recursive: true, force: true });
  });

  test("/ and client-side routes answer index.html, revalidated, with the page security headers", async () => {
    for (const path of ["/", "/settings/api-keys", "/alice/project/runs/abc", "/index.html"]) {
      const reply = await get(server, path);
      assert.equal(reply.status, 200, path);
      assert.equal(reply.body, indexHtml, path);
      assert.equal(reply.headers["content-type"], "text/html; charset=utf-8");
      assert.equal(reply.headers["cache-control"], "no-cache");
      assert.match(String(reply.headers["content-security-policy"]), /script-src 'self'/);
      assert.match(String(reply.headers["content-security-policy"]), /frame-ancestors 'none'/);
      assert.equal(reply.headers["x-content-type-options"], "nosniff");
      assert.ok(reply.headers["referrer-policy"]);
    }
  });

  test("hashed assets are immutable for a year, with their content type", async () => {
    const js = await get(server, "/assets/index-AbC123.js");
    assert.equal(js.status, 200);
    assert.equal(js.body, "console.log(1);");
    assert.equal(js.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(js.headers["cache-control"], "public, max-age=31536000, immutable");
    const css = await get(server, "/assets/index-AbC123.css");
    assert.equal(css.headers["content-type"], "text/css; charset=utf-8");
    const icon = await get(server, "/favicon.svg");
    assert.equal(icon.headers["content-type"], "image/svg+xml");
    assert.equal(icon.headers["cache-control"], "no-cache");
  });

  test("HEAD sends the headers only; a matching ETag gets 304", async () => {
    const head = await get(server, "/assets/index-AbC123.js", "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers["content-length"], String("console.log(1);".length));
    const etag = String(head.headers.etag);
    const again = await get(server, "/assets/index-AbC123.js", "GET", { "if-none-match": etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, "");
  });

  test("missing files and API paths are JSON 404s, not the app", async () => {
    for (const path of ["/assets/index-gone.js", "/robots.txt", "/api/v1/nothing", "/api/", "/graphql"]) {
      const reply = await get(server, path);
      assert.equal(reply.status, 404, path);
      assert.match(String(reply.headers["content-type"]), /application\/json/, path);
      assert.doesNotMatch(reply.body, /doctype/, path);
    }
  });

  test("no path reaches outside the dist directory", async () => {
    for (const path of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/assets/..%2f..%2fsecret.txt",
      "/assets%2f..%2f..%2fsecret.txt",
      "/..%5csecret.txt",
      "/secret.txt%00.js",
    ]) {
      const reply = await get(server, path);
      assert.doesNotMatch(reply.body, /outside the dist directory/, path);
      assert.ok(reply.status === 404 || reply.body === indexHtml, `${path}: ${reply.status}`);
    }
  });

  test("without a build, every page is a 503 that says how to build", async () => {
    const reply = await get(missing, "/");
    assert.equal(reply.status, 503);
    assert.match(reply.body, /npm run build -w apps\/web/);
    assert.match(String(reply.headers["content-security-policy"]), /default-src 'self'/);
    assert.equal((await get(missing, "/settings/api-keys")).status, 503);
    assert.equal((await get(missing, "/api/v1/nothing")).status, 404);
  });
});
