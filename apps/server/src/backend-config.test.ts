import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type BucketSettings,
  parseBucket,
  parseMysql,
  parseQueue,
  redactUrl,
  type S3BucketSettings,
} from "./backend-config.ts";
import { ConfigError, loadConfig } from "./config.ts";

const AWS = { AWS_REGION: "eu-west-1" };

/** The settings of an s3:// bucket (undefined for another provider). */
function s3(settings: BucketSettings | undefined): S3BucketSettings | undefined {
  return settings?.provider === "s3" ? settings : undefined;
}

describe("MYSQL", () => {
  it("reads W&B's rendering, with the password URL-decoded and tls=preferred by default", () => {
    const parsed = parseMysql("mysql://wandb:p%40ss%2Fw0rd@db.internal:3307/wandb_local?tls=preferred", {});
    assert.deepEqual(parsed.value, {
      host: "db.internal",
      port: 3307,
      user: "wandb",
      password: "p@ss/w0rd",
      database: "wandb_local",
      tls: "preferred",
      caCertPath: undefined,
      poolSize: 20,
    });
    assert.equal(parseMysql("mysql://u:p@h/db", {}).value?.port, 3306);
    assert.equal(
      parseMysql("mysql://u:p@h/db", { MYSQL_CA_CERT_PATH: "/etc/ssl/certs/mysql_ca.pem" }).value?.caCertPath,
      "/etc/ssl/certs/mysql_ca.pem",
    );
  });

  it("takes MYSQL_PASSWORD literally when the URL carries no password (Ballast's chart)", () => {
    const env = { MYSQL_PASSWORD: "p@ss/w:0rd#%zz" };
    assert.equal(
      parseMysql("mysql://wandb@db:3306/wandb_local?tls=preferred", env).value?.password,
      "p@ss/w:0rd#%zz",
    );
    assert.equal(parseMysql("mysql://wandb:inurl@db:3306/wandb_local", env).value?.password, "inurl");
    assert.equal(parseMysql("mysql://wandb@db:3306/wandb_local", {}).value?.password, "");
  });

  it("lists each problem and never shows the password", () => {
    const parsed = parseMysql("mysql://u:hunter2secret@h/?tls=maybe&parseTime=true", {
      BALLAST_MYSQL_POOL_SIZE: "0",
    });
    assert.ok(parsed.problems);
    const text = parsed.problems.join("\n");
    assert.equal(parsed.problems.length, 4, text);
    assert.match(text, /one database/);
    assert.match(text, /tls parameter/);
    assert.match(text, /parseTime/);
    assert.match(text, /BALLAST_MYSQL_POOL_SIZE/);
    assert.doesNotMatch(text, /hunter2secret/);
    assert.doesNotMatch(
      parseMysql("postgres://u:hunter2secret@h/db", {}).problems?.join() ?? "",
      /hunter2secret/,
    );
  });
});

describe("BUCKET", () => {
  it("reads an AWS bucket with a path, from the role or with keys holding / and +", () => {
    assert.deepEqual(
      parseBucket("s3://my-bucket/team/ballast/", { ...AWS, AWS_S3_KMS_ID: "arn:aws:kms:k" }).value,
      {
        provider: "s3",
        bucket: "my-bucket",
        prefix: "team/ballast",
        region: "eu-west-1",
        endpoint: undefined,
        credentials: undefined,
        kmsKeyId: "arn:aws:kms:k",
      },
    );
    const withKeys = s3(parseBucket("s3://AKIAEXAMPLE:wJal/rXUt+nFEMI@my-bucket", AWS).value);
    assert.deepEqual(withKeys?.credentials, {
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: "wJal/rXUt+nFEMI",
    });
    assert.equal(withKeys?.bucket, "my-bucket");
    assert.equal(withKeys?.prefix, "");
  });

  it("reads an S3-compatible endpoint: host:port, then the bucket, tls choosing https", () => {
    const minio = s3(parseBucket("s3://minio:minio123@minio.local:9000/wandb/data?tls=true", {}).value);
    assert.equal(minio?.endpoint, "https://minio.local:9000");
    assert.equal(minio?.bucket, "wandb");
    assert.equal(minio?.prefix, "data");
    assert.equal(minio?.region, "us-east-1");
    assert.equal(parseBucket("s3://k:s@127.0.0.1:9000/b-1", {}).value?.endpoint, "http://127.0.0.1:9000");
  });

  it("refuses what it cannot serve, saying what to write instead, without the secret", () => {
    const missingRegion = parseBucket("s3://k:topsecret@Bad_Name", {}).problems?.join("\n") ?? "";
    assert.match(missingRegion, /bucket name/);
    assert.match(missingRegion, /AWS_REGION/);
    assert.doesNotMatch(missingRegion, /topsecret/);
    assert.match(parseBucket("cw://bucket", {}).problems?.join() ?? "", /S3-compatible: write s3:\/\//);
    assert.match(parseBucket("ftp://bucket", {}).problems?.join() ?? "", /s3:\/\//);
  });
});

describe("BUCKET=az://", () => {
  const KEY = Buffer.alloc(64, 7).toString("base64");

  it("reads an Azure account, container and path, with the key from AZURE_STORAGE_KEY", () => {
    assert.deepEqual(parseBucket("az://mystorage/ballast/team/runs/", { AZURE_STORAGE_KEY: KEY }).value, {
      provider: "az",
      account: "mystorage",
      container: "ballast",
      prefix: "team/runs",
      endpoint: "https://mystorage.blob.core.windows.net",
      accountKey: KEY,
    });
  });

  it("reads an emulator's host:port before the account, tls choosing https", () => {
    const local = parseBucket("az://127.0.0.1:10000/devstoreaccount1/c-1", { AZURE_STORAGE_KEY: KEY }).value;
    assert.equal(local?.provider === "az" && local.endpoint, "http://127.0.0.1:10000/devstoreaccount1");
    const stack = parseBucket("az://azs.local:443/acct/cont?tls=true", { AZURE_STORAGE_KEY: KEY }).value;
    assert.equal(stack?.provider === "az" && stack.endpoint, "https://azs.local:443/acct");
  });

  it("lists every problem with its fix, never echoing the key", () => {
    const problems = parseBucket("az://Bad_Account/x?sas=1", { AWS_S3_KMS_ID: "k" }).problems ?? [];
    assert.equal(problems.length, 5, problems.join("\n"));
    assert.match(problems.join("\n"), /storage account must be/);
    assert.match(problems.join("\n"), /container must be/);
    assert.match(problems.join("\n"), /AZURE_STORAGE_KEY, the storage account's access key/);
    assert.match(problems.join("\n"), /AWS_S3_KMS_ID applies to an S3 bucket/);
    assert.match(problems.join("\n"), /parameters Ballast does not use: sas/);
    const badKey = parseBucket("az://acct/cont", { AZURE_STORAGE_KEY: "not base64!" }).problems?.join() ?? "";
    assert.match(badKey, /is not a storage account key/);
    assert.doesNotMatch(badKey, /not base64!/);
    assert.match(
      parseBucket("az://k:s@acct/cont", { AZURE_STORAGE_KEY: KEY }).problems?.join() ?? "",
      /no credentials in the URL/,
    );
  });

  it("refuses an sqs:// queue with an Azure container in loadConfig", () => {
    assert.throws(
      () =>
        loadConfig({
          env: { BUCKET: "az://acct/cont", AZURE_STORAGE_KEY: KEY, BUCKET_QUEUE: "sqs://q", AWS_REGION: "x" },
        }),
      /or an Azure container leave BUCKET_QUEUE unset/,
    );
    const config = loadConfig({ env: { BUCKET: "az://acct/cont", AZURE_STORAGE_KEY: KEY } });
    assert.equal(config.bucket?.provider, "az");
    assert.equal(config.azureStorageKey, KEY);
  });
});

describe("BUCKET=gs://", () => {
  it("reads a GCS bucket and path, or an emulator's host:port before the bucket", () => {
    assert.deepEqual(parseBucket("gs://my_bucket.v2/team/runs/", {}).value, {
      provider: "gs",
      bucket: "my_bucket.v2",
      prefix: "team/runs",
      endpoint: undefined,
    });
    assert.deepEqual(parseBucket("gs://127.0.0.1:4443/b-1?tls=false", {}).value, {
      provider: "gs",
      bucket: "b-1",
      prefix: "",
      endpoint: "http://127.0.0.1:4443",
    });
  });

  it("lists every problem with its fix", () => {
    const problems = parseBucket("gs://key:secret@Bad/x?region=eu", { AWS_S3_KMS_ID: "k" }).problems ?? [];
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.match(problems.join("\n"), /Application Default Credentials/);
    assert.match(problems.join("\n"), /bucket name must be/);
    assert.match(problems.join("\n"), /Cloud KMS key is set on the bucket/);
    assert.match(problems.join("\n"), /parameters Ballast does not use: region/);
    assert.doesNotMatch(problems.join("\n"), /secret/);
    const atInSecret = parseBucket("gs://k:se@cret@bucket!", {}).problems?.join() ?? "";
    assert.doesNotMatch(atInSecret, /cret/);
  });
});

describe("BUCKET_QUEUE", () => {
  it("reads internal, a queue name and a queue URL", () => {
    assert.deepEqual(parseQueue("internal://", {}).value, { kind: "internal" });
    assert.deepEqual(parseQueue("sqs://ballast-events", AWS).value, {
      kind: "sqs",
      queue: "ballast-events",
      region: "eu-west-1",
      endpoint: undefined,
      waitSeconds: 20,
    });
    assert.deepEqual(parseQueue("sqs://https://sqs.us-west-2.amazonaws.com/123456789012/q", {}).value, {
      kind: "sqs",
      queue: "https://sqs.us-west-2.amazonaws.com/123456789012/q",
      region: "us-west-2",
      endpoint: undefined,
      waitSeconds: 20,
    });
    const emulator = parseQueue("sqs://http://127.0.0.1:4566/000000000000/q", {}).value;
    assert.equal(emulator?.kind === "sqs" && emulator.endpoint, "http://127.0.0.1:4566");
    assert.match(parseQueue("sqs://name", {}).problems?.join() ?? "", /AWS_REGION/);
    assert.match(parseQueue("kafka://x", {}).problems?.join() ?? "", /internal:\/\/ or sqs/);
  });
});

describe("loadConfig with backends", () => {
  it("collects every backend problem with the others", () => {
    assert.throws(
      () =>
        loadConfig({
          env: { MYSQL: "mysql://u:pw@h/", BUCKET_QUEUE: "sqs://q", AWS_S3_KMS_ID: "k", PORT: "x" },
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 5, error.message);
        return true;
      },
    );
    const config = loadConfig({ env: { BUCKET: "s3://b-b-b", AWS_REGION: "us-east-1" } });
    assert.equal(s3(config.bucket)?.bucket, "b-b-b");
    assert.deepEqual(config.queue, { kind: "internal" });
    assert.equal(config.mysql, undefined);
  });

  it("redacts secrets in URLs", () => {
    assert.equal(redactUrl("mysql://user:pa:ss@host/db"), "mysql://user:***@host/db");
    assert.equal(redactUrl("s3://bucket"), "s3://bucket");
  });
});
