/**
 * A real Redis (Debian's redis-server, installed by scripts/setup-services.sh) for the cache tests:
 * a private server per test file on a free loopback port, nothing persisted (`--save ""
 * --appendonly no`, as a cache needs), a password (`--requirepass`), and optionally TLS with a CA
 * made for the occasion. `stop`/`start` take it away and bring it back empty on the same port (a
 * restart or failover of a cache node); `freeze`/`thaw` (SIGSTOP/SIGCONT) make it hang with its
 * connections open, the case only a timeout catches.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.ts";
import { stopProcess } from "./processes.ts";

const REDIS_SERVER = "/usr/bin/redis-server";
const run = promisify(execFile);

export interface Redis {
  /** `redis://:<password>@127.0.0.1:<port>` (with TLS: `…?tls=true&caCertPath=<ca.pem>`), the value of REDIS. */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  /** With `tls`: the CA's PEM file. */
  readonly caCertPath: string | undefined;
  /** Runs a command with redis-cli (for looking behind the cache's back); resolves with its output. */
  cli(...args: string[]): Promise<string>;
  /** SIGTERM: a clean stop. Nothing was persisted, so `start` brings it back empty. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: the process hangs with its connections open. */
  freeze(): void;
  thaw(): void;
  dispose(): Promise<void>;
}

/** `port` and `password`: given ones, to bring up a Redis a client already waits for; default new ones. */
export async function startRedis(
  options: { tls?: boolean; port?: number; password?: string } = {},
): Promise<Redis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`Redis is not installed at ${REDIS_SERVER}; run: bash scripts/setup-services.sh`);
  }
  const root = await mkdtemp(join(tmpdir(), "ballast-redis-"));
  const port = options.port ?? (await freePort());
  const password = options.password ?? randomBytes(18).toString("base64url");
  const tls = options.tls === true ? await makeCertificates(root) : undefined;
  let child: ChildProcess | undefined;
  let output = "";

  const args = [
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--requirepass",
    password,
    "--dir",
    root,
    ...(tls
      ? [
          "--port",
          "0",
          "--tls-port",
          String(port),
          "--tls-cert-file",
          tls.cert,
          "--tls-key-file",
          tls.key,
          "--tls-ca-cert-file",
          tls.ca,
          "--tls-auth-clients",
          "no",
        ]
      : ["--port", String(port)]),
  ];

  const start = async () => {
    output = "";
    const proc = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    proc.stdout?.on("data", collect);
    proc.stderr?.on("data", collect);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode}):\n${output}`);
      if (output.includes("Ready to accept connections")) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    proc.kill("SIGKILL");
    throw new Error(`redis-server was not ready within 20 s:\n${output}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopProcess(proc);
  };

  await start();
  const query = tls ? `?tls=true&caCertPath=${encodeURIComponent(tls.ca)}` : "";
  return {
    url: `redis://:${password}@127.0.0.1:${port}${query}`,
    port,
    password,
    caCertPath: tls?.ca,
    async cli(...command: string[]) {
      const { stdout } = await run("redis-cli", [
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        "--no-auth-warning",
        "-a",
        password,
        ...(tls ? ["--tls", "--cacert", tls.ca] : []),
        ...command,
      ]);
      return stdout;
    },
    stop,
    start,
    freeze: () => child?.kill("SIGSTOP"),
    thaw: () => child?.kill("SIGCONT"),
    dispose: async () => {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A throwaway CA and a server certificate for 127.0.0.1 and localhost, signed by it (slapd.ts uses it too). */
export async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = join(dir, "ca.pem");
  const caKey = join(dir, "ca.key");
  const cert = join(dir, "server.pem");
  const key = join(dir, "server.key");
  const csr = join(dir, "server.csr");
  const ext = join(dir, "server.ext");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=Ballast test CA",
    "-keyout",
    caKey,
    "-out",
    ca,
  ]);
  await run("openssl", [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    key,
    "-out",
    csr,
  ]);
  await writeFile(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    ext,
    "-out",
    cert,
  ]);
  return { ca, cert, key };
}
