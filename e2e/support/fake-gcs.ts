/**
 * fake-gcs-server, a Google Cloud Storage emulator built by scripts/setup-fake-gcs.sh into
 * .cache/tools/bin, started per test file on a random free loopback port with a fresh data dir and
 * one bucket; plus a service account of the test's own (a fresh RSA key, written as a key file)
 * for signing URLs. The emulator serves signed-URL paths but does not verify signatures, so
 * `verifySignedUrl` checks them the way GCS does (V4, GOOG4-RSA-SHA256) with the account's public key.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, createVerify, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { stopProcess } from "./processes.ts";
import { REPO_ROOT } from "./server.ts";
import { goToolsBuilt } from "./tools.ts";

export const FAKE_GCS_BIN = join(REPO_ROOT, ".cache", "tools", "bin", "fake-gcs-server");

export interface FakeGcs {
  /** `http://127.0.0.1:<port>`: the JSON API and the signed-URL host. */
  readonly endpoint: string;
  readonly bucket: string;
  /** A service-account key file (GOOGLE_APPLICATION_CREDENTIALS) whose key signs URLs. */
  readonly keyFile: string;
  readonly clientEmail: string;
  readonly publicKey: KeyObject;
  /** GETs an object straight from the emulator's JSON API, behind the store's back. */
  objectBytes(name: string): Promise<Buffer | undefined>;
  /** Every object name under `prefix`. */
  objectNames(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startFakeGcs(options: { bucket?: string } = {}): Promise<FakeGcs> {
  await goToolsBuilt();
  if (!existsSync(FAKE_GCS_BIN)) {
    throw new Error(
      `fake-gcs-server is not installed at ${FAKE_GCS_BIN}; run: bash scripts/setup-fake-gcs.sh`,
    );
  }
  const dataDir = await mkdtemp(join(tmpdir(), "ballast-fake-gcs-"));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const bucket = options.bucket ?? "ballast-test";
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const clientEmail = `ballast-${randomBytes(3).toString("hex")}@ballast-test.iam.gserviceaccount.com`;
  const keyFile = join(dataDir, "service-account.json");
  await writeFile(
    keyFile,
    JSON.stringify({
      type: "service_account",
      project_id: "ballast-test",
      private_key_id: randomBytes(20).toString("hex"),
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: clientEmail,
      client_id: "1",
      token_uri: "https://oauth2.googleapis.com/token",
    }),
    { mode: 0o600 },
  );
  let child: ChildProcess | undefined;
  let output = "";

  const start = async () => {
    output = "";
    const proc = spawn(
      FAKE_GCS_BIN,
      [
        "-scheme",
        "http",
        "-host",
        "127.0.0.1",
        "-port",
        String(port),
        "-public-host",
        `127.0.0.1:${port}`,
        "-external-url",
        endpoint,
        "-backend",
        "filesystem",
        "-filesystem-root",
        join(dataDir, "objects"),
        "-log-level",
        "error",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    proc.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`fake-gcs-server exited (${proc.exitCode}):\n${output}`);
      try {
        if ((await fetch(`${endpoint}/storage/v1/b`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    proc.kill("SIGKILL");
    throw new Error(`fake-gcs-server did not answer within 30 s:\n${output}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopProcess(proc);
  };

  await start();
  const created = await fetch(`${endpoint}/storage/v1/b?project=ballast-test`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: bucket }),
  });
  if (!created.ok) {
    await stop();
    throw new Error(`creating the bucket failed: HTTP ${created.status} ${await created.text()}`);
  }

  const api = `${endpoint}/storage/v1/b/${bucket}/o`;
  return {
    endpoint,
    bucket,
    keyFile,
    clientEmail,
    publicKey,
    async objectBytes(name) {
      const answer = await fetch(
        `${endpoint}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media`,
      );
      if (answer.status === 404) return undefined;
      if (!answer.ok) throw new Error(`GET ${name}: HTTP ${answer.status}`);
      return Buffer.from(await answer.arrayBuffer());
    },
    async objectNames(prefix) {
      const names: string[] = [];
      let token = "";
      do {
        const page = (await (
          await fetch(`${api}?prefix=${encodeURIComponent(prefix)}${token ? `&pageToken=${token}` : ""}`)
        ).json()) as { items?: { name: string }[]; nextPageToken?: string };
        names.push(...(page.items ?? []).map((item) => item.name));
        token = page.nextPageToken ?? "";
      } while (token);
      return names.sort();
    },
    stop,
    start,
    async dispose() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Checks a V4 signed URL as GCS does: rebuilds the canonical request from the method and the URL
 * (host the only signed header, unsigned payload), then verifies the RSA-SHA256 signature over the
 * string to sign with `publicKey`, and that the URL has not expired. Returns why it fails, or "".
 */
export function verifySignedUrl(
  method: string,
  signed: string,
  publicKey: KeyObject,
  now = Date.now(),
): string {
  const url = new URL(signed);
  const params = url.searchParams;
  if (params.get("X-Goog-Algorithm") !== "GOOG4-RSA-SHA256") return "not a GOOG4-RSA-SHA256 URL";
  const signedHeaders = params.get("X-Goog-SignedHeaders") ?? "";
  if (signedHeaders !== "host") return `signed headers ${signedHeaders}, expected host alone`;
  const date = params.get("X-Goog-Date") ?? "";
  const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date);
  if (!stamp) return `bad X-Goog-Date ${date}`;
  const [year, month, day, hour, minute, second] = stamp.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const issued = Date.UTC(year, month - 1, day, hour, minute, second);
  const expires = Number(params.get("X-Goog-Expires"));
  if (!(expires > 0 && expires <= 604_800)) return `bad X-Goog-Expires ${expires}`;
  if (now > issued + expires * 1000) return "expired";
  const scope = (params.get("X-Goog-Credential") ?? "").split("/").slice(1).join("/");
  const strict = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const query = [...params.entries()]
    .filter(([key]) => key !== "X-Goog-Signature")
    .map(([key, value]) => `${strict(key)}=${strict(value)}`)
    .sort()
    .join("&");
  // GCS's host has no port; the Google client signs the hostname alone, so an emulator's port is
  // left out here too.
  const canonical = [
    method,
    url.pathname,
    query,
    `host:${url.hostname}`,
    "",
    "host",
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const toSign = ["GOOG4-RSA-SHA256", date, scope, createHash("sha256").update(canonical).digest("hex")].join(
    "\n",
  );
  const signature = Buffer.from(params.get("X-Goog-Signature") ?? "", "hex");
  const ok = createVerify("RSA-SHA256").update(toSign).verify(publicKey, signature);
  return ok ? "" : "the signature does not verify";
}
