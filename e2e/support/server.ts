/**
 * Drives the built Ballast processes for the end-to-end tests: temp workspaces, the CLI, and a
 * server child process that can be stopped, SIGKILLed and restarted on the same port and data dir.
 * Everything runs from the repository sources with this Node (`process.execPath`), like `npm start`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isWellFormedApiKey } from "../../packages/core/src/index.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI_MAIN = join(REPO_ROOT, "apps", "cli", "src", "main.ts");
/** The `ballast` command as installed (package.json "bin"): what users and the images start. */
export const CLI_BIN = join(REPO_ROOT, "apps", "cli", "bin", "ballast.js");

/** A per-test-file scratch area: `data` (the server's data dir), `logs`, and room for clients. */
export interface Workspace {
  root: string;
  dataDir: string;
  logDir: string;
  /** Removes everything unless BALLAST_E2E_KEEP=1 or `keep` is set (then prints where it is). */
  dispose(keep?: boolean): Promise<void>;
}

export async function makeWorkspace(label: string): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), `ballast-e2e-${label}-`));
  const dataDir = join(root, "data");
  const logDir = join(root, "logs");
  await mkdir(dataDir);
  await mkdir(logDir);
  return {
    root,
    dataDir,
    logDir,
    async dispose(keep = false) {
      if (keep || process.env.BALLAST_E2E_KEEP === "1") {
        console.error(`[e2e] kept workspace ${root} (server logs in ${logDir})`);
        return;
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Creates a fresh directory under the workspace (for a client's HOME, WANDB_DIR, downloads...). */
export async function makeDir(workspace: Workspace, name: string): Promise<string> {
  return mkdtemp(join(workspace.root, `${name}-`));
}

/** The environment for Ballast processes: the caller's, minus HOST so the server binds loopback. */
function serverEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.HOST;
  return env;
}

export interface CliResult {
  stdout: string;
  stderr: string;
}

/** Runs `ballast <args>` and resolves with its output; rejects with both streams on failure. */
export function runCli(
  args: string[],
  timeoutMs = 60_000,
  env: Record<string, string> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI_MAIN, ...args],
      { cwd: REPO_ROOT, env: { ...serverEnv(), ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `ballast ${args.join(" ")} failed: ${error.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`,
            ),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** `ballast admin create-user`; returns the new user's API key (the command's only output). */
export async function createUser(
  dataDir: string,
  username: string,
  email: string,
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await runCli(
    ["admin", "create-user", "--username", username, "--email", email, "--data-dir", dataDir],
    60_000,
    env,
  );
  const key = stdout.trim();
  if (!isWellFormedApiKey(key))
    throw new Error(`create-user printed ${JSON.stringify(stdout)}, not an API key`);
  return key;
}

export interface ServerHandle {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** Everything the server wrote to stdout / stderr so far (also in the log files). */
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL (a crash: no shutdown hooks run); resolves when the process has exited. */
  kill9(): Promise<void>;
  /** Starts a new server on the same data dir and port. */
  restart(): Promise<ServerHandle>;
}

export interface StartOptions {
  dataDir: string;
  /** Where `server-<n>.stdout.log` / `.stderr.log` go. */
  logDir: string;
  /** 0 (the default) lets the OS choose. */
  port?: number;
  startTimeoutMs?: number;
  /** Extra environment for the server (its configuration). */
  env?: Record<string, string>;
}

const LISTENING = /Ballast listening on (http:\/\/127\.0\.0\.1:(\d+))/;
let serverCount = 0;

export async function startServer(options: StartOptions): Promise<ServerHandle> {
  const port = options.port ?? 0;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  serverCount += 1;
  const logBase = join(options.logDir, `server-${serverCount}`);
  const child = spawn(
    process.execPath,
    // Through the bin shim, which re-executes in place (same pid) with the server's runtime settings.
    [CLI_BIN, "server", "--port", String(port), "--data-dir", options.dataDir],
    {
      cwd: REPO_ROOT,
      env: { ...serverEnv(), ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stdout = "";
  let stderr = "";
  const stdoutLog = createWriteStream(`${logBase}.stdout.log`);
  const stderrLog = createWriteStream(`${logBase}.stderr.log`);
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout = keepTail(stdout + chunk);
    stdoutLog.write(chunk);
  });
  child.stderr.on("data", (chunk: string) => {
    stderr = keepTail(stderr + chunk);
    stderrLog.write(chunk);
  });
  child.once("exit", () => {
    stdoutLog.end();
    stderrLog.end();
  });

  const describe = () =>
    `server (log ${logBase}.*)\n--- stdout\n${stdout}\n--- stderr\n${stderr.slice(-8000)}`;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`no "Ballast listening on" line within ${timeoutMs} ms from ${describe()}`));
    }, timeoutMs);
    const onData = () => {
      const match = LISTENING.exec(stdout);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        child.off("exit", onExit);
        resolve(match[1]);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening: ${describe()}`));
    };
    child.stdout.on("data", onData);
    child.once("exit", onExit);
  });
  const actualPort = Number(new URL(url).port);
  if (port !== 0 && actualPort !== port) throw new Error(`asked for port ${port}, server listens on ${url}`);
  await waitForHealthy(url, timeoutMs, describe);

  const handle: ServerHandle = {
    url,
    port: actualPort,
    dataDir: options.dataDir,
    process: child,
    output: () => ({ stdout, stderr }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
    restart: () => startServer({ ...options, port: actualPort }),
  };
  return handle;
}

async function waitForHealthy(url: string, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 500)}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(200);
  }
  throw new Error(`GET ${url}/healthz never returned 200 (last: ${last}) from ${describe()}`);
}

/** Bounded log capture: keeps the last 4 MB; the full logs are in the workspace's log files. */
function keepTail(text: string): string {
  const limit = 4 * 1024 * 1024;
  return text.length > limit ? text.slice(text.length - limit) : text;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects after `ms` for racing; the timer is unref'd so it never keeps the test process alive. */
export function rejectAfter(ms: number, message: string): Promise<never> {
  return new Promise((_resolve, reject) => {
    setTimeout(() => reject(new Error(message)), ms).unref();
  });
}
