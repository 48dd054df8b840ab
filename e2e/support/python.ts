/**
 * Runs the real `wandb` client: the scripts in e2e/python with the virtualenv that
 * scripts/setup-python.sh builds (.cache/venv). Every run gets its own HOME and W&B directories,
 * so the machine's ~/.netrc and ~/.config/wandb are never read or written.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "./server.ts";

export const VENV_PYTHON = join(REPO_ROOT, ".cache", "venv", "bin", "python");
export const PYTHON_DIR = join(REPO_ROOT, "e2e", "python");
/** The venv's `wandb` command-line entry point (`wandb login`, `wandb sync`, ...). */
export const VENV_WANDB = join(REPO_ROOT, ".cache", "venv", "bin", "wandb");

/** Builds or checks the virtualenv (fast when it is up to date). */
export function setupPython(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [join(REPO_ROOT, "scripts", "setup-python.sh")],
      { cwd: REPO_ROOT, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`scripts/setup-python.sh failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolve();
      },
    );
  });
}

export interface WandbClientEnv {
  baseUrl: string;
  apiKey: string;
  /** A fresh directory: the client's HOME, WANDB_DIR, caches and working directory live under it. */
  dir: string;
  extra?: Record<string, string>;
  /**
   * Leave WANDB_BASE_URL and WANDB_API_KEY unset (`baseUrl` and `apiKey` are then ignored), so the
   * client has only what `wandb login` stored under this `dir`: the ~/.netrc entry and the
   * `base_url` in the settings file of WANDB_CONFIG_DIR.
   */
  storedLogin?: boolean;
}

/** The client's environment. The parent's WANDB_* variables are dropped so nothing leaks in. */
export async function wandbEnv(client: WandbClientEnv): Promise<NodeJS.ProcessEnv> {
  const dirs = {
    HOME: join(client.dir, "home"),
    WANDB_DIR: join(client.dir, "wandb-dir"),
    WANDB_CACHE_DIR: join(client.dir, "cache"),
    WANDB_DATA_DIR: join(client.dir, "data"),
    WANDB_CONFIG_DIR: join(client.dir, "config"),
    WANDB_ARTIFACT_DIR: join(client.dir, "artifacts"),
    XDG_CACHE_HOME: join(client.dir, "xdg-cache"),
    XDG_CONFIG_HOME: join(client.dir, "xdg-config"),
    TMPDIR: join(client.dir, "tmp"),
  };
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("WANDB_") && !name.startsWith("XDG_")) env[name] = value;
  }
  const auth: NodeJS.ProcessEnv =
    client.storedLogin === true ? {} : { WANDB_BASE_URL: client.baseUrl, WANDB_API_KEY: client.apiKey };
  return {
    ...env,
    ...dirs,
    ...auth,
    WANDB_SILENT: "true",
    WANDB_INIT_TIMEOUT: "120",
    // A proxy configured on the machine must not intercept the loopback server.
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
    PYTHONUNBUFFERED: "1",
    ...client.extra,
  };
}

/** Scripts still running, so a suite can end them if a test times out (see `killScripts`). */
const running = new Set<ChildProcessWithoutNullStreams>();

/** SIGKILLs every script this process started that is still running. */
export function killScripts(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

export interface ScriptResult<T> {
  /** The JSON object on the script's last stdout line. */
  result: T;
  stdout: string;
  stderr: string;
  seconds: number;
}

export interface RunningScript<T> {
  child: ChildProcessWithoutNullStreams;
  /** Calls `listener` for every complete stdout line (also those already printed). */
  onLine(listener: (line: string) => void): void;
  done: Promise<ScriptResult<T>>;
}

/** Starts `e2e/python/<script> <args>`; `done` rejects with both outputs on a non-zero exit. */
export async function startScript<T>(
  script: string,
  args: string[],
  client: WandbClientEnv,
  timeoutMs = 300_000,
): Promise<RunningScript<T>> {
  const env = await wandbEnv(client);
  const started = Date.now();
  const child = spawn(VENV_PYTHON, [join(PYTHON_DIR, script), ...args], {
    cwd: env.WANDB_DIR,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end();
  running.add(child);
  child.once("close", () => running.delete(child));
  let stdout = "";
  let stderr = "";
  let pending = "";
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const parts = pending.split("\n");
    pending = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const listener of listeners) listener(line);
    }
  });
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const label = `python ${script} ${args.join(" ")}`;
  const done = new Promise<ScriptResult<T>>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${label} could not start (${error.message}); run scripts/setup-python.sh`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - started) / 1000;
      const outputs = `\n--- stdout\n${stdout.slice(-20_000)}\n--- stderr\n${stderr.slice(-20_000)}`;
      if (code !== 0) {
        const why =
          signal === "SIGKILL" ? `was killed after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
        reject(new Error(`${label} ${why} after ${seconds.toFixed(1)} s${outputs}`));
        return;
      }
      const last = stdout.trimEnd().split("\n").at(-1) ?? "";
      try {
        resolve({ result: JSON.parse(last) as T, stdout, stderr, seconds });
      } catch {
        reject(new Error(`${label} did not end with a JSON line${outputs}`));
      }
    });
  });
  return {
    child,
    onLine(listener) {
      for (const line of lines) listener(line);
      listeners.push(listener);
    },
    done,
  };
}

export async function runScript<T>(
  script: string,
  args: string[],
  client: WandbClientEnv,
  timeoutMs = 300_000,
): Promise<ScriptResult<T>> {
  return (await startScript<T>(script, args, client, timeoutMs)).done;
}

export interface CommandResult {
  /** The exit code; null when the command was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the venv's `wandb <args>` with the client environment of `client` and resolves with the
 * exit status and both outputs whatever the status (a failing command is often what a test wants).
 */
export async function runWandbCli(
  args: string[],
  client: WandbClientEnv,
  timeoutMs = 120_000,
): Promise<CommandResult> {
  const env = await wandbEnv(client);
  return new Promise((resolve, reject) => {
    const child = spawn(VENV_WANDB, args, { cwd: env.WANDB_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(
        new Error(`wandb ${args[0] ?? ""} could not start (${error.message}); run scripts/setup-python.sh`),
      );
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
