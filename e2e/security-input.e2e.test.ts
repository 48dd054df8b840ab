/**
 * The security baseline, black-box, part 2: hostile input and faults. Path traversal in file names,
 * manifests and raw storage paths; body-size limits (including chunked and gzip bodies); GraphQL
 * depth and alias limits; clean error bodies for malformed requests; and a database fault answered
 * as retryable. What is real: the server (in-process, port 0), its SQLite database and local-disk
 * object store under a temporary data dir; users and keys are made through the embedded services
 * (support/security-fixture.ts). Nothing is stubbed; the locked database is a second real SQLite
 * connection holding the write lock. Part 1, authentication and access: security-access.e2e.test.ts.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { at } from "./support/api.ts";
import {
  basic,
  EMPTY_MD5,
  MIB,
  type Reply,
  type SecurityFixture,
  startSecurityFixture,
} from "./support/security-fixture.ts";

describe("security baseline", () => {
  let fx: SecurityFixture;
  before(async () => {
    fx = await startSecurityFixture();
  });
  after(() => fx?.close());

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
        const reply = await fx.gql(
          fx.aliceKey,
          `mutation($e: String!, $p: String!, $r: String!, $f: [String!]!) {
            createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) { files { name uploadUrl } } }`,
          { e: "alice", p: "p", r: "r1", f: ["fine.txt", name] },
        );
        assert.equal(reply.status, 200, reply.text);
        fx.assertGraphqlError(reply, "INVALID_PATH", `createRunFiles ${JSON.stringify(name)}`);
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
        const reply = await fx.gql(
          fx.aliceKey,
          `mutation($a: ID!, $n: String!, $m: String!) { createArtifactFiles(input: {storageLayout: V2,
            artifactFiles: [{artifactID: $a, name: $n, md5: $m}]}) { files { edges { node { uploadUrl } } } } }`,
          { a: fx.aliceArtifactId, n: name, m: EMPTY_MD5 },
        );
        fx.assertGraphqlError(reply, "INVALID_PATH", `createArtifactFiles ${JSON.stringify(name)}`);
        assert.ok(!reply.text.includes("/storage/"), `no URL issued: ${reply.text}`);
      }
    });

    it("commitArtifact refuses a manifest whose entry path traverses → INVALID_PATH", async () => {
      const created = await fx.gql(
        fx.aliceKey,
        `mutation { createArtifact(input: {entityName: "alice", projectName: "p", artifactTypeName: "dataset",
          artifactCollectionName: "evil", digest: "fedcba9876543210fedcba9876543210"}) { artifact { id } } }`,
      );
      const artifactId = String(at(created.body, "data", "createArtifact", "artifact", "id"));
      const manifest = await fx.gql(
        fx.aliceKey,
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
        contents: { [`../../../${fx.sentinel}`]: { digest: "abc", ref: "file:///etc/passwd", size: 1 } },
      });
      const put = await fx.send(fx.local(String(manifestUrl)), { method: "PUT", body });
      assert.equal(put.status, 200, put.text);
      const commit = await fx.gql(
        fx.aliceKey,
        `mutation($a: ID!) { commitArtifact(input: {artifactID: $a}) { artifact { id state } } }`,
        {
          a: artifactId,
        },
      );
      fx.assertGraphqlError(commit, "INVALID_PATH", "commit with a traversing manifest entry");
      fx.assertNoEscape();
    });

    /** Raw storage paths: the `expires`/`signature` are either junk or a real signature over the decoded key. */
    function traversalPaths(): string[] {
      const future = Math.floor(Date.now() / 1000) + 600;
      const junk = `expires=${future}&signature=${"0".repeat(64)}`;
      const signedFor = (key: string) =>
        `expires=${future}&signature=${new URL(fx.signer.sign("PUT", key, 600)).searchParams.get("signature")}`;
      return [
        `/storage/..%2f..%2f${fx.sentinel}?${junk}`,
        `/storage/..%2f..%2f${fx.sentinel}?${signedFor(`../../${fx.sentinel}`)}`,
        `/storage/..%2f..%2f..%2fetc%2fpasswd?${junk}`,
        `/storage/runs/%2e%2e/%2e%2e/%2e%2e/${fx.sentinel}?${junk}`,
        `/storage/runs/%2e%2e/%2e%2e/%2e%2e/${fx.sentinel}?${signedFor(`runs/../../../${fx.sentinel}`)}`,
        `/storage/runs/../../../${fx.sentinel}?${signedFor(`runs/../../../${fx.sentinel}`)}`,
        `/storage/runs%2f..%2f..%2f..%2f${fx.sentinel}?${signedFor(`runs/../../../${fx.sentinel}`)}`,
        `/storage/runs/%252e%252e/%252e%252e/${fx.sentinel}?${junk}`,
        `/storage/..%5c..%5c${fx.sentinel}?${signedFor(`..\\..\\${fx.sentinel}`)}`,
        `/storage/%2fetc%2fpasswd?${signedFor("/etc/passwd")}`,
        `/storage/runs/1/files/a%00b?${signedFor("runs/1/files/a\u0000b")}`,
      ];
    }

    it("raw PUTs to traversing /storage/ paths → 4xx, never 200, nothing written outside the data dir", async () => {
      for (const path of traversalPaths()) {
        const reply = await fx.raw("PUT", path, "pwned");
        assert.ok([400, 403, 404].includes(reply.status), `PUT ${path} → ${reply.status} ${reply.text}`);
        fx.assertCleanError(reply, `PUT ${path}`);
      }
      fx.assertNoEscape();
      assert.deepEqual(await readdir(fx.root), ["data"], "nothing created beside the data dir");
    });

    it("raw GETs of traversing /storage/ paths → 4xx, never a file's contents", async () => {
      for (const path of traversalPaths()) {
        const reply = await fx.raw("GET", path);
        assert.ok([400, 403, 404].includes(reply.status), `GET ${path} → ${reply.status} ${reply.text}`);
        assert.ok(!reply.text.includes("root:"), `GET ${path} returned /etc/passwd`);
        fx.assertCleanError(reply, `GET ${path}`);
      }
    });

    it("a traversing run name in a file_stream path → 4xx, nothing written", async () => {
      for (const run of ["..%2f..%2fr1", "%2e%2e", "..", "r1%00", "%2e%2e%2f%2e%2e%2fr1"]) {
        const reply = await fx.raw(
          "POST",
          `/files/alice/p/${run}/file_stream`,
          JSON.stringify({ files: { "wandb-history.jsonl": { offset: 0, content: ["{}"] } } }),
          { authorization: basic(fx.aliceKey) },
        );
        assert.ok([400, 403, 404].includes(reply.status), `${run}: ${reply.status} ${reply.text}`);
        fx.assertCleanError(reply, `file_stream run ${run}`);
      }
      fx.assertNoEscape();
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
      const reply = await fx.send("/graphql", {
        method: "POST",
        key: fx.aliceKey,
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
      const reply = await fx.gql(
        fx.aliceKey,
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
      const reply = await fx.send("/graphql", { method: "POST", key: fx.aliceKey, body });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PAYLOAD_TOO_LARGE", reply.text);
      assert.match(
        String(at(reply.body, "error", "message")),
        new RegExp(`\\b${fx.config.limits.graphqlBodyBytes}\\b`),
      );
      fx.assertCleanError(reply, "40 MB GraphQL");
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
      const reply = await fx.send("/graphql", {
        method: "POST",
        key: fx.aliceKey,
        body: stream,
        duplex: "half",
      } as RequestInit & { duplex: "half" });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PAYLOAD_TOO_LARGE", reply.text);
      fx.assertCleanError(reply, "chunked 40 MB GraphQL");
    });

    it("a 70 MB file_stream body → 413 PAYLOAD_TOO_LARGE naming the limit", async () => {
      const body = JSON.stringify({
        files: { "output.log": { offset: 0, content: ["y".repeat(70 * MIB)] } },
      });
      const reply = await fx.send("/files/alice/p/r1/file_stream", {
        method: "POST",
        key: fx.aliceKey,
        body,
      });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PAYLOAD_TOO_LARGE", reply.text);
      assert.match(
        String(at(reply.body, "error", "message")),
        new RegExp(`\\b${fx.config.limits.fileStreamBodyBytes}\\b`),
      );
      fx.assertCleanError(reply, "70 MB file_stream");
    });

    it("a gzip file_stream body that inflates past the limit → 413 (no decompression bomb)", async () => {
      const inflated = Buffer.alloc(70 * MIB, "z");
      const body = gzipSync(inflated);
      assert.ok(body.length < MIB, "the compressed body itself is small");
      const reply = await fx.send("/files/alice/p/r1/file_stream", {
        method: "POST",
        key: fx.aliceKey,
        headers: { "content-encoding": "gzip" },
        body,
      });
      assert.equal(reply.status, 413, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PAYLOAD_TOO_LARGE", reply.text);
      fx.assertCleanError(reply, "gzip bomb");
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
      const reply = await fx.gql(fx.aliceKey, nested(30));
      assert.equal(reply.status, 400, reply.text);
      const message = String(at(reply.body, "errors", 0, "message"));
      assert.match(message, /deep|depth|nested/i, reply.text);
      assert.match(message, new RegExp(`\\b${fx.config.limits.graphqlMaxDepth}\\b`), reply.text);
      fx.assertCleanError(reply, "deep query");
    });

    it("a query nested 10 levels deep is answered (control) → 200", async () => {
      const reply = await fx.gql(fx.aliceKey, nested(10));
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
      const reply = await fx.gql(fx.aliceKey, `query { entity { ...F0 } }\n${fragments.join("\n")}`);
      assert.equal(reply.status, 400, reply.text);
      assert.match(String(at(reply.body, "errors", 0, "message")), /deep|depth|nested/i, reply.text);
      fx.assertCleanError(reply, "deep fragments");
    });

    it("201 aliases of viewer { id } → 400 naming the alias limit", async () => {
      const reply = await fx.gql(fx.aliceKey, aliases(fx.config.limits.graphqlMaxAliases + 1));
      assert.equal(reply.status, 400, reply.text.slice(0, 500));
      const message = String(at(reply.body, "errors", 0, "message"));
      assert.match(message, /alias/i, reply.text.slice(0, 500));
      assert.match(message, new RegExp(`\\b${fx.config.limits.graphqlMaxAliases}\\b`));
      fx.assertCleanError(reply, "too many aliases");
    });

    it("150 aliases of viewer { id } → 200", async () => {
      const reply = await fx.gql(fx.aliceKey, aliases(150));
      assert.equal(reply.status, 200, reply.text.slice(0, 500));
      const data = at(reply.body, "data");
      assert.equal(Object.keys(data ?? {}).length, 150);
    });
  });

  // ---- 7. malformed requests ------------------------------------------------------------------------

  describe("malformed requests", () => {
    it("a malformed JSON GraphQL body → 400 INVALID_JSON", async () => {
      const reply = await fx.send("/graphql", {
        method: "POST",
        key: fx.aliceKey,
        body: '{"query": "{ viewer { id } }"',
      });
      assert.equal(reply.status, 400, reply.text);
      assert.equal(at(reply.body, "error", "code"), "INVALID_JSON", reply.text);
      fx.assertCleanError(reply, "malformed GraphQL JSON");
    });

    it("a malformed JSON file_stream body → 400 INVALID_JSON", async () => {
      const reply = await fx.send("/files/alice/p/r1/file_stream", {
        method: "POST",
        key: fx.aliceKey,
        body: "{files:",
      });
      assert.equal(reply.status, 400, reply.text);
      assert.equal(at(reply.body, "error", "code"), "INVALID_JSON", reply.text);
      fx.assertCleanError(reply, "malformed file_stream JSON");
    });

    it("a GraphQL syntax error → 400 with a clean message", async () => {
      const reply = await fx.gql(fx.aliceKey, "{ viewer { id ");
      assert.equal(reply.status, 400, reply.text);
      fx.assertCleanError(reply, "syntax error");
    });

    it("an invalid gzip body → 400, not 500", async () => {
      const reply = await fx.send("/graphql", {
        method: "POST",
        key: fx.aliceKey,
        headers: { "content-encoding": "gzip" },
        body: "definitely not gzip",
      });
      assert.equal(reply.status, 400, reply.text);
      fx.assertCleanError(reply, "bad gzip");
    });

    it('operationName "" is accepted (viewer query works)', async () => {
      const reply = await fx.send("/graphql", {
        method: "POST",
        key: fx.aliceKey,
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
      const locker = new DatabaseSync(join(fx.dataDir, "ballast.sqlite"));
      locker.exec("BEGIN EXCLUSIVE");
      let reply: Reply;
      try {
        reply = await fx.fileStream(fx.aliceKey, "alice", "p", "r1", {
          files: { "wandb-history.jsonl": { offset: 1, content: ['{"_step":1,"x":2}'] } },
        });
      } finally {
        locker.exec("ROLLBACK");
        locker.close();
      }
      assert.equal(reply.status, 503, reply.text);
      assert.equal(at(reply.body, "error", "code"), "UNAVAILABLE", reply.text);
      assert.ok(reply.headers instanceof Headers && reply.headers.get("retry-after"), "Retry-After is set");
      fx.assertCleanError(reply, "database locked");
      // Once the lock is gone the same request succeeds: the client's retry would land.
      const retry = await fx.fileStream(fx.aliceKey, "alice", "p", "r1", {
        files: { "wandb-history.jsonl": { offset: 1, content: ['{"_step":1,"x":2}'] } },
      });
      assert.equal(retry.status, 200, retry.text);
    });
  });
});
