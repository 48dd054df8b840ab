import { createHash } from "node:crypto";
import { CheckFailure, describeReply, originOf, request } from "./http.ts";
import { at, type Session, VERIFY_PROJECT } from "./session.ts";

export const md5Base64 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("base64");

/** createRunFiles, then a PUT of `bytes` to the signed URL with only the headers it came with. */
export async function uploadRunFile(
  session: Session,
  run: string,
  name: string,
  bytes: Buffer,
): Promise<string> {
  const data = await session.graphqlData(
    "createRunFiles",
    `mutation CreateRunFiles($entity: String!, $project: String!, $run: String!, $files: [String!]!) {
      createRunFiles(input: {entityName: $entity, projectName: $project, runName: $run, files: $files}) {
        runID uploadHeaders files { name uploadUrl } } }`,
    { entity: session.entity, project: VERIFY_PROJECT, run, files: [name] },
  );
  const uploadUrl = at(data, "createRunFiles", "files", 0, "uploadUrl");
  if (typeof uploadUrl !== "string" || uploadUrl === "") {
    throw new CheckFailure("createRunFiles returned no upload URL.");
  }
  const headers: Record<string, string> = {};
  const listed = at(data, "createRunFiles", "uploadHeaders");
  for (const header of Array.isArray(listed) ? listed : []) {
    const [key, ...value] = String(header).split(":");
    if (key) headers[key.trim()] = value.join(":").trim();
  }
  // No Authorization: a signed URL must authorise the upload by itself (it may point at a bucket).
  const put = await request(uploadUrl, { method: "PUT", headers, body: bytes, timeoutMs: session.timeoutMs });
  if (put.status < 200 || put.status > 299) {
    throw new CheckFailure(`PUT ${originOf(uploadUrl)}/… failed: ${describeReply(put)}`);
  }
  return uploadUrl;
}

export interface ListedFile {
  readonly name: string;
  readonly url: string;
  readonly sizeBytes: number | undefined;
  readonly md5: string | undefined;
}

/** The file as the read side lists it (op `RunFiles`, as `run.file(name)` asks for it). */
export async function findRunFile(session: Session, run: string, name: string): Promise<ListedFile> {
  const data = await session.graphqlData(
    "RunFiles",
    `query RunFiles($project: String!, $entity: String!, $name: String!, $fileNames: [String]) {
      project(name: $project, entityName: $entity) { run(name: $name) {
        files(names: $fileNames) { edges { node { name url directUrl sizeBytes md5 } } } } } }`,
    { project: VERIFY_PROJECT, entity: session.entity, name: run, fileNames: [name] },
  );
  const node = at(data, "project", "run", "files", "edges", 0, "node");
  const url = at(node, "directUrl") ?? at(node, "url");
  if (typeof url !== "string" || url === "") {
    throw new CheckFailure(`RunFiles lists no download URL for ${JSON.stringify(name)} of run ${run}.`);
  }
  const size = at(node, "sizeBytes");
  const md5 = at(node, "md5");
  return {
    name: String(at(node, "name")),
    url,
    sizeBytes: size === undefined || size === null ? undefined : Number(size),
    md5: typeof md5 === "string" ? md5 : undefined,
  };
}

/** GETs a download URL; the key goes along only to the server's own origin, as wandb-core does. */
export async function download(session: Session, url: string): Promise<Buffer> {
  const absolute = new URL(url, session.host).toString();
  const sameOrigin = originOf(absolute) === originOf(session.host);
  const reply = await request(absolute, {
    headers: sameOrigin ? { authorization: session.authorization } : {},
    timeoutMs: session.timeoutMs,
  });
  if (reply.status !== 200)
    throw new CheckFailure(`GET ${originOf(absolute)}/… failed: ${describeReply(reply)}`);
  return reply.body;
}
