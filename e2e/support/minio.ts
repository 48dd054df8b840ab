/**
 * A real MinIO for the S3 object-store tests: built by scripts/setup-minio.sh into
 * .cache/tools/bin/minio, started per test file on a random free loopback port with a fresh data
 * dir, root credentials, one bucket, and a static KMS key so SSE-KMS requests with a key id work.
 * MinIO verifies SigV4 signatures and presigned-URL expiry like S3 does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort } from "./ports.ts";
import { stopProcess } from "./processes.ts";
import { REPO_ROOT } from "./server.ts";
import { goToolsBuilt } from "./tools.ts";

export const MINIO_BIN = join(REPO_ROOT, ".cache", "tools", "bin", "minio");

export interface Minio {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The id of MinIO's static KMS key, for SSEKMSKeyId / AWS_S3_KMS_ID. */
  readonly kmsKeyId: string;
  /** An admin client on the root credentials, for looking behind the store's back. */
  readonly client: S3Client;
  /** Stops the server (SIGTERM), keeping its data; `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data dir. */
  dispose(): Promise<void>;
}

export interface MinioOptions {
  readonly bucket?: string;
  /**
   * A webhook MinIO sends the bucket's events to (notification target `BALLAST`, ARN
   * `arn:minio:sqs:<region>:BALLAST:webhook`); the caller subscribes the bucket to it.
   */
  readonly webhook?: string;
}

export async function startMinio(options: MinioOptions = {}): Promise<Minio> {
  await goToolsBuilt();
  if (!existsSync(MINIO_BIN)) {
    throw new Error(`MinIO is not installed at ${MINIO_BIN}; run: bash scripts/setup-minio.sh`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), "ballast-minio-"));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const accessKeyId = `ballast${randomBytes(4).toString("hex")}`;
  const secretAccessKey = randomBytes(24).toString("hex");
  const kmsKeyId = "ballast-test-key";
  // Fixed for the server's lifetime: objects encrypted before a restart must still decrypt after it.
  const kmsSecretKey = `${kmsKeyId}:${randomBytes(32).toString("base64")}`;
  const bucket = options.bucket ?? "ballast-test";
  const region = "us-east-1";
  let child: ChildProcess | undefined;
  let output = "";

  const start = async () => {
    output = "";
    const proc = spawn(MINIO_BIN, ["server", "--quiet", "--address", `127.0.0.1:${port}`, dataDir], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dataDir,
        MINIO_ROOT_USER: accessKeyId,
        MINIO_ROOT_PASSWORD: secretAccessKey,
        MINIO_KMS_SECRET_KEY: kmsSecretKey,
        MINIO_REGION: region,
        MINIO_BROWSER: "off",
        MINIO_UPDATE: "off",
        ...(options.webhook
          ? {
              MINIO_NOTIFY_WEBHOOK_ENABLE_BALLAST: "on",
              MINIO_NOTIFY_WEBHOOK_ENDPOINT_BALLAST: options.webhook,
            }
          : {}),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    proc.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`MinIO exited (${proc.exitCode}):\n${output}`);
      try {
        const answer = await fetch(`${endpoint}/minio/health/ready`);
        if (answer.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    proc.kill("SIGKILL");
    throw new Error(`MinIO did not become ready within 30 s:\n${output}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopProcess(proc);
  };

  await start();
  const client = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    region,
    bucket,
    accessKeyId,
    secretAccessKey,
    kmsKeyId,
    client,
    stop,
    start,
    dispose: async () => {
      client.destroy();
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
