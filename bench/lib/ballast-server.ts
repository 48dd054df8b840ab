/**
 * The Ballast system under test: `ballast server` as its own process (started by the `ballast`
 * command as users start it, with the runtime settings it gives the server; the embedded default, the
 * server's default durability, unless `env` names other backends such as MYSQL) on port 0 with a
 * fresh data directory, and a user created with `ballast admin create-user` whose API key the load
 * is sent with.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, waitForLine } from "./child.ts";

const CLI = join(REPO_ROOT, "apps", "cli", "bin", "ballast.js");

export interface BallastServer {
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly apiKey: string;
  /** The user's name, which is also its entity. */
  readonly entity: string;
  stop(): Promise<void>;
}

const ENV = { ...process.env, BALLAST_LISTEN_HOST: "127.0.0.1" };

function cli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...ENV, ...env }, cwd: REPO_ROOT },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`ballast ${args.join(" ")} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/** `env`: the server's backends (e.g. `{ MYSQL }`); none for the embedded default. */
export async function startBallast(env: Record<string, string> = {}): Promise<BallastServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "ballast-bench-"));
  const child: ChildProcess = spawn(process.execPath, [CLI, "server", "--port", "0", "--data-dir", dataDir], {
    env: { ...ENV, ...env },
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const line = await waitForLine(child, /Ballast listening on (http:\/\/\S+)/, 60_000, "ballast server");
  const url = line[1] ?? "";
  const entity = "bench";
  const apiKey = (
    await cli(
      [
        "admin",
        "create-user",
        "--username",
        entity,
        "--email",
        "bench@localhost",
        "--admin",
        "--data-dir",
        dataDir,
      ],
      env,
    )
  ).trim();
  if (!/^\S{20,}$/.test(apiKey)) throw new Error(`ballast admin create-user printed no key: ${apiKey}`);
  const pid = child.pid;
  if (pid === undefined) throw new Error("ballast server has no pid");
  return {
    url,
    pid,
    dataDir,
    apiKey,
    entity,
    async stop() {
      await stopChild(child);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Gives `username` a web password with `ballast admin set-password`, which reads it from stdin (as an
 * operator pipes it in), against the data dir of a running server.
 */
export function setPassword(dataDir: string, username: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI, "admin", "set-password", "--username", username, "--data-dir", dataDir],
      { env: ENV, cwd: REPO_ROOT },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`ballast admin set-password failed: ${error.message}\n${stderr}`));
        else resolve();
      },
    );
    child.stdin?.end(`${password}\n`);
  });
}

/** SIGTERM (the server drains and closes its database), SIGKILL after 10 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
