import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseBucket, parseMysql, parseQueue, redactUrl } from "./backend-config.ts";
import { ConfigError, loadConfig } from "./config.ts";

const AWS = { AWS_REGION: "eu-west-1" };

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
    const withKeys = parseBucket("s3://AKIAEXAMPLE:wJal/rXUt+nFEMI@my-bucket", AWS).value;
    assert.deepEqual(withKeys?.credentials, {
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: "wJal/rXUt+nFEMI",
    });
    assert.equal(withKeys?.bucket, "my-bucket");
    assert.equal(withKeys?.prefix, "");
  });

  it("reads an S3-compatible endpoint: host:port, then the bucket, tls choosing https", () => {
    const minio = parseBucket("s3://minio:minio123@minio.local:9000/wandb/data?tls=true", {}).value;
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
    assert.match(parseBucket("gs://bucket", {}).problems?.join() ?? "", /not supported yet/);
    assert.match(parseBucket("ftp://bucket", {}).problems?.join() ?? "", /s3:\/\//);
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
    assert.equal(config.bucket?.bucket, "b-b-b");
    assert.deepEqual(config.queue, { kind: "internal" });
    assert.equal(config.mysql, undefined);
  });

  it("redacts secrets in URLs", () => {
    assert.equal(redactUrl("mysql://user:pa:ss@host/db"), "mysql://user:***@host/db");
    assert.equal(redactUrl("s3://bucket"), "s3://bucket");
  });
});
