/**
 * The security baseline, black-box: authentication on every route, per-entity write isolation,
 * signed storage URLs, path traversal, body-size and GraphQL complexity limits, clean error bodies,
 * and a database fault answered as retryable. What is real: the server (in-process, port 0), its
 * SQLite database and local-disk object store under a temporary data dir. Users and keys are made
 * through the embedded services, as `ballast admin create-user` does; nothing is stubbed.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import {
  type Embedded,
  loadConfig,
  openEmbedded,
  type RunningServer,
  type ServerConfig,
  startServer,
} from "../apps/server/src/index.ts";
import { UrlSigner } from "../apps/server/src/stores/objects/url-signer.ts";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
/** MD5 of the empty string, base64: a well-formed digest for artifact file specs. */
const EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
const MIB = 1024 * 1024;

interface Reply {
  status: number;
  headers: Headers | IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  body: unknown;
}

/** `value[path[0]][path[1]]…`, or undefined as soon as a step is missing. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function basic(key: string): string {
  return `Basic ${Buffer.from(`api:${key}`, "utf8").toString("base64")}`;
}

describe("security baseline", () => {
  let root: string;
  let dataDir: string;
  let config: ServerConfig;
  let server: RunningServer;
  let embedded: Embedded;
  let signer: UrlSigner;
  let aliceKey: string;
  let bobKey: string;
  let aliceRunId: string;
  let aliceArtifactId: string;
  /** A file name that must never appear outside the data dir, whatever a traversal attempt does. */
  const sentinel = `escaped-${randomBytes(6).toString("hex")}.txt`;

  // ---- request helpers ----------------------------------------------------------------------

  async function send(path: string, init: RequestInit & { key?: string | undefined } = {}): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (init.key !== undefined) headers.set("authorization", basic(init.key));
    const response = await fetch(`${server.url}${path}`, { ...init, headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: parseJson(text) };
  }

  function gql(key: string | undefined, query: string, variables?: Record<string, unknown>): Promise<Reply> {
    return send("/graphql", {
      method: "POST",
      key,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
    });
  }

  function fileStream(key: string | undefined, entity: string, project: string, run: string, body: unknown) {
    return send(`/files/${entity}/${project}/${run}/file_stream`, {
      method: "POST",
      key,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  /**
   * A request with the path sent byte for byte: fetch (WHATWG URL) would resolve `..` and `%2e%2e`
   * segments before sending, which hides exactly what these tests need to send.
   */
  function raw(
    method: string,
    path: string,
    body = "",
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port: server.port,
          method,
          path,
          headers: { ...headers, "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parseJson(text) });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** The signed URL as the server issued it, sent to the address the test server listens on. */
  function local(signedUrl: string): string {
    const url = new URL(signedUrl);
    return `${url.pathname}${url.search}`;
  }

  function storageKeyOf(signedUrl: string): string {
    const { pathname } = new URL(signedUrl);
    assert.ok(pathname.startsWith("/storage/"), `signed URL path is /storage/<key>: ${signedUrl}`);
    return pathname.slice("/storage/".length).split("/").map(decodeURIComponent).join("/");
  }

  // ---- assertion helpers --------------------------------------------------------------------

  /** An error body states its problem and leaks nothing: no stack frames, no file system paths. */
  function assertCleanError(reply: Reply, context: string): void {
    const where = `${context}: ${reply.status} ${reply.text.slice(0, 500)}`;
    assert.ok(reply.body !== undefined, `error body is JSON (${where})`);
    // The catalogue shape is {error: {code, message}, errors: [{message}]}; a bare {error: "..."} is clear too.
    const error = at(reply.body, "error");
    const message =
      at(reply.body, "errors", 0, "message") ?? (typeof error === "string" ? error : at(error, "message"));
    assert.equal(typeof message, "string", `error body has a message (${where})`);
    assert.ok(String(message).length >= 10, `error message says something (${where})`);
    assert.doesNotMatch(reply.text, /\s{2,}at\s|\bat\s+\S+\s+\(/, `no stack frame (${where})`);
    assert.doesNotMatch(reply.text, /node:internal|file:\/\//, `no module paths (${where})`);
    assert.doesNotMatch(reply.text, /[\w-]+\.(?:ts|js|mjs|cjs):\d+/, `no source locations (${where})`);
    for (const path of [REPO_ROOT.replace(/\/$/, ""), dataDir, root, tmpdir()]) {
      assert.ok(!reply.text.includes(path), `no server file path ${path} (${where})`);
    }
  }

  function assertGraphqlError(reply: Reply, code: string, context: string): void {
    const where = `${context}: ${reply.status} ${reply.text.slice(0, 500)}`;
    assert.ok(reply.status < 500, `not a server fault (${where})`);
    assert.equal(at(reply.body, "errors", 0, "extensions", "code"), code, where);
    assertCleanError(reply, context);
  }

  function assertNoEscape(): void {
    for (const dir of [root, dirname(root), dirname(dataDir), "/"]) {
      assert.equal(existsSync(join(dir, sentinel)), false, `${join(dir, sentinel)} must not exist`);
    }
  }

  // ---- set-up: a server, two ordinary users, a run and an artifact of the first ---------------

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "ballast-security-"));
    dataDir = join(root, "data");
    await mkdir(dataDir);
    config = loadConfig({ env: { BALLAST_LISTEN_HOST: "127.0.0.1" }, flags: { port: "0", dataDir } });
    server = await startServer(config);
    embedded = await openEmbedded(config, server.publicUrl);
    const { identity } = embedded.services;
    // Neither is an instance admin: admins may read every entity by design (domain/access/policy.ts).
    const alice = await identity.createUser({
      username: "alice",
      email: "alice@example.com",
      isAdmin: false,
    });
    const bob = await identity.createUser({ username: "bob", email: "bob@example.com", isAdmin: false });
    aliceKey = await identity.createApiKey(alice.id);
    bobKey = await identity.createApiKey(bob.id);
    const secret = await embedded.services.stores.identity.getSetting("url_signing_secret");
    assert.ok(secret, "the installation has a URL signing secret");
    signer = new UrlSigner(Buffer.from(secret, "hex"), server.publicUrl);

    for (const [key, entity] of [
      [aliceKey, "alice"],
      [bobKey, "bob"],
    ] as const) {
      const run = await gql(
        key,
        `mutation($e: String!) { upsertBucket(input: {name: "r1", modelName: "p", entityName: $e, displayName: "original"}) { bucket { id name } } }`,
        { e: entity },
      );
      assert.equal(run.status, 200, run.text);
      const id = at(run.body, "data", "upsertBucket", "bucket", "id");
      assert.equal(typeof id, "string", run.text);
      if (entity === "alice") aliceRunId = String(id);
      const stream = await fileStream(key, entity, "p", "r1", {
        files: { "wandb-history.jsonl": { offset: 0, content: ['{"_step":0,"x":1}'] } },
      });
      assert.equal(stream.status, 200, stream.text);
    }

    const artifact = await gql(
      aliceKey,
      `mutation { createArtifact(input: {entityName: "alice", projectName: "p", runName: "r1",
        artifactTypeName: "dataset", artifactCollectionName: "secret-data",
        digest: "0123456789abcdef0123456789abcdef"}) { artifact { id state } } }`,
    );
    assert.equal(artifact.status, 200, artifact.text);
    aliceArtifactId = String(at(artifact.body, "data", "createArtifact", "artifact", "id"));
    assert.equal(at(artifact.body, "data", "createArtifact", "artifact", "state"), "PENDING", artifact.text);
  });

  after(async () => {
    embedded?.close();
    await server?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  // ---- 1. authentication -----------------------------------------------------------------------

  describe("authentication", () => {
    const badCredentials: [string, Record<string, string>][] = [
      ["no Authorization header", {}],
      ["a malformed key", { authorization: basic("not-a-key") }],
      ["a key of the wrong shape after local-", { authorization: basic("local-short") }],
      ["Basic with garbage instead of base64", { authorization: "Basic !!!***" }],
      ["an unsupported scheme", { authorization: `Token ${"a".repeat(40)}` }],
      ["a well-formed but unknown key", { authorization: basic(`local-${"A1b2C3d4E5".repeat(4)}`) }],
      ["a well-formed but unknown Bearer key", { authorization: `Bearer local-${"z".repeat(40)}` }],
    ];

    for (const [label, headers] of badCredentials) {
      it(`POST /graphql with ${label} → 401 UNAUTHENTICATED`, async () => {
        const reply = await send("/graphql", {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ query: "{ viewer { id } }" }),
        });
        assert.equal(reply.status, 401, reply.text);
        assert.equal(at(reply.body, "error", "code"), "UNAUTHENTICATED", reply.text);
        assert.equal(at(reply.body, "data"), undefined, "no data without a key");
        assertCleanError(reply, label);
      });

      it(`POST file_stream with ${label} → 401 UNAUTHENTICATED and nothing written`, async () => {
        const reply = await send("/files/alice/p/r1/file_stream", {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ files: { "wandb-history.jsonl": { offset: 1, content: ['{"_step":1}'] } } }),
        });
        assert.equal(reply.status, 401, reply.text);
        assert.equal(at(reply.body, "error", "code"), "UNAUTHENTICATED", reply.text);
        assertCleanError(reply, label);
      });
    }

    it("the history file_stream lines above were never stored", async () => {
      const reply = await gql(
        aliceKey,
        `{ project(name: "p", entityName: "alice") { run(name: "r1") { historyLineCount } } }`,
      );
      assert.equal(reply.status, 200, reply.text);
      assert.equal(at(reply.body, "data", "project", "run", "historyLineCount"), 1, reply.text);
    });

    it("a valid key is accepted (control for the 401s above)", async () => {
      const reply = await gql(aliceKey, "{ viewer { username entity } }");
      assert.equal(reply.status, 200, reply.text);
      assert.equal(at(reply.body, "data", "viewer", "username"), "alice", reply.text);
    });

    it("GET /healthz and /readyz → 200 without a key", async () => {
      for (const path of ["/healthz", "/readyz"]) {
        const reply = await send(path);
        assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      }
    });

    it("POST /sdk/otel/v1/metrics → 404 without a key (telemetry off)", async () => {
      const reply = await send("/sdk/otel/v1/metrics", { method: "POST", body: "{}" });
      assert.equal(reply.status, 404, reply.text);
      assertCleanError(reply, "otel");
    });

    it("PUT and GET /storage/<key> with no signature → 403, not an open store", async () => {
      const put = await send("/storage/runs/1/files/x.txt", { method: "PUT", body: "x" });
      assert.equal(put.status, 403, put.text);
      assert.equal(at(put.body, "error", "code"), "SIGNATURE_INVALID", put.text);
      assertCleanError(put, "unsigned PUT");
      const get = await send("/storage/runs/1/files/x.txt");
      assert.equal(get.status, 403, get.text);
      assertCleanError(get, "unsigned GET");
    });
  });

  // ---- 2. entity isolation -----------------------------------------------------------------------

  describe("a key writes and reads only in its user's entities", () => {
    it("bob cannot upsertBucket into alice's entity (PERMISSION_DENIED, alice's run unchanged)", async () => {
      const reply = await gql(
        bobKey,
        `mutation { upsertBucket(input: {name: "r1", modelName: "p", entityName: "alice", displayName: "hacked"}) { bucket { id } } }`,
      );
      assert.equal(reply.status, 200, `the server answers GraphQL errors with 200: ${reply.text}`);
      assertGraphqlError(reply, "PERMISSION_DENIED", "upsertBucket into another entity");
      assert.equal(at(reply.body, "data", "upsertBucket"), null, reply.text);
      const check = await gql(
        aliceKey,
        `{ project(name: "p", entityName: "alice") { run(name: "r1") { displayName } } }`,
      );
      assert.equal(at(check.body, "data", "project", "run", "displayName"), "original", check.text);
    });

    it("bob cannot upsertBucket alice's run by its id (PERMISSION_DENIED)", async () => {
      const reply = await gql(
        bobKey,
        `mutation($id: String) { upsertBucket(input: {id: $id, notes: "hacked"}) { bucket { id } } }`,
        {
          id: aliceRunId,
        },
      );
      assertGraphqlError(reply, "PERMISSION_DENIED", "upsertBucket by id");
      assert.equal(at(reply.body, "data", "upsertBucket"), null, reply.text);
    });

    it("bob cannot create a project in alice's entity through a new run", async () => {
      const reply = await gql(
        bobKey,
        `mutation { upsertBucket(input: {name: "r9", modelName: "bobs-project", entityName: "alice"}) { bucket { id } } }`,
      );
      assertGraphqlError(reply, "PERMISSION_DENIED", "new project in another entity");
      const check = await gql(aliceKey, `{ project(name: "bobs-project", entityName: "alice") { id } }`);
      assert.equal(at(check.body, "data", "project"), null, check.text);
    });

    it("bob cannot file_stream to alice's run → 403 PERMISSION_DENIED, nothing written", async () => {
      const reply = await fileStream(bobKey, "alice", "p", "r1", {
        files: { "wandb-history.jsonl": { offset: 1, content: ['{"_step":1,"x":666}'] } },
      });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PERMISSION_DENIED", reply.text);
      assertCleanError(reply, "file_stream to another entity");
      const check = await gql(
        aliceKey,
        `{ project(name: "p", entityName: "alice") { run(name: "r1") { historyLineCount } } }`,
      );
      assert.equal(at(check.body, "data", "project", "run", "historyLineCount"), 1, check.text);
    });

    it("bob cannot createRunFiles for alice's run (PERMISSION_DENIED, no upload URL)", async () => {
      const reply = await gql(
        bobKey,
        `mutation($e: String!, $p: String!, $r: String!, $f: [String!]!) {
          createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) { runID files { name uploadUrl } } }`,
        { e: "alice", p: "p", r: "r1", f: ["model.bin"] },
      );
      assertGraphqlError(reply, "PERMISSION_DENIED", "createRunFiles for another entity");
      assert.equal(at(reply.body, "data", "createRunFiles"), null, reply.text);
      assert.ok(!reply.text.includes("/storage/"), `no URL issued: ${reply.text}`);
    });

    it("bob cannot read alice's run by project name (error, no data)", async () => {
      const reply = await gql(
        bobKey,
        `{ project(name: "p", entityName: "alice") { id run(name: "r1") { id displayName config historyTail } } }`,
      );
      assertGraphqlError(reply, "PERMISSION_DENIED", "read another entity's run");
      assert.equal(at(reply.body, "data", "project"), null, reply.text);
      assert.ok(!reply.text.includes(aliceRunId), `alice's run id leaked: ${reply.text}`);
      assert.ok(!reply.text.includes("original"), `alice's run fields leaked: ${reply.text}`);
    });

    it("bob cannot read alice's artifact by id (error, no data)", async () => {
      const reply = await gql(bobKey, `query($id: ID!) { artifact(id: $id) { id digest state } }`, {
        id: aliceArtifactId,
      });
      assertGraphqlError(reply, "PERMISSION_DENIED", "read another entity's artifact");
      assert.equal(at(reply.body, "data", "artifact"), null, reply.text);
      assert.ok(!reply.text.includes("0123456789abcdef"), `artifact digest leaked: ${reply.text}`);
    });

    it("bob cannot use, add files to, upload a manifest for, or commit alice's artifact", async () => {
      const attempts: [string, string, Record<string, unknown>][] = [
        [
          "useArtifact",
          `mutation($a: ID!) { useArtifact(input: {entityName: "bob", projectName: "p", runName: "r1", artifactID: $a}) { artifact { id } } }`,
          { a: aliceArtifactId },
        ],
        [
          "createArtifactFiles",
          `mutation($a: ID!, $m: String!) { createArtifactFiles(input: {storageLayout: V2,
            artifactFiles: [{artifactID: $a, name: "x.txt", md5: $m}]}) { files { edges { node { uploadUrl } } } } }`,
          { a: aliceArtifactId, m: EMPTY_MD5 },
        ],
        [
          "createArtifactManifest",
          `mutation($a: ID!) { createArtifactManifest(input: {artifactID: $a, name: "wandb_manifest.json",
            digest: "", entityName: "alice", projectName: "p"}) { artifactManifest { id file { uploadUrl } } } }`,
          { a: aliceArtifactId },
        ],
        [
          "commitArtifact",
          `mutation($a: ID!) { commitArtifact(input: {artifactID: $a}) { artifact { id } } }`,
          { a: aliceArtifactId },
        ],
      ];
      for (const [name, query, variables] of attempts) {
        const reply = await gql(bobKey, query, variables);
        assertGraphqlError(reply, "PERMISSION_DENIED", name);
        assert.equal(at(reply.body, "data", name), null, `${name}: ${reply.text}`);
        assert.ok(!reply.text.includes("/storage/"), `${name} issued a URL: ${reply.text}`);
      }
    });
  });

  // ---- 3. signed storage URLs ------------------------------------------------------------------

  describe("signed storage URLs", () => {
    let uploadUrl: string;
    let otherUploadUrl: string;

    before(async () => {
      const reply = await gql(
        aliceKey,
        `mutation($e: String!, $p: String!, $r: String!, $f: [String!]!) {
          createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) { runID uploadHeaders files { name uploadUrl } } }`,
        { e: "alice", p: "p", r: "r1", f: ["a.txt", "b.txt"] },
      );
      assert.equal(reply.status, 200, reply.text);
      uploadUrl = String(at(reply.body, "data", "createRunFiles", "files", 0, "uploadUrl"));
      otherUploadUrl = String(at(reply.body, "data", "createRunFiles", "files", 1, "uploadUrl"));
      const url = new URL(uploadUrl);
      assert.match(url.pathname, /^\/storage\//, uploadUrl);
      assert.match(url.searchParams.get("expires") ?? "", /^\d+$/, uploadUrl);
      assert.match(url.searchParams.get("signature") ?? "", /^[0-9a-f]+$/, uploadUrl);
    });

    it("a signed PUT works without Authorization (200) and the bytes are stored", async () => {
      const put = await send(local(uploadUrl), { method: "PUT", body: "hello" });
      assert.equal(put.status, 200, put.text);
      const get = await send(local(signer.sign("GET", storageKeyOf(uploadUrl), 60)));
      assert.equal(get.status, 200, get.text);
      assert.equal(get.text, "hello");
    });

    it("a tampered signature → 403 SIGNATURE_INVALID", async () => {
      const url = new URL(uploadUrl);
      const signature = url.searchParams.get("signature") ?? "";
      url.searchParams.set("signature", `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`);
      const reply = await send(local(url.href), { method: "PUT", body: "tampered" });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_INVALID", reply.text);
      assertCleanError(reply, "tampered signature");
    });

    it("a signature used on another object key → 403 SIGNATURE_INVALID", async () => {
      const a = new URL(uploadUrl);
      const b = new URL(otherUploadUrl);
      const reply = await send(`${b.pathname}${a.search}`, { method: "PUT", body: "moved" });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_INVALID", reply.text);
      assertCleanError(reply, "signature for another key");
    });

    it("a PUT URL used for GET → 403 SIGNATURE_INVALID", async () => {
      const reply = await send(local(uploadUrl));
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_INVALID", reply.text);
      assertCleanError(reply, "PUT URL used for GET");
    });

    it("an expires moved into the past (breaking the signature) → 403", async () => {
      const url = new URL(uploadUrl);
      url.searchParams.set("expires", String(Math.floor(Date.now() / 1000) - 3600));
      const reply = await send(local(url.href), { method: "PUT", body: "late" });
      assert.equal(reply.status, 403, reply.text);
      assertCleanError(reply, "edited expires");
    });

    it("an expires moved into the future (extending the URL) → 403 SIGNATURE_INVALID", async () => {
      const url = new URL(uploadUrl);
      url.searchParams.set("expires", String(Math.floor(Date.now() / 1000) + 10 * 365 * 86400));
      const reply = await send(local(url.href), { method: "PUT", body: "forever" });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_INVALID", reply.text);
    });

    it("a correctly signed but expired URL → 403 SIGNATURE_EXPIRED", async () => {
      const expired = signer.sign("PUT", storageKeyOf(uploadUrl), -60);
      const reply = await send(local(expired), { method: "PUT", body: "late" });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_EXPIRED", reply.text);
      assertCleanError(reply, "expired URL");
    });

    it("the installation's signer is the one the server verifies with (control for the expired case)", async () => {
      const fresh = signer.sign("PUT", storageKeyOf(otherUploadUrl), 60);
      const reply = await send(local(fresh), { method: "PUT", body: "fresh" });
      assert.equal(reply.status, 200, reply.text);
    });
  });

  // ---- 4. path traversal ---------------------------------------------------------------------------

  describe("path traversal", () => {
    const badNames = [
      "../x",
      "/etc/passwd",
      "a/../../x",
      "a\\b",
      "a\u0000b",
      "%2e%2e/x",
      "%252e%252e/x",
      "..%2fx",
      "../../../x",
      "./x",
      "C:/Windows/x",
      "",
    ];

    for (const name of badNames) {
      it(`createRunFiles refuses ${JSON.stringify(name)} → INVALID_PATH, no URL issued`, async () => {
        const reply = await gql(
          aliceKey,
          `mutation($e: String!, $p: String!, $r: String!, $f: [String!]!) {
            createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) { files { name uploadUrl } } }`,
          { e: "alice", p: "p", r: "r1", f: ["fine.txt", name] },
        );
        assert.equal(reply.status, 200, reply.text);
        assertGraphqlError(reply, "INVALID_PATH", `createRunFiles ${JSON.stringify(name)}`);
        assert.equal(at(reply.body, "data", "createRunFiles"), null, reply.text);
        assert.ok(!reply.text.includes("/storage/"), `no URL issued: ${reply.text}`);
      });
    }

    it("createArtifactFiles refuses traversal in file names → INVALID_PATH", async () => {
      for (const name of [
        "../x",
        "/etc/passwd",
        "a/../../x",
        "a\\b",
        "a\u0000b",
        "%2e%2e/x",
        "%252e%252e/x",
        "..%2fx",
      ]) {
        const reply = await gql(
          aliceKey,
          `mutation($a: ID!, $n: String!, $m: String!) { createArtifactFiles(input: {storageLayout: V2,
            artifactFiles: [{artifactID: $a, name: $n, md5: $m}]}) { files { edges { node { uploadUrl } } } } }`,
          { a: aliceArtifactId, n: name, m: EMPTY_MD5 },
        );
        assertGraphqlError(reply, "INVALID_PATH", `createArtifactFiles ${JSON.stringify(name)}`);
        assert.ok(!reply.text.includes("/storage/"), `no URL issued: ${reply.text}`);
      }
    });

    it("commitArtifact refuses a manifest whose entry path traverses → INVALID_PATH", async () => {
      const created = await gql(
        aliceKey,
        `mutation { createArtifact(input: {entityName: "alice", projectName: "p", artifactTypeName: "dataset",
          artifactCollectionName: "evil", digest: "fedcba9876543210fedcba9876543210"}) { artifact { id } } }`,
      );
      const artifactId = String(at(created.body, "data", "createArtifact", "artifact", "id"));
      const manifest = await gql(
        aliceKey,
        `mutation($a: ID!) { createArtifactManifest(input: {artifactID: $a, name: "wandb_manifest.json",
          digest: "", entityName: "alice", projectName: "p", includeUpload: true}) { artifactManifest { file { uploadUrl } } } }`,
        { a: artifactId },
      );
      const manifestUrl = at(
        manifest.body,
        "data",
        "createArtifactManifest",
        "artifactManifest",
        "file",
        "uploadUrl",
      );
      assert.equal(typeof manifestUrl, "string", manifest.text);
      const body = JSON.stringify({
        version: 1,
        storagePolicy: "wandb-storage-policy-v1",
        storagePolicyConfig: { storageLayout: "V2" },
        contents: { [`../../../${sentinel}`]: { digest: "abc", ref: "file:///etc/passwd", size: 1 } },
      });
      const put = await send(local(String(manifestUrl)), { method: "PUT", body });
      assert.equal(put.status, 200, put.text);
      const commit = await gql(
        aliceKey,
        `mutation($a: ID!) { commitArtifact(input: {artifactID: $a}) { artifact { id state } } }`,
        {
          a: artifactId,
        },
      );
      assertGraphqlError(commit, "INVALID_PATH", "commit with a traversing manifest entry");
      assertNoEscape();
    });

    /** Raw storage paths: the `expires`/`signature` are either junk or a real signature over the decoded key. */
    function traversalPaths(): string[] {
      const future = Math.floor(Date.now() / 1000) + 600;
      const junk = `expires=${future}&signature=${"0".repeat(64)}`;
      const signedFor = (key: string) =>
        `expires=${future}&signature=${new URL(signer.sign("PUT", key, 600)).searchParams.get("signature")}`;
      return [
        `/storage/..%2f..%2f${sentinel}?${junk}`,
        `/storage/..%2f..%2f${sentinel}?${signedFor(`../../${sentinel}`)}`,
        `/storage/..%2f..%2f..%2fetc%2fpasswd?${junk}`,
        `/storage/runs/%2e%2e/%2e%2e/%2e%2e/${sentinel}?${junk}`,
        `/storage/runs/%2e%2e/%2e%2e/%2e%2e/${sentinel}?${signedFor(`runs/../../../${sentinel}`)}`,
        `/storage/runs/../../../${sentinel}?${signedFor(`runs/../../../${sentinel}`)}`,
        `/storage/runs%2f..%2f..%2f..%2f${sentinel}?${signedFor(`runs/../../../${sentinel}`)}`,
        `/storage/runs/%252e%252e/%252e%252e/${sentinel}?${junk}`,
        `/storage/..%5c..%5c${sentinel}?${signedFor(`..\\..\\${sentinel}`)}`,
        `/storage/%2fetc%2fpasswd?${signedFor("/etc/passwd")}`,
        `/storage/runs/1/files/a%00b?${signedFor("runs/1/files/a\u0000b")}`,
      ];
    }

    it("raw PUTs to traversing /storage/ paths → 4xx, never 200, nothing written outside the data dir", async () => {
      for (const path of traversalPaths()) {
        const reply = await raw("PUT", path, "pwned");
        assert.ok([400, 403, 404].includes(reply.status), `PUT ${path} → ${reply.status} ${reply.text}`);
        assertCleanError(reply, `PUT ${path}`);
      }
      assertNoEscape();
      assert.deepEqual(await readdir(root), ["data"], "nothing created beside the data dir");
    });

    it("raw GETs of traversing /storage/ paths → 4xx, never a file's contents", async () => {
      for (const path of traversalPaths()) {
        const reply = await raw("GET", path);
        assert.ok([400, 403, 404].includes(reply.status), `GET ${path} → ${reply.status} ${reply.text}`);
        assert.ok(!reply.text.includes("root:"), `GET ${path} returned /etc/passwd`);
        assertCleanError(reply, `GET ${path}`);
      }
    });

    it("a traversing run name in a file_stream path → 4xx, nothing written", async () => {
      for (const run of ["..%2f..%2fr1", "%2e%2e", "..", "r1%00", "%2e%2e%2f%2e%2e%2fr1"]) {
        const reply = await raw(
          "POST",
          `/files/alice/p/${run}/file_stream`,
          JSON.stringify({ files: { "wandb-history.jsonl": { offset: 0, content: ["{}"] } } }),
          { authorization: basic(aliceKey) },
        );
        assert.ok([400, 403, 404].includes(reply.status), `${run}: ${reply.status} ${reply.text}`);
        assertCleanError(reply, `file_stream run ${run}`);
      }
      assertNoEscape();
    });
  });

  // ---- 5. body size limits -------------------------------------------------------------------------

  describe("body size limits", () => {
    it("a 10^7-byte GraphQL body → 200", async () => {
      const body = JSON.stringify({
        query: "query($s: String) { viewer { id } entity(name: $s) { id } }",
        variables: { s: "x".repeat(10_000_000) },
      });
      assert.ok(body.length >= 10_000_000);
      const reply = await send("/graphql", {
        method: "POST",
        key: aliceKey,
        headers: { "content-type": "application/json" },
        body,
      });
      assert.equal(reply.status, 200, reply.text.slice(0, 500));
      assert.equal(typeof at(reply.body, "data", "viewer", "id"), "string", reply.text.slice(0, 500));
      assert.equal(at(reply.body, "data", "entity"), null, reply.text.slice(0, 500));
    });

    it("the exact `wandb verify` large-payload query (10^7-char desc) → 200, project null, no errors", async () => {
      // wandb/sdk/verify/verify.py check_large_post; reference/wandb-protocol-read-verify.md §6 check 4.
      // The entity is the OS login name, usually not a Ballast entity.
      const reply = await gql(
        aliceKey,
        `query Project($entity: String!, $name: String!, $runName: String!, $desc: String!) {
          project(entityName: $entity, name: $name) { run(name: $runName, desc: $desc) { name summaryMetrics } } }`,
        { entity: "ci-runner", name: "verify", runName: "", desc: "a".repeat(10_000_000) },
      );
      assert.equal(reply.status, 200, reply.text.slice(0, 500));
      assert.equal(at(reply.body, "errors"), undefined, reply.text.slice(0, 500));
      assert.equal(at(reply.body, "data", "project"), null, reply.text.slice(0, 500));
    });

    it("a 40 MB GraphQL body → 413 PAYLOAD_TOO_LARGE naming the limit", async () => {
      const body = JSON.stringify({
        query: "query($s: String) { viewer { id } }",
        variables: { s: "x".repeat(40 * MIB) },
      });
      const reply = await send("/graphql", { method: "POST", key: aliceKey, body });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PAYLOAD_TOO_LARGE", reply.text);
      assert.match(
        String(at(reply.body, "error", "message")),
        new RegExp(`\\b${config.limits.graphqlBodyBytes}\\b`),
      );
      assertCleanError(reply, "40 MB GraphQL");
    });

    it("a 40 MB GraphQL body sent chunked (no Content-Length) → 413", async () => {
      const chunk = Buffer.alloc(MIB, "x");
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 40) controller.close();
          else {
            controller.enqueue(sent === 0 ? Buffer.from('{"query":"') : chunk);
            sent++;
          }
        },
      });
      const reply = await send("/graphql", {
        method: "POST",
        key: aliceKey,
        body: stream,
        duplex: "half",
      } as RequestInit & { duplex: "half" });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PAYLOAD_TOO_LARGE", reply.text);
      assertCleanError(reply, "chunked 40 MB GraphQL");
    });

    it("a 70 MB file_stream body → 413 PAYLOAD_TOO_LARGE naming the limit", async () => {
      const body = JSON.stringify({
        files: { "output.log": { offset: 0, content: ["y".repeat(70 * MIB)] } },
      });
      const reply = await send("/files/alice/p/r1/file_stream", { method: "POST", key: aliceKey, body });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PAYLOAD_TOO_LARGE", reply.text);
      assert.match(
        String(at(reply.body, "error", "message")),
        new RegExp(`\\b${config.limits.fileStreamBodyBytes}\\b`),
      );
      assertCleanError(reply, "70 MB file_stream");
    });

    it("a gzip file_stream body that inflates past the limit → 413 (no decompression bomb)", async () => {
      const inflated = Buffer.alloc(70 * MIB, "z");
      const body = gzipSync(inflated);
      assert.ok(body.length < MIB, "the compressed body itself is small");
      const reply = await send("/files/alice/p/r1/file_stream", {
        method: "POST",
        key: aliceKey,
        headers: { "content-encoding": "gzip" },
        body,
      });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PAYLOAD_TOO_LARGE", reply.text);
      assertCleanError(reply, "gzip bomb");
    });
  });

  // ---- 6. GraphQL complexity limits ------------------------------------------------------------------

  describe("GraphQL depth and alias limits", () => {
    /** `entity { organization { orgEntity { organization … { name } } } }`: one selection level per field. */
    function nested(levels: number): string {
      const fields = ["entity"];
      for (let i = 1; i < levels; i++) fields.push(i % 2 === 1 ? "organization" : "orgEntity");
      return `query { ${fields.map((f) => `${f} {`).join(" ")} name ${"}".repeat(levels)} }`;
    }

    function aliases(count: number): string {
      return `query { ${Array.from({ length: count }, (_, i) => `a${i}: viewer { id }`).join(" ")} }`;
    }

    it("a query nested 30 levels deep → 400 naming the depth limit", async () => {
      const reply = await gql(aliceKey, nested(30));
      assert.equal(reply.status, 400, reply.text);
      const message = String(at(reply.body, "errors", 0, "message"));
      assert.match(message, /deep|depth|nested/i, reply.text);
      assert.match(message, new RegExp(`\\b${config.limits.graphqlMaxDepth}\\b`), reply.text);
      assertCleanError(reply, "deep query");
    });

    it("a query nested 10 levels deep is answered (control) → 200", async () => {
      const reply = await gql(aliceKey, nested(10));
      assert.equal(reply.status, 200, reply.text);
      assert.equal(at(reply.body, "data", "entity", "organization"), null, reply.text);
      assert.equal(at(reply.body, "errors"), undefined, reply.text);
    });

    it("depth hidden in a chain of named fragments is still counted → 400", async () => {
      // F0 on Entity selects organization { ...F1 }, F1 on Organization selects orgEntity { ...F2 }, …
      const fragments = Array.from({ length: 30 }, (_, i) => {
        const [on, field] = i % 2 === 0 ? ["Entity", "organization"] : ["Organization", "orgEntity"];
        return i === 29
          ? `fragment F${i} on ${on} { name }`
          : `fragment F${i} on ${on} { ${field} { ...F${i + 1} } }`;
      });
      const reply = await gql(aliceKey, `query { entity { ...F0 } }\n${fragments.join("\n")}`);
      assert.equal(reply.status, 400, reply.text);
      assert.match(String(at(reply.body, "errors", 0, "message")), /deep|depth|nested/i, reply.text);
      assertCleanError(reply, "deep fragments");
    });

    it("201 aliases of viewer { id } → 400 naming the alias limit", async () => {
      const reply = await gql(aliceKey, aliases(config.limits.graphqlMaxAliases + 1));
      assert.equal(reply.status, 400, reply.text.slice(0, 500));
      const message = String(at(reply.body, "errors", 0, "message"));
      assert.match(message, /alias/i, reply.text.slice(0, 500));
      assert.match(message, new RegExp(`\\b${config.limits.graphqlMaxAliases}\\b`));
      assertCleanError(reply, "too many aliases");
    });

    it("150 aliases of viewer { id } → 200", async () => {
      const reply = await gql(aliceKey, aliases(150));
      assert.equal(reply.status, 200, reply.text.slice(0, 500));
      const data = at(reply.body, "data");
      assert.equal(Object.keys(data ?? {}).length, 150);
    });
  });

  // ---- 7. malformed requests ------------------------------------------------------------------------

  describe("malformed requests", () => {
    it("a malformed JSON GraphQL body → 400 INVALID_JSON", async () => {
      const reply = await send("/graphql", {
        method: "POST",
        key: aliceKey,
        body: '{"query": "{ viewer { id } }"',
      });
      assert.equal(reply.status, 400, reply.text);
      assert.equal(at(reply.body, "error", "code"), "INVALID_JSON", reply.text);
      assertCleanError(reply, "malformed GraphQL JSON");
    });

    it("a malformed JSON file_stream body → 400 INVALID_JSON", async () => {
      const reply = await send("/files/alice/p/r1/file_stream", {
        method: "POST",
        key: aliceKey,
        body: "{files:",
      });
      assert.equal(reply.status, 400, reply.text);
      assert.equal(at(reply.body, "error", "code"), "INVALID_JSON", reply.text);
      assertCleanError(reply, "malformed file_stream JSON");
    });

    it("a GraphQL syntax error → 400 with a clean message", async () => {
      const reply = await gql(aliceKey, "{ viewer { id ");
      assert.equal(reply.status, 400, reply.text);
      assertCleanError(reply, "syntax error");
    });

    it("an invalid gzip body → 400, not 500", async () => {
      const reply = await send("/graphql", {
        method: "POST",
        key: aliceKey,
        headers: { "content-encoding": "gzip" },
        body: "definitely not gzip",
      });
      assert.equal(reply.status, 400, reply.text);
      assertCleanError(reply, "bad gzip");
    });

    it('operationName "" is accepted (viewer query works)', async () => {
      const reply = await send("/graphql", {
        method: "POST",
        key: aliceKey,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: "query Viewer { viewer { username } }",
          variables: {},
          operationName: "",
        }),
      });
      assert.equal(reply.status, 200, reply.text);
      assert.equal(at(reply.body, "data", "viewer", "username"), "alice", reply.text);
    });
  });

  // ---- 8. transient faults ---------------------------------------------------------------------------

  describe("transient faults", () => {
    it("a write while the database is locked → 503 with Retry-After (retryable), not a final 4xx", async () => {
      // Another connection holds the write lock; the server's statements wait their busy timeout
      // (10 s) and then fail with SQLITE_BUSY, which must reach the client as retryable.
      const locker = new DatabaseSync(join(dataDir, "ballast.sqlite"));
      locker.exec("BEGIN EXCLUSIVE");
      let reply: Reply;
      try {
        reply = await fileStream(aliceKey, "alice", "p", "r1", {
          files: { "wandb-history.jsonl": { offset: 1, content: ['{"_step":1,"x":2}'] } },
        });
      } finally {
        locker.exec("ROLLBACK");
        locker.close();
      }
      assert.equal(reply.status, 503, reply.text);
      assert.equal(at(reply.body, "error", "code"), "UNAVAILABLE", reply.text);
      assert.ok(reply.headers instanceof Headers && reply.headers.get("retry-after"), "Retry-After is set");
      assertCleanError(reply, "database locked");
      // Once the lock is gone the same request succeeds: the client's retry would land.
      const retry = await fileStream(aliceKey, "alice", "p", "r1", {
        files: { "wandb-history.jsonl": { offset: 1, content: ['{"_step":1,"x":2}'] } },
      });
      assert.equal(retry.status, 200, retry.text);
    });
  });
});
