/**
 * A real SQS (and S3) emulator for the bucket-notification tests: moto's server (PyPI, installed into the
 * e2e virtualenv by scripts/setup-python.sh), started per test file on a free loopback port. With
 * INITIAL_NO_AUTH_ACTION_COUNT it authenticates every request after the first few: the setup below
 * uses those to create an IAM user, its access key and a policy allowing SQS; from then on each
 * request's SigV4 signature is checked against that key (a wrong secret is refused with 403).
 *
 * `relayBucketEvents` stands in for the S3 → SQS delivery AWS performs itself: MinIO posts each
 * bucket event (S3's event format) to a webhook, and the relay sends the body to the queue as is.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { CreateQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { freePort } from "./ports.ts";
import { REPO_ROOT } from "./server.ts";

const MOTO = join(REPO_ROOT, ".cache", "venv", "bin", "moto_server");

export interface SqsEmulator {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** An SQS client on the emulator's IAM key. */
  readonly client: SQSClient;
  createQueue(name: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function startSqsEmulator(): Promise<SqsEmulator> {
  if (!existsSync(MOTO))
    throw new Error(`moto is not installed at ${MOTO}; run: bash scripts/setup-python.sh`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const region = "us-east-1";
  let output = "";
  const child: ChildProcess = spawn(MOTO, ["-H", "127.0.0.1", "-p", String(port)], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", INITIAL_NO_AUTH_ACTION_COUNT: "3" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-10_000);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-10_000);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited (${child.exitCode}):\n${output}`);
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`moto did not start within 30 s:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  // The unauthenticated setup actions (IAM's query API; the signature is not checked yet).
  const iam = async (params: Record<string, string>) => {
    const answer = await fetch(`${endpoint}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=setup/20260101/${region}/iam/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({ Version: "2010-05-08", ...params }),
    });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`moto IAM ${params.Action}: ${answer.status} ${text}`);
    return text;
  };
  await iam({ Action: "CreateUser", UserName: "ballast" });
  const key = await iam({ Action: "CreateAccessKey", UserName: "ballast" });
  await iam({
    Action: "PutUserPolicy",
    UserName: "ballast",
    PolicyName: "sqs",
    PolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      // S3 too: moto's S3 (which, unlike MinIO, has the bucket CORS API) serves bucket-cors.e2e.
      Statement: [{ Effect: "Allow", Action: ["sqs:*", "s3:*"], Resource: "*" }],
    }),
  });
  const accessKeyId = /<AccessKeyId>([^<]+)</.exec(key)?.[1] ?? "";
  const secretAccessKey = /<SecretAccessKey>([^<]+)</.exec(key)?.[1] ?? "";
  const client = new SQSClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey } });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    client,
    async createQueue(name) {
      const answer = await client.send(new CreateQueueCommand({ QueueName: name }));
      return answer.QueueUrl ?? "";
    },
    async dispose() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

export interface EventRelay {
  /** The webhook URL to give MinIO. */
  readonly url: string;
  /** Events relayed so far. */
  relayed(): number;
  /** Stop relaying (events MinIO sends meanwhile are answered 503, and MinIO retries them). */
  pause(paused: boolean): void;
  close(): Promise<void>;
}

/** An HTTP endpoint that sends each posted body to `queueUrl` (see the header). */
export async function relayBucketEvents(sqs: SqsEmulator, queueUrl: () => string): Promise<EventRelay> {
  let count = 0;
  let paused = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      // MinIO checks the target with an empty request at start; only events go to the queue.
      if (paused || !queueUrl()) {
        res.writeHead(paused ? 503 : 200).end();
        return;
      }
      if (body.trim() === "" || !body.includes('"Records"')) {
        res.writeHead(200).end();
        return;
      }
      sqs.client
        .send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: body }))
        .then(() => {
          count += 1;
          res.writeHead(200).end();
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}/events`,
    relayed: () => count,
    pause: (value) => {
      paused = value;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
