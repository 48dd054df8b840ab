/**
 * A real MariaDB 10.11 (Debian's mariadb-server, installed by scripts/setup-services.sh) for the
 * MySQL store tests and the production-stack suites: a private server per test file, initialised
 * in a fresh temporary data dir and listening on a random loopback port, with one database and one
 * password-authenticated user. Its server character set stays Debian's default (latin1), so
 * everything Ballast stores must declare utf8mb4 itself. `stop`/`start` take it away and bring it
 * back on the same port with the same data, as a failover or restart does.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.ts";

const MARIADBD = "/usr/sbin/mariadbd";
const run = promisify(execFile);

export interface MariaDb {
  /** `mysql://ballast:<password>@127.0.0.1:<port>/ballast`, the value of MYSQL. */
  readonly url: string;
  readonly port: number;
  readonly database: string;
  /** Runs SQL as root through the socket (for test setup and looking behind the store's back). */
  sql(statement: string): Promise<string>;
  /** Creates another empty database owned by the test user; returns its MYSQL url. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (SIGTERM, a clean shutdown), keeping its data; `start` brings it back. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill9(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data dir. */
  dispose(): Promise<void>;
}

export async function startMariaDb(): Promise<MariaDb> {
  if (!existsSync(MARIADBD)) {
    throw new Error(`MariaDB is not installed at ${MARIADBD}; run: bash scripts/setup-services.sh`);
  }
  const root = await mkdtemp(join(tmpdir(), "ballast-mariadb-"));
  const dataDir = join(root, "data");
  const socket = join(root, "mariadb.sock");
  const port = await freePort();
  const password = randomBytes(18).toString("base64url");
  const database = "ballast";
  const asRoot = process.getuid?.() === 0 ? ["--user=root"] : [];
  await run("mariadb-install-db", [
    "--no-defaults",
    `--datadir=${dataDir}`,
    "--auth-root-authentication-method=normal",
    "--skip-test-db",
    ...asRoot,
  ]);

  let child: ChildProcess | undefined;
  let output = "";
  const sql = async (statement: string) => {
    const { stdout } = await run("mariadb", [
      "--no-defaults",
      "-S",
      socket,
      "-uroot",
      "-N",
      "-B",
      "-e",
      statement,
    ]);
    return stdout;
  };

  const start = async () => {
    output = "";
    const proc = spawn(
      MARIADBD,
      [
        "--no-defaults",
        `--datadir=${dataDir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        `--pid-file=${join(root, "mariadb.pid")}`,
        "--innodb-buffer-pool-size=256M",
        "--innodb-log-file-size=256M",
        "--max-connections=300",
        "--skip-name-resolve",
        ...asRoot,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    proc.stdout?.on("data", collect);
    proc.stderr?.on("data", collect);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`MariaDB exited (${proc.exitCode}):\n${output}`);
      if (output.includes("ready for connections")) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    proc.kill("SIGKILL");
    throw new Error(`MariaDB was not ready within 60 s:\n${output}`);
  };

  const stopWith = async (signal: NodeJS.Signals) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  const urlOf = (name: string) => `mysql://ballast:${password}@127.0.0.1:${port}/${name}`;
  const createDatabase = async (name: string) => {
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
    await sql(`CREATE DATABASE ${name}; GRANT ALL ON ${name}.* TO 'ballast'@'%';`);
    return urlOf(name);
  };
  await sql(`CREATE USER 'ballast'@'%' IDENTIFIED BY '${password}';`);
  await createDatabase(database);
  return {
    url: urlOf(database),
    port,
    database,
    sql,
    createDatabase,
    stop: () => stopWith("SIGTERM"),
    kill9: () => stopWith("SIGKILL"),
    start,
    dispose: async () => {
      await stopWith("SIGTERM");
      await rm(root, { recursive: true, force: true });
    },
  };
}
