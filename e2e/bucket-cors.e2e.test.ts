/**
 * The bucket CORS check at start: a server on a bucket without CORS rules logs a warning with the
 * exact fix (the seeds' XML and the `aws s3api put-bucket-cors` command) and shows it on
 * /system-admin; once the command's rules are applied, the next start finds them and says nothing.
 * The bucket is moto's S3 (signatures checked with an IAM key): MinIO has no bucket CORS API.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CORSRule, CreateBucketCommand, PutBucketCorsCommand, S3Client } from "@aws-sdk/client-s3";
import {
  makeWorkspace,
  runCli,
  type ServerHandle,
  sleep,
  startServer,
  type Workspace,
} from "./support/server.ts";
import { type SqsEmulator, startSqsEmulator } from "./support/sqs.ts";

const ORIGIN = "https://ballast.example.test";
const BUCKET = "cors-bucket";

describe("the bucket CORS check at start", () => {
  let moto: SqsEmulator;
  let s3: S3Client;
  let workspace: Workspace;
  let server: ServerHandle;
  let adminKey = "";

  const env = () => ({
    BUCKET: `s3://${moto.accessKeyId}:${moto.secretAccessKey}@${new URL(moto.endpoint).host}/${BUCKET}`,
    AWS_REGION: moto.region,
    HOST: ORIGIN,
  });
  const overview = async () => {
    const answer = await fetch(`${server.url}/api/v1/system-admin`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(answer.status, 200);
    return (await answer.json()) as { storage: { cors: Record<string, string> | null } };
  };
  const waitForCors = async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { cors } = (await overview()).storage;
      if (cors !== null) return cors;
      if (Date.now() > deadline) throw new Error("the CORS check did not finish within 20 s");
      await sleep(100);
    }
  };

  before(
    async () => {
      moto = await startSqsEmulator();
      s3 = new S3Client({
        endpoint: moto.endpoint,
        region: moto.region,
        forcePathStyle: true,
        credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
      });
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      workspace = await makeWorkspace("bucket-cors");
      server = await startServer({ dataDir: workspace.dataDir, logDir: workspace.logDir, env: env() });
      adminKey = (
        await runCli(
          [
            "admin",
            "create-user",
            "--username",
            "corsadmin",
            "--email",
            "c@example.com",
            "--admin",
            "--data-dir",
            workspace.dataDir,
          ],
          60_000,
          env(),
        )
      ).stdout.trim();
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await server?.stop();
    await workspace?.dispose();
    s3?.destroy();
    await moto?.dispose();
  });

  it("warns with the exact fix when the bucket has no rules, and is quiet once the fix is applied", {
    timeout: 120_000,
  }, async () => {
    const cors = await waitForCors();
    assert.equal(cors.status, "missing");
    assert.match(cors.problem ?? "", /the bucket cors-bucket has no CORS rules/);
    const log = server.output().stderr;
    assert.match(log, /warning: the bucket cors-bucket has no CORS rules/);
    assert.match(log, new RegExp(`<AllowedOrigin>${ORIGIN.replace(/\./g, "\\.")}</AllowedOrigin>`));
    assert.doesNotMatch(log, new RegExp(moto.secretAccessKey), "no secret in the log");

    // Apply exactly what the warning says, then start again.
    const command = /aws s3api put-bucket-cors --bucket cors-bucket --cors-configuration '(.*)'$/m.exec(log);
    assert.ok(command?.[1], log);
    const { CORSRules } = JSON.parse(command[1]) as { CORSRules: CORSRule[] };
    await s3.send(new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules } }));
    await server.stop();
    server = await server.restart();
    assert.deepEqual(await waitForCors(), { status: "ok" });
    assert.doesNotMatch(server.output().stderr, /CORS/);
  });
});
