/**
 * Runs the test suites with node's test runner and ends with the plain `N passed, N failed` line CI
 * reads. Usage: node scripts/run-tests.ts unit|e2e|all [extra file filters...]
 */
import { spawn } from "node:child_process";
import { globSync } from "node:fs";

const suite = process.argv[2] ?? "all";
const filters = process.argv.slice(3);
const patterns: Record<string, string[]> = {
  unit: [
    "packages/*/src/**/*.test.ts",
    "apps/*/src/**/*.test.ts",
    "scripts/**/*.test.ts",
    "bench/**/*.test.ts",
  ],
  e2e: ["e2e/**/*.e2e.test.ts"],
};
const selected =
  suite === "all" ? [...(patterns.unit ?? []), ...(patterns.e2e ?? [])] : (patterns[suite] ?? []);
if (selected.length === 0) {
  console.error(`unknown suite "${suite}"; use unit, e2e or all`);
  process.exit(2);
}
const files = selected
  .flatMap((pattern) => globSync(pattern, { exclude: (name) => name.includes("node_modules") }))
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

const child = spawn(
  process.execPath,
  [
    "--test",
    "--test-concurrency=1",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=./scripts/count-reporter.ts",
    "--test-reporter-destination=stdout",
    ...files,
  ],
  { stdio: "inherit" },
);
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
