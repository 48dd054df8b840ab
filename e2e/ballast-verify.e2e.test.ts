/**
 * `ballast verify` against real server processes: a healthy one (every check ✅, exit 0, the key
 * from --api-key or ~/.netrc), one whose object store cannot write (the upload check ❌ with the
 * storage hint), a wrong key (login ❌, no stack trace) and a port nobody listens on.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort } from "./support/ports.ts";
import {
  CLI_MAIN,
  createUser,
  makeWorkspace,
  REPO_ROOT,
  type ServerHandle,
  startServer,
  type Workspace,
} from "./support/server.ts";

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function verify(args: string[], env: Record<string, string> = {}): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_MAIN, "verify", ...args],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const CHECKS = [
  "Checking connection to the server",
  "Checking if logged in",
  "Checking clock skew against the server",
  "Checking signed URL upload and download",
  "Checking ability to send large payloads through proxy",
  "Checking CORs configuration of the bucket",
  "Checking logged metrics and reading back history",
  "Checking saving and downloading a file",
  "Checking artifact save and download workflows",
];
/** Over plain http these two warn (⚠) without failing, as in `wandb verify`. */
const HTTPS_WARNINGS = ["Checking requests to base url", "Checking requests made over signed URLs"];

/** The mark ending the check line `label....…` (✅ ❌ ⚠), or undefined when the line is missing. */
function markOf(stdout: string, label: string): string | undefined {
  const line = stdout.split("\n").find((text) => text.startsWith(`${label}.`));
  if (line === undefined) return undefined;
  // Padded with dots to 72 columns, then exactly one mark, as `wandb verify` prints it.
  assert.match(line, /^[^.].{71}[\u2705\u274c\u26a0]$/u, line);
  return line.slice(72);
}

/** The hint lines printed right under the check line of `label`. */
function hintsOf(stdout: string, label: string): string {
  const lines = stdout.split("\n");
  const start = lines.findIndex((text) => text.startsWith(`${label}.`));
  const hints: string[] = [];
  for (const text of lines.slice(start + 1)) {
    if (!text.startsWith("  ")) break;
    hints.push(text);
  }
  return hints.join("\n");
}

function assertNoStackTrace(exit: Exit): void {
  assert.doesNotMatch(`${exit.stdout}\n${exit.stderr}`, /\n\s+at .+:\d+:\d+/, "no stack trace");
}

describe("ballast verify", () => {
  let workspace: Workspace;
  let healthy: ServerHandle;
  let key: string;

  before(async () => {
    workspace = await makeWorkspace("verify");
    healthy = await startServer({ dataDir: workspace.dataDir, logDir: workspace.logDir });
    key = await createUser(workspace.dataDir, "verifier", "verifier@example.com");
  });

  after(async () => {
    await healthy?.stop();
    await workspace?.dispose();
  });

  it("passes every check against a healthy server and exits 0", async () => {
    const exit = await verify(["--host", healthy.url, "--api-key", key]);
    for (const label of CHECKS)
      assert.equal(markOf(exit.stdout, label), "\u2705", `${label}\n${exit.stdout}`);
    for (const label of HTTPS_WARNINGS) {
      assert.equal(markOf(exit.stdout, label), "\u26a0", `${label}\n${exit.stdout}`);
      assert.match(hintsOf(exit.stdout, label), /is not https/);
    }
    assert.equal(exit.code, 0, `${exit.stdout}\n${exit.stderr}`);
  });

  it("finds the key in ~/.netrc for the host when none is given", async () => {
    const home = join(workspace.root, "netrc-home");
    await mkdir(home);
    const { host } = new URL(healthy.url);
    await writeFile(join(home, ".netrc"), `machine ${host}\n  login user\n  password ${key}\n`, {
      mode: 0o600,
    });
    const exit = await verify(["--host", healthy.url], { HOME: home });
    assert.equal(markOf(exit.stdout, "Checking if logged in"), "\u2705", exit.stdout);
    assert.equal(exit.code, 0, `${exit.stdout}\n${exit.stderr}`);
  });

  it("fails the login check with its hint for a wrong key, without a stack trace", async () => {
    const exit = await verify(["--host", healthy.url, "--api-key", `local-${"x".repeat(40)}`]);
    assert.equal(exit.code, 1, exit.stdout);
    assert.equal(markOf(exit.stdout, "Checking connection to the server"), "\u2705");
    assert.equal(markOf(exit.stdout, "Checking if logged in"), "\u274c", exit.stdout);
    const hints = hintsOf(exit.stdout, "Checking if logged in");
    assert.match(hints, /refused the API key \(HTTP 401/);
    assert.match(hints, /ballast admin create-api-key/);
    // Login is fatal, as in wandb verify: nothing else is attempted.
    assert.equal(markOf(exit.stdout, "Checking signed URL upload and download"), undefined);
    assertNoStackTrace(exit);
  });

  it("says clearly that an unreachable host cannot be reached", async () => {
    const port = await freePort();
    const exit = await verify(["--host", `http://127.0.0.1:${port}`, "--api-key", key]);
    assert.equal(exit.code, 1, exit.stdout);
    assert.equal(markOf(exit.stdout, "Checking connection to the server"), "\u274c", exit.stdout);
    const hints = hintsOf(exit.stdout, "Checking connection to the server");
    assert.match(hints, new RegExp(`127\\.0\\.0\\.1:${port}: connection refused`));
    assert.match(hints, /Check the --host URL/);
    assertNoStackTrace(exit);
  });

  it("fails the upload check with the storage hint when the object store cannot write", async () => {
    const broken = await makeWorkspace("verify-broken");
    let server: ServerHandle | undefined;
    try {
      server = await startServer({ dataDir: broken.dataDir, logDir: broken.logDir });
      const brokenKey = await createUser(broken.dataDir, "verifier", "verifier@example.com");
      // Tests run as root, so permissions would not stop a write: make `objects` a regular file.
      const objects = join(broken.dataDir, "objects");
      await rm(objects, { recursive: true, force: true });
      await writeFile(objects, "not a directory");
      const exit = await verify(["--host", server.url, "--api-key", brokenKey]);
      assert.equal(exit.code, 1, exit.stdout);
      assert.equal(markOf(exit.stdout, "Checking if logged in"), "\u2705", exit.stdout);
      assert.equal(markOf(exit.stdout, "Checking signed URL upload and download"), "\u274c", exit.stdout);
      const hints = hintsOf(exit.stdout, "Checking signed URL upload and download");
      assert.match(hints, /PUT http:\/\/\S+ failed: HTTP 500/);
      assert.match(hints, /<data dir>\/objects must be a writable directory/);
      assert.equal(markOf(exit.stdout, "Checking saving and downloading a file"), "\u274c");
      // Checks that need no object store still pass.
      assert.equal(markOf(exit.stdout, "Checking ability to send large payloads through proxy"), "\u2705");
      assertNoStackTrace(exit);
    } finally {
      await server?.stop();
      await broken.dispose();
    }
  });
});
