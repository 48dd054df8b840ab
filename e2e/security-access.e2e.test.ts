/**
 * The security baseline, black-box, part 1: who may do what. Authentication on every route,
 * per-entity read and write isolation between two ordinary users, and signed storage URLs (tampered,
 * moved, re-used for another method, expired). What is real: the server (in-process, port 0), its
 * SQLite database and local-disk object store under a temporary data dir; users and keys are made
 * through the embedded services (support/security-fixture.ts). Nothing is stubbed.
 * Part 2, hostile input and faults: security-input.e2e.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { at } from "./support/api.ts";
import { basic, EMPTY_MD5, type SecurityFixture, startSecurityFixture } from "./support/security-fixture.ts";

describe("security baseline", () => {
  let fx: SecurityFixture;
  before(async () => {
    fx = await startSecurityFixture();
  });
  after(() => fx?.close());

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
        const reply = await fx.send("/graphql", {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ query: "{ viewer { id } }" }),
        });
        assert.equal(reply.status, 401, reply.text);
        assert.equal(at(reply.body, "error", "code"), "UNAUTHENTICATED", reply.text);
        assert.equal(at(reply.body, "data"), undefined, "no data without a key");
        fx.assertCleanError(reply, label);
      });

      it(`POST file_stream with ${label} → 401 UNAUTHENTICATED and nothing written`, async () => {
        const reply = await fx.send("/files/alice/p/r1/file_stream", {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({ files: { "wandb-history.jsonl": { offset: 1, content: ['{"_step":1}'] } } }),
        });
        assert.equal(reply.status, 401, reply.text);
        assert.equal(at(reply.body, "error", "code"), "UNAUTHENTICATED", reply.text);
        fx.assertCleanError(reply, label);
      });
    }

    it("the history file_stream lines above were never stored", async () => {
      const reply = await fx.gql(
        fx.aliceKey,
        `{ project(name: "p", entityName: "alice") { run(name: "r1") { historyLineCount } } }`,
      );
      assert.equal(reply.status, 200, reply.text);
      assert.equal(at(reply.body, "data", "project", "run", "historyLineCount"), 1, reply.text);
    });

    it("a valid key is accepted (control for the 401s above)", async () => {
      const reply = await fx.gql(fx.aliceKey, "{ viewer { username entity } }");
      assert.equal(reply.status, 200, reply.text);
      assert.equal(at(reply.body, "data", "viewer", "username"), "alice", reply.text);
    });

    it("GET /healthz and /readyz → 200 without a key", async () => {
      for (const path of ["/healthz", "/readyz"]) {
        const reply = await fx.send(path);
        assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      }
    });

    it("POST /sdk/otel/v1/metrics → 404 without a key (telemetry off)", async () => {
      const reply = await fx.send("/sdk/otel/v1/metrics", { method: "POST", body: "{}" });
      assert.equal(reply.status, 404, reply.text);
      fx.assertCleanError(reply, "otel");
    });

    it("PUT and GET /storage/<key> with no signature → 403, not an open store", async () => {
      const put = await fx.send("/storage/runs/1/files/x.txt", { method: "PUT", body: "x" });
      assert.equal(put.status, 403, put.text);
      assert.equal(at(put.body, "error", "code"), "SIGNATURE_INVALID", put.text);
      fx.assertCleanError(put, "unsigned PUT");
      const get = await fx.send("/storage/runs/1/files/x.txt");
      assert.equal(get.status, 403, get.text);
      fx.assertCleanError(get, "unsigned GET");
    });
  });

  // ---- 2. entity isolation -----------------------------------------------------------------------

  describe("a key writes and reads only in its user's entities", () => {
    it("bob cannot upsertBucket into alice's entity (PERMISSION_DENIED, alice's run unchanged)", async () => {
      const reply = await fx.gql(
        fx.bobKey,
        `mutation { upsertBucket(input: {name: "r1", modelName: "p", entityName: "alice", displayName: "hacked"}) { bucket { id } } }`,
      );
      assert.equal(reply.status, 200, `the server answers GraphQL errors with 200: ${reply.text}`);
      fx.assertGraphqlError(reply, "PERMISSION_DENIED", "upsertBucket into another entity");
      assert.equal(at(reply.body, "data", "upsertBucket"), null, reply.text);
      const check = await fx.gql(
        fx.aliceKey,
        `{ project(name: "p", entityName: "alice") { run(name: "r1") { displayName } } }`,
      );
      assert.equal(at(check.body, "data", "project", "run", "displayName"), "original", check.text);
    });

    it("bob cannot upsertBucket alice's run by its id (PERMISSION_DENIED)", async () => {
      const reply = await fx.gql(
        fx.bobKey,
        `mutation($id: String) { upsertBucket(input: {id: $id, notes: "hacked"}) { bucket { id } } }`,
        {
          id: fx.aliceRunId,
        },
      );
      fx.assertGraphqlError(reply, "PERMISSION_DENIED", "upsertBucket by id");
      assert.equal(at(reply.body, "data", "upsertBucket"), null, reply.text);
    });

    it("bob cannot create a project in alice's entity through a new run", async () => {
      const reply = await fx.gql(
        fx.bobKey,
        `mutation { upsertBucket(input: {name: "r9", modelName: "bobs-project", entityName: "alice"}) { bucket { id } } }`,
      );
      fx.assertGraphqlError(reply, "PERMISSION_DENIED", "new project in another entity");
      const check = await fx.gql(
        fx.aliceKey,
        `{ project(name: "bobs-project", entityName: "alice") { id } }`,
      );
      assert.equal(at(check.body, "data", "project"), null, check.text);
    });

    it("bob cannot file_stream to alice's run → 403 PERMISSION_DENIED, nothing written", async () => {
      const reply = await fx.fileStream(fx.bobKey, "alice", "p", "r1", {
        files: { "wandb-history.jsonl": { offset: 1, content: ['{"_step":1,"x":666}'] } },
      });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "PERMISSION_DENIED", reply.text);
      fx.assertCleanError(reply, "file_stream to another entity");
      const check = await fx.gql(
        fx.aliceKey,
        `{ project(name: "p", entityName: "alice") { run(name: "r1") { historyLineCount } } }`,
      );
      assert.equal(at(check.body, "data", "project", "run", "historyLineCount"), 1, check.text);
    });

    it("bob cannot createRunFiles for alice's run (PERMISSION_DENIED, no upload URL)", async () => {
      const reply = await fx.gql(
        fx.bobKey,
        `mutation($e: String!, $p: String!, $r: String!, $f: [String!]!) {
          createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) { runID files { name uploadUrl } } }`,
        { e: "alice", p: "p", r: "r1", f: ["model.bin"] },
      );
      fx.assertGraphqlError(reply, "PERMISSION_DENIED", "createRunFiles for another entity");
      assert.equal(at(reply.body, "data", "createRunFiles"), null, reply.text);
      assert.ok(!reply.text.includes("/storage/"), `no URL issued: ${reply.text}`);
    });

    it("bob cannot read alice's run by project name (error, no data)", async () => {
      const reply = await fx.gql(
        fx.bobKey,
        `{ project(name: "p", entityName: "alice") { id run(name: "r1") { id displayName config historyTail } } }`,
      );
      fx.assertGraphqlError(reply, "PERMISSION_DENIED", "read another entity's run");
      assert.equal(at(reply.body, "data", "project"), null, reply.text);
      assert.ok(!reply.text.includes(fx.aliceRunId), `alice's run id leaked: ${reply.text}`);
      assert.ok(!reply.text.includes("original"), `alice's run fields leaked: ${reply.text}`);
    });

    it("bob cannot read alice's artifact by id (error, no data)", async () => {
      const reply = await fx.gql(fx.bobKey, `query($id: ID!) { artifact(id: $id) { id digest state } }`, {
        id: fx.aliceArtifactId,
      });
      fx.assertGraphqlError(reply, "PERMISSION_DENIED", "read another entity's artifact");
      assert.equal(at(reply.body, "data", "artifact"), null, reply.text);
      assert.ok(!reply.text.includes("0123456789abcdef"), `artifact digest leaked: ${reply.text}`);
    });

    it("bob cannot use, add files to, upload a manifest for, or commit alice's artifact", async () => {
      const attempts: [string, string, Record<string, unknown>][] = [
        [
          "useArtifact",
          `mutation($a: ID!) { useArtifact(input: {entityName: "bob", projectName: "p", runName: "r1", artifactID: $a}) { artifact { id } } }`,
          { a: fx.aliceArtifactId },
        ],
        [
          "createArtifactFiles",
          `mutation($a: ID!, $m: String!) { createArtifactFiles(input: {storageLayout: V2,
            artifactFiles: [{artifactID: $a, name: "x.txt", md5: $m}]}) { files { edges { node { uploadUrl } } } } }`,
          { a: fx.aliceArtifactId, m: EMPTY_MD5 },
        ],
        [
          "createArtifactManifest",
          `mutation($a: ID!) { createArtifactManifest(input: {artifactID: $a, name: "wandb_manifest.json",
            digest: "", entityName: "alice", projectName: "p"}) { artifactManifest { id file { uploadUrl } } } }`,
          { a: fx.aliceArtifactId },
        ],
        [
          "commitArtifact",
          `mutation($a: ID!) { commitArtifact(input: {artifactID: $a}) { artifact { id } } }`,
          { a: fx.aliceArtifactId },
        ],
      ];
      for (const [name, query, variables] of attempts) {
        const reply = await fx.gql(fx.bobKey, query, variables);
        fx.assertGraphqlError(reply, "PERMISSION_DENIED", name);
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
      const reply = await fx.gql(
        fx.aliceKey,
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
      const put = await fx.send(fx.local(uploadUrl), { method: "PUT", body: "hello" });
      assert.equal(put.status, 200, put.text);
      const get = await fx.send(fx.local(fx.signer.sign("GET", fx.storageKeyOf(uploadUrl), 60)));
      assert.equal(get.status, 200, get.text);
      assert.equal(get.text, "hello");
    });

    it("a tampered signature → 403 SIGNATURE_INVALID", async () => {
      const url = new URL(uploadUrl);
      const signature = url.searchParams.get("signature") ?? "";
      url.searchParams.set("signature", `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`);
      const reply = await fx.send(fx.local(url.href), { method: "PUT", body: "tampered" });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_INVALID", reply.text);
      fx.assertCleanError(reply, "tampered signature");
    });

    it("a signature used on another object key → 403 SIGNATURE_INVALID", async () => {
      const a = new URL(uploadUrl);
      const b = new URL(otherUploadUrl);
      const reply = await fx.send(`${b.pathname}${a.search}`, { method: "PUT", body: "moved" });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_INVALID", reply.text);
      fx.assertCleanError(reply, "signature for another key");
    });

    it("a PUT URL used for GET → 403 SIGNATURE_INVALID", async () => {
      const reply = await fx.send(fx.local(uploadUrl));
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_INVALID", reply.text);
      fx.assertCleanError(reply, "PUT URL used for GET");
    });

    it("an expires moved into the past (breaking the signature) → 403", async () => {
      const url = new URL(uploadUrl);
      url.searchParams.set("expires", String(Math.floor(Date.now() / 1000) - 3600));
      const reply = await fx.send(fx.local(url.href), { method: "PUT", body: "late" });
      assert.equal(reply.status, 403, reply.text);
      fx.assertCleanError(reply, "edited expires");
    });

    it("an expires moved into the future (extending the URL) → 403 SIGNATURE_INVALID", async () => {
      const url = new URL(uploadUrl);
      url.searchParams.set("expires", String(Math.floor(Date.now() / 1000) + 10 * 365 * 86400));
      const reply = await fx.send(fx.local(url.href), { method: "PUT", body: "forever" });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_INVALID", reply.text);
    });

    it("a correctly signed but expired URL → 403 SIGNATURE_EXPIRED", async () => {
      const expired = fx.signer.sign("PUT", fx.storageKeyOf(uploadUrl), -60);
      const reply = await fx.send(fx.local(expired), { method: "PUT", body: "late" });
      assert.equal(reply.status, 403, reply.text);
      assert.equal(at(reply.body, "error", "code"), "SIGNATURE_EXPIRED", reply.text);
      fx.assertCleanError(reply, "expired URL");
    });

    it("the installation's signer is the one the server verifies with (control for the expired case)", async () => {
      const fresh = fx.signer.sign("PUT", fx.storageKeyOf(otherUploadUrl), 60);
      const reply = await fx.send(fx.local(fresh), { method: "PUT", body: "fresh" });
      assert.equal(reply.status, 200, reply.text);
    });
  });
});
