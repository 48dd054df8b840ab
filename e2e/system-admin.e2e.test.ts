/**
 * `/system-admin`'s file storage settings, end to end: a server started on the local disk is
 * switched to a MinIO bucket (SigV4 and presigned expiry checked) through the API, without a
 * restart. Bad settings are refused with every problem and change nothing; the wandb client's next
 * run goes to the bucket while the files of the run before stay downloadable from the disk; the
 * setting survives a restart; and the environment's BUCKET, when set, cannot be changed here.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type Minio, startMinio } from "./support/minio.ts";
import { killScripts, runScript, setupPython } from "./support/python.ts";
import {
  makeDir,
  makeWorkspace,
  runCli,
  type ServerHandle,
  startServer,
  type Workspace,
} from "./support/server.ts";

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
}

interface Overview {
  storage: {
    kind: string;
    bucket: string;
    region: string;
    queue: string;
    source: { bucket: string; queue: string };
    editable: { bucket: boolean; queue: boolean };
  };
  database: { engine: string };
  queue: { kind: string; jobs: { total: number } };
  users: number;
  version: string;
}

describe("/system-admin file storage", () => {
  let minio: Minio;
  let workspace: Workspace;
  let server: ServerHandle;
  let adminKey = "";
  let userKey = "";

  const call = async (method: string, path: string, key: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const bucketUrl = (secret: string) =>
    `s3://${minio.accessKeyId}:${secret}@${new URL(minio.endpoint).host}/${minio.bucket}/switched`;
  const keysInBucket = async () => {
    const page = await minio.client.send(new ListObjectsV2Command({ Bucket: minio.bucket }));
    return (page.Contents ?? []).map((item) => item.Key ?? "");
  };

  before(
    async () => {
      await setupPython();
      minio = await startMinio();
      workspace = await makeWorkspace("system-admin");
      server = await startServer({ dataDir: workspace.dataDir, logDir: workspace.logDir });
      const create = async (name: string, admin: boolean) =>
        (
          await runCli([
            "admin",
            "create-user",
            "--username",
            name,
            "--email",
            `${name}@example.com`,
            ...(admin ? ["--admin"] : []),
            "--data-dir",
            workspace.dataDir,
          ])
        ).stdout.trim();
      adminKey = await create("sysadmin", true);
      userKey = await create("plainuser", false);
    },
    { timeout: 300_000 },
  );

  after(async () => {
    killScripts();
    await server?.stop();
    await workspace?.dispose();
    await minio?.dispose();
  });

  let before_switch: Logged;

  it("shows the overview to admins only", async () => {
    const { status, body } = await call("GET", "/api/v1/system-admin", adminKey);
    assert.equal(status, 200);
    const overview = body as unknown as Overview;
    assert.equal(overview.storage.kind, "local-disk");
    assert.deepEqual(overview.storage.source, { bucket: "default", queue: "default" });
    assert.deepEqual(overview.storage.editable, { bucket: true, queue: true });
    assert.equal(overview.database.engine, "sqlite");
    assert.equal(overview.queue.kind, "internal");
    assert.ok(overview.users >= 2);
    assert.equal((await call("GET", "/api/v1/system-admin", userKey)).status, 403);
    assert.equal(
      (await call("PUT", "/api/v1/system-admin/storage", userKey, { bucket: bucketUrl("x") })).status,
      403,
    );
  });

  it("refuses settings it cannot reach, naming each problem and never the secret", {
    timeout: 60_000,
  }, async () => {
    const wrong = "wrong-secret-0123456789";
    const refused = await call("PUT", "/api/v1/system-admin/storage", adminKey, {
      bucket: bucketUrl(wrong),
      region: minio.region,
    });
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /The bucket cannot be reached with these settings/);
    assert.doesNotMatch(JSON.stringify(refused.body), new RegExp(wrong));
    const malformed = await call("PUT", "/api/v1/system-admin/storage", adminKey, {
      bucket: "cw://elsewhere",
      queue: "kafka://x",
    });
    assert.equal(malformed.status, 400);
    assert.match(JSON.stringify(malformed.body), /not supported[\s\S]*notification subscription/);
    const { body } = await call("GET", "/api/v1/system-admin", adminKey);
    assert.equal((body as unknown as Overview).storage.kind, "local-disk", "nothing changed");
  });

  it("switches to the bucket without a restart; earlier files stay readable", {
    timeout: 300_000,
  }, async () => {
    const client = async (name: string) => ({
      baseUrl: server.url,
      apiKey: adminKey,
      dir: await makeDir(workspace, name),
    });
    before_switch = (
      await runScript<Logged>(
        "log_run.py",
        ["--project", "sysadmin", "--steps", "5", "--big-mb", "1"],
        await client("before"),
      )
    ).result;
    assert.deepEqual(await keysInBucket(), []);

    const switched = await call("PUT", "/api/v1/system-admin/storage", adminKey, {
      bucket: bucketUrl(minio.secretAccessKey),
      region: minio.region,
      kmsKeyId: minio.kmsKeyId,
      queue: "internal://",
    });
    assert.equal(switched.status, 200, JSON.stringify(switched.body));
    const overview = switched.body as unknown as Overview;
    assert.equal(overview.storage.kind, "s3");
    assert.equal(overview.storage.source.bucket, "settings");
    assert.ok(overview.storage.bucket.includes(":***@"), overview.storage.bucket);
    assert.ok(!overview.storage.bucket.includes(minio.secretAccessKey));
    assert.deepEqual(
      (await keysInBucket()).filter((key) => key.includes("ballast-check")),
      [],
      "the probe object is gone",
    );

    const after_switch = (
      await runScript<Logged>(
        "log_run.py",
        ["--project", "sysadmin", "--steps", "5", "--big-mb", "1"],
        await client("after"),
      )
    ).result;
    const keys = await keysInBucket();
    assert.ok(
      keys.some((key) => key.startsWith("switched/") && key.endsWith("/files/big.bin")),
      `the new run's files are in the bucket: ${keys.join(", ")}`,
    );

    for (const logged of [before_switch, after_switch]) {
      const { result } = await runScript<Record<string, { size: number; downloaded: Hashes }>>(
        "run_files.py",
        ["--path", `${logged.entity}/${logged.project}/${logged.run_id}`],
        await client(`files-${logged.run_id}`),
      );
      for (const [name, hashes] of Object.entries(logged.files)) {
        assert.deepEqual(result[name]?.downloaded, hashes, `${logged.run_id} ${name}`);
      }
    }
  });

  it("keeps the setting across a restart, and the environment's BUCKET wins over it", {
    timeout: 120_000,
  }, async () => {
    await server.stop();
    server = await server.restart();
    const { body } = await call("GET", "/api/v1/system-admin", adminKey);
    assert.equal((body as unknown as Overview).storage.kind, "s3");
    await server.stop();

    server = await startServer({
      dataDir: workspace.dataDir,
      logDir: workspace.logDir,
      env: { BUCKET: bucketUrl(minio.secretAccessKey), AWS_REGION: minio.region },
    });
    const owned = await call("GET", "/api/v1/system-admin", adminKey);
    const overview = owned.body as unknown as Overview;
    assert.equal(overview.storage.source.bucket, "environment");
    assert.equal(overview.storage.editable.bucket, false);
    assert.ok(!JSON.stringify(owned.body).includes(minio.secretAccessKey));
    const refused = await call("PUT", "/api/v1/system-admin/storage", adminKey, { bucket: "" });
    assert.equal(refused.status, 409);
    assert.match(JSON.stringify(refused.body), /environment/);
  });
});
