/**
 * The world the security e2e tests attack: a Ballast server started in-process on port 0 with its
 * SQLite database and local-disk object store under a fresh temporary dir, two ordinary users
 * (alice, bob) with API keys, a run of each, and a pending artifact of alice's. Users and keys are
 * made through the embedded services, as `ballast admin create-user` does; nothing is stubbed.
 *
 * Unlike `startTestServer` (api.ts) the data dir sits one level below a temporary root the tests
 * own, so path-traversal tests can check that nothing appears beside it; and the parsed
 * `ServerConfig` is kept, because the embedded services need it and the tests read its limits.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  type Embedded,
  loadConfig,
  openEmbedded,
  type RunningServer,
  type ServerConfig,
  startServer,
} from "../../apps/server/src/index.ts";
import { UrlSigner } from "../../apps/server/src/stores/objects/url-signer.ts";
import { at } from "./api.ts";
import { REPO_ROOT } from "./server.ts";

/** MD5 of the empty string, base64: a well-formed digest for artifact file specs. */
export const EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
export const MIB = 1024 * 1024;

export interface Reply {
  status: number;
  headers: Headers | IncomingHttpHeaders;
  text: string;
  /** The parsed body, or undefined when it is not JSON. */
  body: unknown;
}

/** The `Authorization` header value for an API key. */
export function basic(key: string): string {
  return `Basic ${Buffer.from(`api:${key}`, "utf8").toString("base64")}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function local(signedUrl: string): string {
  const url = new URL(signedUrl);
  return `${url.pathname}${url.search}`;
}

function storageKeyOf(signedUrl: string): string {
  const { pathname } = new URL(signedUrl);
  assert.ok(pathname.startsWith("/storage/"), `signed URL path is /storage/<key>: ${signedUrl}`);
  return pathname.slice("/storage/".length).split("/").map(decodeURIComponent).join("/");
}

export interface SecurityFixture {
  /** The temporary dir that holds the data dir and nothing else. */
  readonly root: string;
  readonly dataDir: string;
  readonly config: ServerConfig;
  readonly server: RunningServer;
  /** Signs with the installation's secret, as the server does. */
  readonly signer: UrlSigner;
  readonly aliceKey: string;
  readonly bobKey: string;
  /** Id of alice's run `alice/p/r1` (bob has a run `bob/p/r1` too). */
  readonly aliceRunId: string;
  /** Id of alice's pending artifact `secret-data`. */
  readonly aliceArtifactId: string;
  /** A file name that must never appear outside the data dir, whatever a traversal attempt does. */
  readonly sentinel: string;

  send(path: string, init?: RequestInit & { key?: string | undefined }): Promise<Reply>;
  gql(key: string | undefined, query: string, variables?: Record<string, unknown>): Promise<Reply>;
  fileStream(
    key: string | undefined,
    entity: string,
    project: string,
    run: string,
    body: unknown,
  ): Promise<Reply>;
  /**
   * A request with the path sent byte for byte: fetch (WHATWG URL) would resolve `..` and `%2e%2e`
   * segments before sending, which hides exactly what these tests need to send.
   */
  raw(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Reply>;
  /** The signed URL as the server issued it, sent to the address the test server listens on. */
  local(signedUrl: string): string;
  /** The object key a signed `/storage/<key>` URL names. */
  storageKeyOf(signedUrl: string): string;

  /** An error body states its problem and leaks nothing: no stack frames, no file system paths. */
  assertCleanError(reply: Reply, context: string): void;
  /** A GraphQL error with this `extensions.code`, not a server fault, with a clean body. */
  assertGraphqlError(reply: Reply, code: string, context: string): void;
  /** The sentinel file exists nowhere a traversal could have put it. */
  assertNoEscape(): void;

  close(): Promise<void>;
}

export async function startSecurityFixture(): Promise<SecurityFixture> {
  const root = await mkdtemp(join(tmpdir(), "ballast-security-"));
  const dataDir = join(root, "data");
  const sentinel = `escaped-${randomBytes(6).toString("hex")}.txt`;
  let server: RunningServer | undefined;
  let embedded: Embedded | undefined;

  async function close(): Promise<void> {
    embedded?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  }

  try {
    await mkdir(dataDir);
    const config = loadConfig({ env: { BALLAST_LISTEN_HOST: "127.0.0.1" }, flags: { port: "0", dataDir } });
    const running = await startServer(config);
    server = running;

    // ---- request helpers ----------------------------------------------------------------------

    async function send(path: string, init: RequestInit & { key?: string | undefined } = {}): Promise<Reply> {
      const headers = new Headers(init.headers);
      if (init.key !== undefined) headers.set("authorization", basic(init.key));
      const response = await fetch(`${running.url}${path}`, { ...init, headers });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: parseJson(text) };
    }

    function gql(
      key: string | undefined,
      query: string,
      variables?: Record<string, unknown>,
    ): Promise<Reply> {
      return send("/graphql", {
        method: "POST",
        key,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
      });
    }

    function fileStream(
      key: string | undefined,
      entity: string,
      project: string,
      run: string,
      body: unknown,
    ) {
      return send(`/files/${entity}/${project}/${run}/file_stream`, {
        method: "POST",
        key,
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    }

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
            port: running.port,
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

    // ---- assertion helpers --------------------------------------------------------------------

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

    // ---- set-up: two ordinary users, a run of each, an artifact of alice's ----------------------

    embedded = await openEmbedded(config, running.publicUrl);
    const { identity } = embedded.services;
    // Neither is an instance admin: admins may read every entity by design (domain/access/policy.ts).
    const alice = await identity.createUser({
      username: "alice",
      email: "alice@example.com",
      isAdmin: false,
    });
    const bob = await identity.createUser({ username: "bob", email: "bob@example.com", isAdmin: false });
    const aliceKey = await identity.createApiKey(alice.id);
    const bobKey = await identity.createApiKey(bob.id);
    const secret = await embedded.services.stores.identity.getSetting("url_signing_secret");
    assert.ok(secret, "the installation has a URL signing secret");
    const signer = new UrlSigner(Buffer.from(secret, "hex"), running.publicUrl);

    let aliceRunId = "";
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
    const aliceArtifactId = String(at(artifact.body, "data", "createArtifact", "artifact", "id"));
    assert.equal(at(artifact.body, "data", "createArtifact", "artifact", "state"), "PENDING", artifact.text);

    return {
      root,
      dataDir,
      config,
      server: running,
      signer,
      aliceKey,
      bobKey,
      aliceRunId,
      aliceArtifactId,
      sentinel,
      send,
      gql,
      fileStream,
      raw,
      local,
      storageKeyOf,
      assertCleanError,
      assertGraphqlError,
      assertNoEscape,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
