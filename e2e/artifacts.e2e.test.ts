/**
 * The artifact protocol as wandb-core speaks it (reference §9), over HTTP against a real server:
 * versions and aliases, dedupe by content, edge order, digest checks on upload, multipart uploads,
 * use and lookup by alias. Large files use multipart only past 2 GiB in the real client, so the
 * multipart choreography is exercised here with small parts.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { at, graphql, graphqlData, startTestServer, type TestServer } from "./support/api.ts";

const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest();

/** The artifact digest W&B computes from the manifest entries (reference §9.1). */
function artifactDigest(entries: Record<string, string>): string {
  const hash = createHash("md5").update("wandb-artifact-manifest-v1\n");
  for (const path of Object.keys(entries).sort()) hash.update(`${path}:${entries[path]}\n`);
  return hash.digest("hex");
}

const CREATE = `mutation CreateArtifact($input: CreateArtifactInput!) {
  createArtifact(input: $input) { artifact { id state versionIndex artifactSequence { latestArtifact { id } } } } }`;
const MANIFEST = `mutation CreateArtifactManifest($artifactID: ID!, $name: String!, $digest: String!, $entityName: String!,
  $projectName: String!, $runName: String!, $includeUpload: Boolean!) {
  createArtifactManifest(input: {artifactID: $artifactID, name: $name, digest: $digest, entityName: $entityName,
    projectName: $projectName, runName: $runName, type: FULL}) {
    artifactManifest { id file { id uploadUrl @include(if: $includeUpload) uploadHeaders @include(if: $includeUpload) } } } }`;
const FILES = `mutation CreateArtifactFiles($input: CreateArtifactFilesInput!) {
  createArtifactFiles(input: $input) { files { edges { node { storagePath uploadUrl uploadHeaders
    uploadMultipartUrls { uploadID uploadUrlParts { partNumber uploadUrl } } artifact { id } } } } } }`;
const COMPLETE = `mutation CompleteMultipartUploadArtifact($parts: [UploadPartsInput!]!, $artifactID: ID!, $storagePath: String!, $uploadID: String!) {
  completeMultipartUploadArtifact(input: {completeMultipartAction: Complete, completedParts: $parts, artifactID: $artifactID,
    storagePath: $storagePath, uploadID: $uploadID}) { digest } }`;
const COMMIT =
  "mutation CommitArtifact($artifactID: ID!) { commitArtifact(input: {artifactID: $artifactID}) { artifact { id digest } } }";

interface Logged {
  id: string;
  state: string;
  clientId: string;
  /** createArtifactFiles edges, in answer order. */
  edges: { uploadUrl: string | null; birthArtifactId: string }[];
}

describe("artifacts over the W&B protocol", () => {
  let test: TestServer;

  before(async () => {
    test = await startTestServer();
    await graphqlData(
      test,
      `mutation { upsertBucket(input: {name: "producer", modelName: "arts"}) { bucket { id } } }`,
    );
    await graphqlData(
      test,
      `mutation { upsertBucket(input: {name: "consumer", modelName: "arts"}) { bucket { id } } }`,
    );
  });

  after(() => test.close());

  /** Logs one version the way wandb-core's ArtifactSaver does; `multipart` paths upload in 3 parts. */
  async function logVersion(
    name: string,
    files: Record<string, Buffer>,
    aliases: string[] = [],
    multipart: readonly string[] = [],
  ): Promise<Logged> {
    const clientId = randomBytes(32).toString("hex");
    const digests = Object.fromEntries(
      Object.entries(files).map(([path, bytes]) => [path, md5(bytes).toString("base64")]),
    );
    const created = await graphqlData(test, CREATE, {
      input: {
        entityName: "admin",
        projectName: "arts",
        runName: "producer",
        artifactTypeName: "model",
        artifactCollectionName: name,
        digest: artifactDigest(digests),
        digestAlgorithm: "MANIFEST_MD5",
        aliases: ["latest", ...aliases].map((alias) => ({ artifactCollectionName: name, alias })),
        clientID: clientId,
        sequenceClientID: randomBytes(32).toString("hex"),
        enableDigestDeduplication: true,
        metadata: JSON.stringify({ files: Object.keys(files).length }),
      },
    });
    const id = String(at(created, "createArtifact", "artifact", "id"));
    const state = String(at(created, "createArtifact", "artifact", "state"));
    if (state === "COMMITTED") return { id, state, clientId, edges: [] };
    const common = {
      artifactID: id,
      name: "wandb_manifest.json",
      entityName: "admin",
      projectName: "arts",
      runName: "producer",
    };
    const first = await graphqlData(test, MANIFEST, { ...common, digest: "", includeUpload: false });
    const manifestId = at(first, "createArtifactManifest", "artifactManifest", "id");

    const paths = Object.keys(files);
    const answer = await graphqlData(test, FILES, {
      input: {
        storageLayout: "V2",
        clientMutationId: null,
        cloudRegionID: null,
        artifactFiles: paths.map((path) => {
          const bytes = files[path] ?? Buffer.alloc(0);
          const parts = multipart.includes(path)
            ? [0, 1, 2].map((i) => ({
                partNumber: i + 1,
                hexMD5: md5(bytes.subarray((i * bytes.length) / 3, ((i + 1) * bytes.length) / 3)).toString(
                  "hex",
                ),
              }))
            : null;
          return {
            artifactID: id,
            artifactManifestID: manifestId,
            name: path,
            md5: digests[path],
            mimetype: null,
            uploadPartsInput: parts,
          };
        }),
      },
    });
    const edges = at(answer, "createArtifactFiles", "files", "edges") as { node: Record<string, unknown> }[];
    assert.equal(edges.length, paths.length, "one edge per file spec");
    const logged: Logged["edges"] = [];
    for (const [i, edge] of edges.entries()) {
      const path = paths[i] ?? "";
      const bytes = files[path] ?? Buffer.alloc(0);
      const uploadUrl = edge.node.uploadUrl as string | null;
      logged.push({ uploadUrl, birthArtifactId: String(at(edge.node, "artifact", "id")) });
      if (uploadUrl === null) continue;
      const parts = at(edge.node, "uploadMultipartUrls", "uploadUrlParts") as
        | { partNumber: number; uploadUrl: string }[]
        | null;
      if (!parts) {
        const put = await fetch(uploadUrl, { method: "PUT", body: bytes });
        assert.equal(put.status, 200, `PUT ${path}`);
        continue;
      }
      const completed = [];
      for (const part of parts) {
        const i = part.partNumber - 1;
        const chunk = bytes.subarray((i * bytes.length) / 3, ((i + 1) * bytes.length) / 3);
        const put = await fetch(part.uploadUrl, {
          method: "PUT",
          body: chunk,
          headers: { "content-md5": md5(chunk).toString("base64") },
        });
        assert.equal(put.status, 200, `PUT part ${part.partNumber}`);
        const etag = put.headers.get("etag");
        assert.equal(etag, `"${md5(chunk).toString("hex")}"`, "a part answers its MD5 as ETag");
        completed.push({ partNumber: part.partNumber, hexMD5: etag });
      }
      await graphqlData(test, COMPLETE, {
        parts: completed,
        artifactID: String(at(edge.node, "artifact", "id")),
        storagePath: edge.node.storagePath,
        uploadID: at(edge.node, "uploadMultipartUrls", "uploadID"),
      });
    }

    const manifest = Buffer.from(
      JSON.stringify({
        version: 1,
        storagePolicy: "wandb-storage-policy-v1",
        storagePolicyConfig: { storageLayout: "V2" },
        contents: Object.fromEntries(
          paths.map((path) => [path, { digest: digests[path], size: files[path]?.length ?? 0 }]),
        ),
      }),
    );
    const second = await graphqlData(test, MANIFEST, {
      ...common,
      digest: md5(manifest).toString("base64"),
      includeUpload: true,
    });
    const manifestUrl = String(at(second, "createArtifactManifest", "artifactManifest", "file", "uploadUrl"));
    assert.equal((await fetch(manifestUrl, { method: "PUT", body: manifest })).status, 200);
    await graphqlData(test, COMMIT, { artifactID: id });
    return { id, state, clientId, edges: logged };
  }

  function aliasesOf(collection: string): Record<string, number> {
    const db = new DatabaseSync(join(test.dataDir, "ballast.sqlite"), { readOnly: true });
    try {
      const rows = db
        .prepare(
          `SELECT al.alias, a.version_index FROM artifact_aliases al JOIN artifacts a ON a.id = al.artifact_id
           JOIN artifact_collections c ON c.id = al.collection_id WHERE c.name = ? ORDER BY al.alias`,
        )
        .all(collection);
      return Object.fromEntries(rows.map((row) => [String(row.alias), Number(row.version_index)]));
    } finally {
      db.close();
    }
  }

  it("assigns v0, v1, v2 at commit and moves latest and custom aliases to the newest holder", async () => {
    const v0 = await logVersion("model", {
      "w.bin": Buffer.from("weights-0"),
      "cfg.json": Buffer.from("{}"),
    });
    assert.equal(v0.state, "PENDING");
    await logVersion("model", { "w.bin": Buffer.from("weights-1"), "cfg.json": Buffer.from("{}") }, ["best"]);
    assert.deepEqual(aliasesOf("model"), { best: 1, latest: 1 });
    await logVersion("model", { "w.bin": Buffer.from("weights-2"), "cfg.json": Buffer.from("{}") }, [
      "best",
      "prod",
    ]);
    assert.deepEqual(aliasesOf("model"), { best: 2, latest: 2, prod: 2 });
    const data = await graphqlData(
      test,
      `{ project(name: "arts", entityName: "admin") {
          v1: artifactCollectionMembership(name: "model:v1") { versionIndex aliases { alias } }
          best: artifactCollectionMembership(name: "model:best") { versionIndex }
          latest: artifact(name: "model:latest") { versionIndex fileCount size state } } }`,
    );
    assert.equal(at(data, "project", "v1", "versionIndex"), 1);
    assert.deepEqual(at(data, "project", "v1", "aliases"), [{ alias: "v1" }]);
    assert.equal(at(data, "project", "best", "versionIndex"), 2);
    assert.deepEqual(at(data, "project", "latest"), {
      versionIndex: 2,
      fileCount: 2,
      size: 11,
      state: "COMMITTED",
    });
  });

  it("answers edges in input order and a null uploadUrl, with the birth artifact, for content already stored", async () => {
    const first = await logVersion("dedupe", {
      "a.txt": Buffer.from("shared"),
      "b.txt": Buffer.from("only-1"),
    });
    const second = await logVersion("dedupe", {
      "z.txt": Buffer.from("new"),
      "a.txt": Buffer.from("shared"),
    });
    assert.equal(first.edges.length, 2);
    assert.ok(second.edges[0]?.uploadUrl, "new content gets an upload URL");
    assert.equal(second.edges[1]?.uploadUrl, null, "stored content is not uploaded again");
    assert.equal(second.edges[1]?.birthArtifactId, first.id, "its birth artifact is the first version");
    assert.equal(second.edges[0]?.birthArtifactId, second.id);
  });

  it("returns the committed version when the same content is logged again, adding the aliases asked for", async () => {
    const files = { "x.txt": Buffer.from("same") };
    const original = await logVersion("again", files);
    await logVersion("again", { "x.txt": Buffer.from("different") });
    const repeat = await logVersion("again", files, ["rerun"]);
    assert.equal(repeat.state, "COMMITTED");
    assert.equal(repeat.id, original.id);
    assert.deepEqual(aliasesOf("again"), { latest: 0, rerun: 0 });
    // Either call's client id maps to the version (wandb-client-artifact:// references resolve).
    for (const clientId of [original.clientId, repeat.clientId]) {
      const mapped = await graphqlData(
        test,
        "query($c: ID!) { clientIDMapping(clientID: $c) { serverID } }",
        { c: clientId },
      );
      assert.equal(at(mapped, "clientIDMapping", "serverID"), original.id);
    }
  });

  it("refuses an upload whose bytes do not match the content address", async () => {
    const digest = md5(Buffer.from("expected")).toString("base64");
    const created = await graphqlData(test, CREATE, {
      input: {
        entityName: "admin",
        projectName: "arts",
        runName: "producer",
        artifactTypeName: "model",
        artifactCollectionName: "tampered",
        digest: artifactDigest({ "f.txt": digest }),
      },
    });
    const id = at(created, "createArtifact", "artifact", "id");
    const answer = await graphqlData(test, FILES, {
      input: { storageLayout: "V2", artifactFiles: [{ artifactID: id, name: "f.txt", md5: digest }] },
    });
    const url = String(at(answer, "createArtifactFiles", "files", "edges", 0, "node", "uploadUrl"));
    const put = await fetch(url, { method: "PUT", body: "something else" });
    assert.equal(put.status, 400);
    assert.equal(at(await put.json(), "error", "code"), "DIGEST_MISMATCH");
    const commit = await graphql(test, COMMIT, { artifactID: id });
    assert.equal(commit.errors?.[0]?.extensions?.code, "ARTIFACT_STATE_CONFLICT", "no manifest, no commit");
  });

  it("joins multipart uploads, checking the whole file's MD5, and serves the joined bytes", async () => {
    const big = randomBytes(3 * 1024 * 1024 + 7);
    const logged = await logVersion("multi", { "big.bin": big }, [], ["big.bin"]);
    const data = await graphqlData(
      test,
      `query($id: ID!) { artifact(id: $id) { state size files { edges { node { name directUrl sizeBytes } } } } }`,
      { id: logged.id },
    );
    assert.equal(at(data, "artifact", "state"), "COMMITTED");
    const url = String(at(data, "artifact", "files", "edges", 0, "node", "directUrl"));
    const download = Buffer.from(await (await fetch(url)).arrayBuffer());
    assert.ok(download.equals(big), "downloaded bytes equal the uploaded file");
  });

  it("serves artifact files on the client's authenticated fallback paths (V2 and V1 layouts)", async () => {
    const bytes = Buffer.from("fallback content");
    const logged = await logVersion("fallback", { "f.bin": bytes });
    const hex = md5(bytes).toString("hex");
    const paths = [
      `/artifactsV2/default/admin/arts/fallback/${logged.id}/${hex}/f.bin`,
      `/artifacts/admin/${hex}`,
    ];
    for (const path of paths) {
      const ok = await fetch(`${test.server.url}${path}`, { headers: { authorization: test.auth } });
      assert.equal(ok.status, 200, path);
      assert.ok(Buffer.from(await ok.arrayBuffer()).equals(bytes), `${path} serves the bytes`);
      assert.equal((await fetch(`${test.server.url}${path}`)).status, 401, `${path} needs a key`);
    }
    const unknown = await fetch(`${test.server.url}/artifacts/admin/${"0".repeat(32)}`, {
      headers: { authorization: test.auth },
    });
    assert.equal(unknown.status, 404);
  });

  it("records useArtifact and resolves the artifact by id for the consuming run", async () => {
    const logged = await logVersion("used", { "u.txt": Buffer.from("u") });
    const used = await graphqlData(
      test,
      `mutation($id: ID!) { useArtifact(input: {entityName: "admin", projectName: "arts", runName: "consumer", artifactID: $id}) {
         artifact { id digest state createdAt } } }`,
      { id: logged.id },
    );
    assert.equal(at(used, "useArtifact", "artifact", "id"), logged.id);
    const db = new DatabaseSync(join(test.dataDir, "ballast.sqlite"), { readOnly: true });
    try {
      const row = db
        .prepare(
          "SELECT count(*) AS n FROM artifact_usages u JOIN runs r ON r.id = u.run_id WHERE r.name = 'consumer'",
        )
        .get();
      assert.equal(row?.n, 1);
    } finally {
      db.close();
    }
  });
});
