/**
 * BUCKET_QUEUE=sqs://…: uploads the client never reports are recorded from the bucket's
 * object-created notifications. MinIO (objects, SigV4 and expiry checked) sends its S3-format events
 * through a relay to moto's SQS (signatures checked); the server consumes them. No polling jobs exist
 * in this mode, so a recorded file proves the notification path. A message that is not an S3 event
 * goes to the dead letters with a log line, and the queue keeps flowing.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { PutBucketNotificationConfigurationCommand } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { startMinio } from "./support/minio.ts";
import {
  createUser,
  makeWorkspace,
  type ServerHandle,
  startServer,
  type Workspace,
} from "./support/server.ts";
import { type EventRelay, relayBucketEvents, type SqsEmulator, startSqsEmulator } from "./support/sqs.ts";
import { openStore } from "./support/store.ts";

describe("object-created notifications through SQS", () => {
  let sqs: SqsEmulator;
  let relay: EventRelay;
  let minio: Awaited<ReturnType<typeof startMinio>>;
  let workspace: Workspace;
  let server: ServerHandle;
  let queueUrl = "";
  let auth = "";

  before(
    async () => {
      sqs = await startSqsEmulator();
      relay = await relayBucketEvents(sqs, () => queueUrl);
      queueUrl = await sqs.createQueue("ballast-object-events");
      minio = await startMinio({ webhook: relay.url });
      await minio.client.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: minio.bucket,
          NotificationConfiguration: {
            QueueConfigurations: [
              { QueueArn: `arn:minio:sqs:${minio.region}:BALLAST:webhook`, Events: ["s3:ObjectCreated:*"] },
            ],
          },
        }),
      );
      workspace = await makeWorkspace("sqs");
      const env = {
        BUCKET: `s3://${minio.accessKeyId}:${minio.secretAccessKey}@${new URL(minio.endpoint).host}/${minio.bucket}/b`,
        BUCKET_QUEUE: `sqs://${queueUrl}`,
        AWS_REGION: sqs.region,
        // The SQS client's credentials come from the SDK's default chain (IRSA on EKS; here, env).
        AWS_ACCESS_KEY_ID: sqs.accessKeyId,
        AWS_SECRET_ACCESS_KEY: sqs.secretAccessKey,
        BALLAST_QUEUE_WAIT_SECONDS: "1",
      };
      server = await startServer({ dataDir: workspace.dataDir, logDir: workspace.logDir, env });
      const key = await createUser(workspace.dataDir, "notified", "notified@example.com", env);
      auth = `Basic ${Buffer.from(`api:${key}`).toString("base64")}`;
    },
    { timeout: 120_000 },
  );

  after(async () => {
    await server?.stop();
    await workspace?.dispose();
    await minio?.dispose();
    await relay?.close();
    await sqs?.dispose();
  });

  async function gql(query: string, variables: Record<string, unknown> = {}) {
    const answer = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await answer.json()) as { data?: Record<string, unknown>; errors?: unknown };
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data ?? {};
  }

  async function listedFiles(run: string): Promise<Record<string, { size: number; md5: string }>> {
    const answer = await fetch(`${server.url}/api/v1/runs/notified/sqs/${run}/files`, {
      headers: { authorization: auth },
    });
    const page = (await answer.json()) as { files?: { name: string; size: number; md5: string }[] };
    return Object.fromEntries((page.files ?? []).map((f) => [f.name, f]));
  }

  it("reports the queue in /readyz", async () => {
    const answer = await fetch(`${server.url}/readyz`);
    const body = (await answer.json()) as { checks: Record<string, { ok: boolean }> };
    assert.equal(answer.status, 200, JSON.stringify(body));
    assert.equal(body.checks.queue?.ok, true);
  });

  it("records an unreported upload from its notification, and dead-letters a poison message", {
    timeout: 60_000,
  }, async () => {
    await gql(`mutation { upsertBucket(input: {name: "r1", modelName: "sqs"}) { bucket { id } } }`);
    const poison = `not an S3 event ${randomBytes(4).toString("hex")}`;
    await sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: poison }));

    const data = await gql(
      `mutation($f: [String!]!) { createRunFiles(input: {entityName: "notified", projectName: "sqs", runName: "r1", files: $f}) {
        files { name uploadUrl } uploadHeaders } }`,
      { f: ["model dir/weights.bin"] },
    );
    const upload = data.createRunFiles as { files: { uploadUrl: string }[]; uploadHeaders: string[] };
    const bytes = randomBytes(123_456);
    const headers = Object.fromEntries(
      upload.uploadHeaders.map((h) => [h.slice(0, h.indexOf(":")), h.slice(h.indexOf(":") + 1)]),
    );
    const put = await fetch(upload.files[0]?.uploadUrl ?? "", { method: "PUT", body: bytes, headers });
    assert.equal(put.status, 200, await put.text());

    const deadline = Date.now() + 30_000;
    let files: Record<string, { size: number; md5: string }> = {};
    while (Date.now() < deadline) {
      files = await listedFiles("r1");
      if (files["model dir/weights.bin"]) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const file = files["model dir/weights.bin"];
    assert.ok(file, `recorded from the notification within 30 s (relayed ${relay.relayed()})`);
    assert.equal(file.size, bytes.length);
    assert.equal(file.md5, createHash("md5").update(bytes).digest("base64"));
    assert.ok(relay.relayed() >= 1);

    const db = await openStore(workspace.dataDir);
    try {
      const letters = await db.all("SELECT source, body, error FROM dead_letters");
      assert.deepEqual(
        letters.map((l) => [l.source, l.body]),
        [["sqs", poison]],
      );
      assert.equal((await db.all("SELECT id FROM jobs")).length, 0, "no polling jobs in SQS mode");
    } finally {
      await db.close();
    }
    assert.match(server.output().stderr, /dead-lettered a message: the message is not JSON/);
  });
});
