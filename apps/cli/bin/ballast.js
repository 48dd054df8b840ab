#!/usr/bin/env node
// Entry point of the `ballast` command. Ballast runs on Node.js 24 (erasable TypeScript, node:sqlite).
// The repo installs Node 24 from the npm registry (the `node` devDependency); when this shim is
// started by an older system Node (e.g. `npx ballast` on a machine whose node is 20), it re-executes
// itself with that Node 24 binary.
//
// `ballast server` also gets its runtime settings here, since V8 and glibc read them only at process
// start (bench/README.md has the measurements):
// - 8 MB semi-spaces. Under ingest load V8 grows the young generation to 128 MB, although what
//   survives a scavenge is a few MB; capped, the server's peak RSS drops by ~80 MB for ~3% CPU.
// - MALLOC_ARENA_MAX=2. glibc keeps up to 8 malloc arenas per core, one per thread that allocates
//   (SQLite in the worker threads, libuv's pool), each holding on to what it freed.
// A NODE_OPTIONS or MALLOC_ARENA_MAX the user sets wins.
import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SERVER_NODE_FLAGS = ["--max-semi-space-size=8"];
const TUNED = "BALLAST_RUNTIME_TUNED";

function findNode24() {
  let dir = dirname(realpathSync(fileURLToPath(import.meta.url)));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "node_modules", "node", "bin", "node");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}

const major = Number(process.versions.node.split(".")[0]);
const isServer = process.argv[2] === "server";
const needsTuning = isServer && process.env[TUNED] !== "1";

if (major >= 24 && !needsTuning) {
  await import("../src/main.ts");
} else {
  const node = major >= 24 ? process.execPath : findNode24();
  if (!node) {
    process.stderr.write(
      `ballast needs Node.js 24; this is ${process.version}. Run \`npm ci\` in the repo root to install it.\n`,
    );
    process.exit(1);
  }
  const flags = isServer && !/semi-space/.test(process.env.NODE_OPTIONS ?? "") ? SERVER_NODE_FLAGS : [];
  const args = [...flags, fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const env = isServer ? { MALLOC_ARENA_MAX: "2", ...process.env, [TUNED]: "1" } : process.env;
  if (typeof process.execve === "function") {
    // Node 24: replace this process, so the server keeps its pid and no parent lingers.
    process.execve(node, [node, ...args], env);
  }
  const child = spawn(node, args, { stdio: "inherit", env });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
}
