/**
 * `/system-admin` with two replicas on one MariaDB: a file storage change made through one replica
 * reaches the other within BALLAST_SETTINGS_REFRESH_SECONDS, without a restart, and the wandb
 * client's files sent through the other replica then land in the bucket.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type MariaDb, startMariaDb } from "./support/mariadb.ts";
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

interface Overview {
  storage: { kind: string; source: { bucket: string } };
}

describe("/system-admin across replicas", () => {
  let mariadb: MariaDb;
  let minio: Minio;
  let workspace: Workspace;
  const replicas: ServerHandle[] = [];
  let adminKey = "";

  const overviewOf = async (server: ServerHandle): Promise<Overview> => {
    const response = await fetch(`${server.url}/api/v1/system-admin`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(response.status, 200);
    return (await response.json()) as Overview;
  };

  before(
    async () => {
      await setupPython();
      [mariadb, minio] = await Promise.all([startMariaDb(), startMinio()]);
      workspace = await makeWorkspace("system-admin-replicas");
      const env = {
        MYSQL: await mariadb.createDatabase("replicas"),
        BALLAST_SETTINGS_REFRESH_SECONDS: "1",
      };
      for (const name of ["a", "b"]) {
        replicas.push(
          await startServer({ dataDir: await makeDir(workspace, name), logDir: workspace.logDir, env }),
        );
      }
      const created = await runCli(
        [
          "admin",
          "create-user",
          "--username",
          "replicaadmin",
          "--email",
          "replicaadmin@example.com",
          "--admin",
          "--data-dir",
          replicas[0]?.dataDir ?? "",
        ],
        60_000,
        env,
      );
      adminKey = created.stdout.trim();
    },
    { timeout: 300_000 },
  );

  after(async () => {
    killScripts();
    for (const replica of replicas) await replica.stop();
    await workspace?.dispose();
    await minio?.dispose();
    await mariadb?.dispose();
  });

  it("applies a change made through one replica on the other without a restart", {
    timeout: 180_000,
  }, async () => {
    const [a, b] = replicas as [ServerHandle, ServerHandle];
    assert.equal((await overviewOf(b)).storage.kind, "local-disk");
    const changed = await fetch(`${a.url}/api/v1/system-admin/storage`, {
      method: "PUT",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        bucket: `s3://${minio.accessKeyId}:${minio.secretAccessKey}@${new URL(minio.endpoint).host}/${minio.bucket}/replicas`,
        region: minio.region,
        kmsKeyId: "",
        queue: "internal://",
      }),
    });
    assert.equal(changed.status, 200, await changed.text());

    const deadline = Date.now() + 15_000;
    while ((await overviewOf(b)).storage.kind !== "s3") {
      assert.ok(Date.now() < deadline, "replica b did not apply the change within 15 s");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal((await overviewOf(b)).storage.source.bucket, "settings");
    assert.match(
      b.output().stderr + b.output().stdout,
      /applied the file storage set on another replica: s3:\/\/[^:]+:\*\*\*@/,
    );
    assert.ok(!(b.output().stderr + b.output().stdout).includes(minio.secretAccessKey));

    await runScript("log_run.py", ["--project", "replicas", "--steps", "3", "--big-mb", "1"], {
      baseUrl: b.url,
      apiKey: adminKey,
      dir: await makeDir(workspace, "client-b"),
    });
    const listed = await minio.client.send(
      new ListObjectsV2Command({ Bucket: minio.bucket, Prefix: "replicas/" }),
    );
    const keys = (listed.Contents ?? []).map((item) => item.Key ?? "");
    assert.ok(
      keys.some((key) => key.endsWith("/files/big.bin")),
      `the run's files sent through replica b are in the bucket: ${keys.join(", ")}`,
    );
  });
});
