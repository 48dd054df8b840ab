/**
 * The real `wandb` client against Ballast with its objects in S3 (a real MinIO, which checks SigV4
 * signatures and presigned-URL expiry, with SSE-KMS on): run files and artifacts go straight to the
 * bucket through presigned URLs and come back through the public API byte for byte; nothing lands on
 * the server's disk. And an upload the client never reports is still recorded, by the internal
 * queue's look-ups (BUCKET_QUEUE=internal://, the default).
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { useClientSuite } from "./support/client-suite.ts";
import { startMinio } from "./support/minio.ts";
import { runScript } from "./support/python.ts";

const minio = await startMinio();
after(() => minio.dispose());
const PREFIX = "team/ballast";

interface Hashes {
  md5_hex: string;
  md5_b64: string;
  size: number;
}

interface Logged {
  run_id: string;
  entity: string;
  project: string;
  files: Record<string, Hashes>;
  artifact: { digest: string };
  artifact_sources: Record<string, Hashes>;
}

async function bucketKeys(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await minio.client.send(
      new ListObjectsV2Command({ Bucket: minio.bucket, Prefix: "", ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((item) => item.Key ?? ""));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

describe("the wandb client with objects in S3 (MinIO)", () => {
  const suite = useClientSuite("s3", {
    env: () => ({
      BUCKET: `s3://${minio.accessKeyId}:${minio.secretAccessKey}@${new URL(minio.endpoint).host}/${minio.bucket}/${PREFIX}`,
      AWS_REGION: minio.region,
      AWS_S3_KMS_ID: minio.kmsKeyId,
    }),
  });
  let logged: Logged;

  it("logs a run with files and an artifact straight into the bucket, encrypted", { timeout: 300_000 }, () =>
    suite.tracked(async () => {
      const { result } = await runScript<Logged>(
        "log_run.py",
        ["--project", "s3", "--steps", "200", "--big-mb", "6"],
        await suite.client("log"),
      );
      logged = result;
      const keys = await bucketKeys();
      assert.ok(keys.length > 0);
      for (const key of keys) assert.ok(key.startsWith(`${PREFIX}/`), `${key} is under the BUCKET path`);
      const big = keys.find((key) => key.endsWith("/files/big.bin"));
      assert.ok(big, `big.bin in the bucket: ${keys.join(", ")}`);
      const head = await minio.client.send(new HeadObjectCommand({ Bucket: minio.bucket, Key: big }));
      assert.equal(head.ServerSideEncryption, "aws:kms");
      assert.equal(head.ContentLength, result.files["big.bin"]?.size);
      assert.ok(
        keys.some((key) => /\/artifacts\/\d+\/manifests\//.test(key)),
        "the manifest is in the bucket",
      );
      assert.equal(existsSync(join(suite.live().server.dataDir, "objects")), false, "nothing on local disk");
    }),
  );

  it(
    "lists and downloads the run's files through wandb.Api() with their sizes and MD5s",
    { timeout: 120_000 },
    () =>
      suite.tracked(async () => {
        const { result } = await runScript<Record<string, { size: number; md5: string; downloaded: Hashes }>>(
          "run_files.py",
          ["--path", `${logged.entity}/${logged.project}/${logged.run_id}`],
          await suite.client("files"),
        );
        for (const [name, hashes] of Object.entries(logged.files)) {
          const file = result[name];
          assert.ok(file, `${name} listed (got ${Object.keys(result).join(", ")})`);
          assert.equal(file.size, hashes.size, `${name} size`);
          assert.equal(file.md5, hashes.md5_b64, `${name} md5`);
          assert.deepEqual(file.downloaded, hashes, `${name} downloaded bytes`);
        }
        // The client's own files, recorded from the file_stream `uploaded` list.
        assert.ok(result["wandb-metadata.json"], "wandb-metadata.json listed");
      }),
  );

  it("downloads the artifact from the bucket, file for file", { timeout: 120_000 }, () =>
    suite.tracked(async () => {
      const { result } = await runScript<{ latest: { digest: string; files: Record<string, Hashes> } }>(
        "use_artifact.py",
        ["--project", "s3"],
        await suite.client("use"),
      );
      assert.equal(result.latest.digest, logged.artifact.digest);
      assert.deepEqual(result.latest.files, logged.artifact_sources);
    }),
  );

  it("records a file PUT to its presigned URL that the client never reports", { timeout: 60_000 }, () =>
    suite.tracked(async () => {
      const { server } = suite.live();
      const auth = `Basic ${Buffer.from(`api:${suite.apiKey()}`).toString("base64")}`;
      const name = `unreported-${randomBytes(3).toString("hex")}.bin`;
      const answer = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify({
          query: `mutation($e: String!, $p: String!, $r: String!, $f: [String!]!) {
            createRunFiles(input: {entityName: $e, projectName: $p, runName: $r, files: $f}) {
              files { name uploadUrl } uploadHeaders } }`,
          variables: { e: logged.entity, p: logged.project, r: logged.run_id, f: [name] },
        }),
      });
      const body = (await answer.json()) as {
        data: { createRunFiles: { files: { uploadUrl: string }[]; uploadHeaders: string[] } };
      };
      const upload = body.data.createRunFiles;
      const url = upload.files[0]?.uploadUrl ?? "";
      assert.ok(url.startsWith(minio.endpoint), `a presigned bucket URL: ${url}`);
      const bytes = randomBytes(70_000);
      const headers = Object.fromEntries(
        upload.uploadHeaders.map((h) => [h.slice(0, h.indexOf(":")), h.slice(h.indexOf(":") + 1)]),
      );
      const put = await fetch(url, { method: "PUT", body: bytes, headers });
      assert.equal(put.status, 200, await put.text());

      const deadline = Date.now() + 30_000;
      let listed: Record<string, { size: number; md5: string }> = {};
      while (Date.now() < deadline) {
        const files = await fetch(
          `${server.url}/api/v1/runs/${logged.entity}/${logged.project}/${logged.run_id}/files`,
          { headers: { authorization: auth } },
        );
        const page = (await files.json()) as { files?: { name: string; size: number; md5: string }[] };
        listed = Object.fromEntries((page.files ?? []).map((f) => [f.name, f]));
        if (listed[name]) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.ok(listed[name], `${name} recorded by the queue within 30 s`);
      assert.equal(listed[name].size, bytes.length);
      assert.equal(listed[name].md5, createHash("md5").update(bytes).digest("base64"));
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const recorded = Number(/^ballast_uploads_total\{outcome="recorded"\} (\d+)$/m.exec(metrics)?.[1]);
      assert.ok(recorded >= 1, `uploads recorded by look-ups: ${recorded}`);
    }),
  );
});
