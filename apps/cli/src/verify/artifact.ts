import { createHash, randomBytes } from "node:crypto";
import { CheckFailure, describeReply, originOf, request } from "./http.ts";
import { fail, type Outcome, PASS } from "./report.ts";
import { download, md5Base64 } from "./run-files.ts";
import { at, type Session, VERIFY_PROJECT } from "./session.ts";

/** The artifact digest W&B computes from the manifest entries (wandb/sdk/artifacts/artifact_manifest_entry). */
function artifactDigest(entries: Readonly<Record<string, string>>): string {
  const hash = createHash("md5").update("wandb-artifact-manifest-v1\n");
  for (const path of Object.keys(entries).sort()) hash.update(`${path}:${entries[path]}\n`);
  return hash.digest("hex");
}

const CREATE = `mutation CreateArtifact($input: CreateArtifactInput!) {
  createArtifact(input: $input) { artifact { id state digest } } }`;
const MANIFEST = `mutation CreateArtifactManifest($artifactID: ID!, $name: String!, $digest: String!, $entityName: String!,
  $projectName: String!, $runName: String!, $includeUpload: Boolean!) {
  createArtifactManifest(input: {artifactID: $artifactID, name: $name, digest: $digest, entityName: $entityName,
    projectName: $projectName, runName: $runName, type: FULL}) {
    artifactManifest { id file { id uploadUrl @include(if: $includeUpload) uploadHeaders @include(if: $includeUpload) } } } }`;
const FILES = `mutation CreateArtifactFiles($input: CreateArtifactFilesInput!) {
  createArtifactFiles(input: $input) { files { edges { node { name uploadUrl uploadHeaders } } } } }`;
const COMMIT = `mutation CommitArtifact($artifactID: ID!) {
  commitArtifact(input: {artifactID: $artifactID}) { artifact { id digest } } }`;
const READ = `query Artifact($id: ID!) { artifact(id: $id) { state digest
  currentManifest { file { directUrl } } files { edges { node { name directUrl sizeBytes } } } } }`;

/** PUT to a signed URL with the headers that came with it, no credentials. */
async function put(
  session: Session,
  url: string,
  headers: unknown,
  body: Buffer,
  what: string,
): Promise<void> {
  const sent: Record<string, string> = {};
  for (const header of Array.isArray(headers) ? headers : []) {
    const [key, ...value] = String(header).split(":");
    if (key) sent[key.trim()] = value.join(":").trim();
  }
  const reply = await request(url, { method: "PUT", headers: sent, body, timeoutMs: session.timeoutMs });
  if (reply.status < 200 || reply.status > 299) {
    throw new CheckFailure(`PUT of ${what} to ${originOf(url)} failed: ${describeReply(reply)}`);
  }
}

/**
 * An artifact logged the way wandb-core's ArtifactSaver does it (createArtifact, manifest, files,
 * PUTs, manifest upload, commit; the same sequence as e2e/artifacts.e2e.test.ts), then downloaded
 * through the manifest's and the files' directUrls and compared byte for byte.
 */
export async function checkArtifact(session: Session): Promise<Outcome> {
  const run = session.runName("artifact");
  const name = `${session.prefix}-verify-artifact`;
  const files: Record<string, Buffer> = {
    "verify_int_test.txt": Buffer.from("test 1"),
    "verify_dir/verify_a.bin": randomBytes(64 * 1024),
  };
  const digests = Object.fromEntries(Object.entries(files).map(([path, bytes]) => [path, md5Base64(bytes)]));
  const common = { entityName: session.entity, projectName: VERIFY_PROJECT, runName: run };
  try {
    await session.createRun(run);
    const created = await session.graphqlData("createArtifact", CREATE, {
      input: {
        ...common,
        artifactTypeName: "verify",
        artifactCollectionName: name,
        digest: artifactDigest(digests),
        digestAlgorithm: "MANIFEST_MD5",
        aliases: [{ artifactCollectionName: name, alias: "latest" }],
        clientID: randomBytes(16).toString("hex"),
        sequenceClientID: randomBytes(16).toString("hex"),
        enableDigestDeduplication: true,
      },
    });
    const id = String(at(created, "createArtifact", "artifact", "id"));
    const first = await session.graphqlData("createArtifactManifest", MANIFEST, {
      ...common,
      artifactID: id,
      name: "wandb_manifest.json",
      digest: "",
      includeUpload: false,
    });
    const manifestId = at(first, "createArtifactManifest", "artifactManifest", "id");
    const paths = Object.keys(files);
    const answer = await session.graphqlData("createArtifactFiles", FILES, {
      input: {
        storageLayout: "V2",
        artifactFiles: paths.map((path) => ({
          artifactID: id,
          artifactManifestID: manifestId,
          name: path,
          md5: digests[path],
        })),
      },
    });
    const edges = at(answer, "createArtifactFiles", "files", "edges");
    for (const [i, path] of paths.entries()) {
      const uploadUrl = at(edges, i, "node", "uploadUrl");
      // null: the store already holds these bytes (deduplicated by digest); nothing to send.
      if (typeof uploadUrl === "string") {
        await put(
          session,
          uploadUrl,
          at(edges, i, "node", "uploadHeaders"),
          files[path] ?? Buffer.alloc(0),
          path,
        );
      }
    }
    const manifest = Buffer.from(
      JSON.stringify({
        version: 1,
        storagePolicy: "wandb-storage-policy-v1",
        storagePolicyConfig: { storageLayout: "V2" },
        contents: Object.fromEntries(
          paths.map((p) => [p, { digest: digests[p], size: files[p]?.length ?? 0 }]),
        ),
      }),
    );
    const second = await session.graphqlData("createArtifactManifest", MANIFEST, {
      ...common,
      artifactID: id,
      name: "wandb_manifest.json",
      digest: md5Base64(manifest),
      includeUpload: true,
    });
    const file = at(second, "createArtifactManifest", "artifactManifest", "file");
    const manifestUrl = at(file, "uploadUrl");
    if (typeof manifestUrl !== "string")
      throw new CheckFailure("createArtifactManifest returned no upload URL.");
    await put(session, manifestUrl, at(file, "uploadHeaders"), manifest, "the manifest");
    await session.graphqlData("commitArtifact", COMMIT, { artifactID: id });
    await session.finishRun(run);
    return await checkDownload(session, id, manifest, files);
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return fail(error.message, "Check the object store (bucket permissions) and the server log.");
  }
}

async function checkDownload(
  session: Session,
  id: string,
  manifest: Buffer,
  files: Readonly<Record<string, Buffer>>,
): Promise<Outcome> {
  const data = await session.graphqlData("artifact", READ, { id });
  const problems: string[] = [];
  const state = at(data, "artifact", "state");
  if (state !== "COMMITTED") problems.push(`state is ${JSON.stringify(state)}, not COMMITTED`);
  const manifestUrl = at(data, "artifact", "currentManifest", "file", "directUrl");
  if (typeof manifestUrl !== "string") throw new CheckFailure("The artifact has no manifest download URL.");
  if (!(await download(session, manifestUrl)).equals(manifest))
    problems.push("the downloaded manifest differs");
  const edges = at(data, "artifact", "files", "edges");
  for (const [path, bytes] of Object.entries(files)) {
    const node = (Array.isArray(edges) ? edges : [])
      .map((edge) => at(edge, "node"))
      .find((n) => at(n, "name") === path);
    const url = at(node, "directUrl");
    if (typeof url !== "string") {
      problems.push(`${path} is not listed with a download URL`);
      continue;
    }
    if (!(await download(session, url)).equals(bytes)) problems.push(`${path} came back different`);
  }
  if (problems.length > 0) return fail(`The artifact did not download intact: ${problems.join("; ")}.`);
  return PASS;
}
