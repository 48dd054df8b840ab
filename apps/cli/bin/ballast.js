#!/usr/bin/env node
// Entry point of the `ballast` command. Ballast runs on Node.js 24 (erasable TypeScript, node:sqlite).
// The repo installs Node 24 from the npm registry (the `node` devDependency); when this shim is
// started by an older system Node (e.g. `npx ballast` on a machine whose node is 20), it re-executes
// itself with that Node 24 binary.
import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  const here = dirname(realpathSync(fileURLToPath(import.meta.url)));
  let dir = here;
  let node24 = "";
  for (let i = 0; i < 6 && !node24; i++) {
    const candidate = join(dir, "node_modules", "node", "bin", "node");
    if (existsSync(candidate)) node24 = candidate;
    dir = dirname(dir);
  }
  if (!node24) {
    process.stderr.write(
      `ballast needs Node.js 24; this is ${process.version}. Run \`npm ci\` in the repo root to install it.\n`,
    );
    process.exit(1);
  }
  const child = spawn(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
} else {
  await import("../src/main.ts");
}
