/**
 * The `ballast` command as a user runs it (real data dir): `npx ballast` from the repo root, the shim
 * that re-runs itself on Node 24 when an older system Node starts it, migrate, the admin commands'
 * output contract (only the key on stdout), their errors, and configuration errors.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "./support/ports.ts";
import { CLI_MAIN, makeWorkspace, REPO_ROOT, startServer, type Workspace } from "./support/server.ts";

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function ballast(args: string[], env: Record<string, string> = {}): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_MAIN, ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const KEY = /^local-[A-Za-z0-9]{40}\n$/;

describe("the ballast command", () => {
  let workspace: Workspace;

  before(async () => {
    workspace = await makeWorkspace("cli");
  });

  after(() => workspace.dispose());

  it("runs as `npx ballast` and from the bin shim under the system's node", async () => {
    const viaNpx = await new Promise<Exit>((resolve) => {
      execFile("npx", ["ballast", "help"], { cwd: REPO_ROOT, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(viaNpx.code, 0, viaNpx.stderr);
    assert.match(viaNpx.stdout, /ballast server/);
    // `node` as found on a PATH without the repo's node_modules/.bin: the machine's own Node.
    const systemPath = (process.env.PATH ?? "")
      .split(":")
      .filter((dir) => !dir.includes("node_modules"))
      .join(":");
    const viaShim = await new Promise<Exit>((resolve) => {
      execFile(
        "node",
        [join(REPO_ROOT, "apps", "cli", "bin", "ballast.js"), "help"],
        { cwd: REPO_ROOT, env: { PATH: systemPath }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(viaShim.code, 0, viaShim.stderr);
    assert.match(viaShim.stdout, /ballast server/);
  });

  it("`ballast server` runs in place with its runtime settings", async () => {
    const dataDir = await mkdtemp(join(workspace.root, "tuned-"));
    const server = await startServer({ dataDir, logDir: workspace.logDir });
    try {
      const pid = server.process.pid ?? 0;
      // The shim re-executed itself with process.execve: the pid the harness spawned is the server.
      const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
      assert.ok(argv.includes("--max-semi-space-size=8"), argv.join(" "));
      assert.ok(argv.includes("server"), argv.join(" "));
      const environ = (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
      assert.ok(environ.includes("MALLOC_ARENA_MAX=2"), "glibc arenas are capped");
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    } finally {
      await server.stop();
    }
  });

  it("on SIGTERM drains: /readyz answers 503 while /healthz and the API still answer, then it exits", async () => {
    const dataDir = await mkdtemp(join(workspace.root, "drain-"));
    const server = await startServer({
      dataDir,
      logDir: workspace.logDir,
      env: { BALLAST_SHUTDOWN_DRAIN_SECONDS: "2" },
    });
    assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
    const exited = new Promise<number>((resolve) => server.process.once("exit", () => resolve(Date.now())));
    const signalled = Date.now();
    server.process.kill("SIGTERM");
    // During the drain the server keeps serving, and says it is not ready.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ready = await fetch(`${server.url}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(JSON.stringify(await ready.json()), /shutting down/);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    const elapsed = (await exited) - signalled;
    assert.ok(elapsed >= 2000 && elapsed < 12_000, `exited ${elapsed} ms after SIGTERM`);
    assert.match(server.output().stdout, /not ready, shutting down in 2 s/);
  });

  it("migrate creates the database and is safe to re-run", async () => {
    const first = await ballast(["migrate", "--data-dir", workspace.dataDir]);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(existsSync(join(workspace.dataDir, "ballast.sqlite")));
    const again = await ballast(["migrate"], { BALLAST_DATA_DIR: workspace.dataDir });
    assert.equal(again.code, 0, again.stderr);
  });

  it("admin create-user and create-api-key print only a fresh key each", async () => {
    const created = await ballast([
      "admin",
      "create-user",
      "--username",
      "carol",
      "--email",
      "carol@example.com",
      "--admin",
      "--data-dir",
      workspace.dataDir,
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, KEY);
    const another = await ballast([
      "admin",
      "create-api-key",
      "--username",
      "carol",
      "--data-dir",
      workspace.dataDir,
    ]);
    assert.equal(another.code, 0, another.stderr);
    assert.match(another.stdout, KEY);
    assert.notEqual(another.stdout, created.stdout);
  });

  it("refuses a taken name, an unknown user and bad arguments with a message and a non-zero exit", async () => {
    const taken = await ballast([
      "admin",
      "create-user",
      "--username",
      "carol",
      "--email",
      "c@example.com",
      "--data-dir",
      workspace.dataDir,
    ]);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /already taken/);
    assert.equal(taken.stdout, "");
    const unknown = await ballast([
      "admin",
      "create-api-key",
      "--username",
      "nobody",
      "--data-dir",
      workspace.dataDir,
    ]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No user named "nobody"/);
    const invalid = await ballast([
      "admin",
      "create-user",
      "--username",
      "Bad Name",
      "--email",
      "x",
      "--data-dir",
      workspace.dataDir,
    ]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /username must be/);
    assert.match(invalid.stderr, /email must look like/);
    const usage = await ballast(["admin", "create-user", "--username", "dave"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /needs --username and --email/);
  });

  it("lists every configuration problem with its fix and exits 78", async () => {
    const result = await ballast(["server", "--data-dir", workspace.dataDir], {
      PORT: "http",
      HOST: "ftp://x",
    });
    assert.equal(result.code, 78);
    assert.match(result.stderr, /PORT \/ --port must be an integer/);
    assert.match(result.stderr, /HOST must be the public base URL/);

    // A database asked for is never replaced by SQLite quietly; the password is never echoed.
    const closed = await freePort();
    const mysql = await ballast(["server", "--port", "0", "--data-dir", workspace.dataDir], {
      MYSQL: `mysql://ballast:s3cret-pw@127.0.0.1:${closed}/ballast`,
    });
    assert.equal(mysql.code, 78, mysql.stderr);
    assert.match(
      mysql.stderr,
      new RegExp(`Cannot open the MySQL database ballast on 127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`),
    );
    assert.doesNotMatch(`${mysql.stdout}${mysql.stderr}`, /s3cret-pw/);
    const bucket = await ballast(["server", "--data-dir", workspace.dataDir], {
      BUCKET: "s3://AKIA:s3cret/key@Not_A_Bucket",
      BUCKET_QUEUE: "kafka://x",
    });
    assert.equal(bucket.code, 78);
    assert.match(bucket.stderr, /bucket name must be/);
    assert.match(bucket.stderr, /BUCKET_QUEUE must be internal:\/\/ or sqs/);
    assert.doesNotMatch(bucket.stderr, /s3cret/);

    // Unreachable database, bucket and queue: all three named at once, no secret echoed.
    const [noBucket, noQueue] = [await freePort(), await freePort()];
    const unreachable = await ballast(["server", "--port", "0", "--data-dir", workspace.dataDir], {
      MYSQL: `mysql://ballast:s3cret-pw@127.0.0.1:${closed}/ballast`,
      BUCKET: `s3://AKIA:s3cret-key@127.0.0.1:${noBucket}/ballast`,
      BUCKET_QUEUE: `sqs://http://127.0.0.1:${noQueue}/000000000000/ballast-events`,
      AWS_ACCESS_KEY_ID: "AKIA",
      AWS_SECRET_ACCESS_KEY: "s3cret-sqs",
    });
    assert.equal(unreachable.code, 78, unreachable.stderr);
    assert.match(unreachable.stderr, /Cannot open the MySQL database ballast/);
    assert.match(
      unreachable.stderr,
      /BUCKET: the S3 bucket ballast cannot be used: it did not answer; check that its endpoint can be reached/,
    );
    assert.match(unreachable.stderr, /BUCKET_QUEUE: the SQS queue .*ballast-events cannot be used/);
    assert.doesNotMatch(`${unreachable.stdout}${unreachable.stderr}`, /s3cret/);
  });
});
