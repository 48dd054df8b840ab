/**
 * Runs the test suites with node's test runner and ends with the plain `N passed, N failed` line CI
 * reads. Usage: node scripts/run-tests.ts unit|e2e|e2e-production|e2e-azure|e2e-gcs|e2e-kube|all [filters...]
 *
 * `e2e-production` runs the suites that drive the real W&B clients a second time, with
 * BALLAST_E2E_STACK=production (MariaDB, MinIO, Redis, SQS; see e2e/support/stack.ts);
 * `e2e-azure` and `e2e-gcs` run the suites that move files and artifacts again with the objects in
 * an Azure container (Azurite) or a GCS bucket (fake-gcs-server), on MariaDB and Redis.
 * `e2e-kube` runs the charts, operator, console and image suites on a real kube-apiserver, and the
 * Terraform modules' checks (hclfmt, checkov, provider schemas); it runs last because its tools take the longest to
 * build: when BALLAST_KUBE_TOOLS_STATUS names a file, the pass first waits for that file
 * (scripts/test-all.sh writes `ok` or the build's failure into it), and e2e/terraform.e2e.test.ts
 * waits the same way for the file BALLAST_TERRAFORM_TOOLS_STATUS names (e2e/support/tools.ts).
 * `all` runs unit and e2e in one test run, then each of the other passes, and closes with the sum.
 */
import { spawn } from "node:child_process";
import { existsSync, globSync, readFileSync } from "node:fs";

const KUBE_SUITES = [
  "e2e/charts.e2e.test.ts",
  "e2e/operator.e2e.test.ts",
  "e2e/console.e2e.test.ts",
  "e2e/images.e2e.test.ts",
  "e2e/terraform.e2e.test.ts",
];

const OBJECT_SUITES = [
  "e2e/wandb-client.e2e.test.ts",
  "e2e/wandb-client-more.e2e.test.ts",
  "e2e/wandb-api-runs.e2e.test.ts",
  "e2e/wandb-api-artifacts.e2e.test.ts",
];

const patterns: Record<string, string[]> = {
  unit: [
    "packages/*/src/**/*.test.ts",
    "apps/*/src/**/*.test.ts",
    "scripts/**/*.test.ts",
    "bench/**/*.test.ts",
  ],
  e2e: ["e2e/**/*.e2e.test.ts"],
  "e2e-kube": KUBE_SUITES,
  // The client suites built on e2e/support/client-suite.ts that pick no backends of their own.
  "e2e-production": [
    "e2e/wandb-client.e2e.test.ts",
    "e2e/wandb-client-more.e2e.test.ts",
    "e2e/wandb-api-runs.e2e.test.ts",
    "e2e/wandb-api-artifacts.e2e.test.ts",
    "e2e/wandb-verify.e2e.test.ts",
    "e2e/sweeps.e2e.test.ts",
  ],
  // The suites whose files and artifacts go through the object store.
  "e2e-azure": OBJECT_SUITES,
  "e2e-gcs": OBJECT_SUITES,
};

interface Pass {
  readonly label: string;
  readonly patterns: string[];
  readonly env: Record<string, string>;
}

const suite = process.argv[2] ?? "all";
const filters = process.argv.slice(3);
const stacks: Record<string, Record<string, string>> = {
  "e2e-production": { BALLAST_E2E_STACK: "production" },
  "e2e-azure": { BALLAST_E2E_STACK: "azure" },
  "e2e-gcs": { BALLAST_E2E_STACK: "gcs" },
};
const passOf = (label: string): Pass => ({
  label,
  patterns: patterns[label] ?? [],
  env: stacks[label] ?? {},
});
const passes: Pass[] =
  suite === "all"
    ? [
        { label: "unit + e2e", patterns: [...(patterns.unit ?? []), ...(patterns.e2e ?? [])], env: {} },
        passOf("e2e-production"),
        passOf("e2e-azure"),
        passOf("e2e-gcs"),
        passOf("e2e-kube"),
      ]
    : patterns[suite]
      ? [passOf(suite)]
      : [];
if (passes.length === 0) {
  console.error(
    `unknown suite "${suite}"; use unit, e2e, e2e-production, e2e-azure, e2e-gcs, e2e-kube or all`,
  );
  process.exit(2);
}

let passed = 0;
let failed = 0;
let exitCode = 0;
let ran = 0;
for (const pass of passes) {
  // The kube suites run in their own pass (they need the longest-built tools), never inside `e2e`.
  const excluded = pass.label === "e2e-kube" ? [] : KUBE_SUITES;
  const files = pass.patterns
    .flatMap((pattern) => globSync(pattern, { exclude: (name) => name.includes("node_modules") }))
    .filter((file) => !excluded.includes(file) || suite === "e2e")
    .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
    .sort();
  if (files.length === 0) continue;
  ran += 1;
  if (passes.length > 1) console.log(`\n== ${pass.label}: ${files.length} files${envNote(pass.env)}\n`);
  if (pass.label === "e2e-kube" && process.env.BALLAST_KUBE_TOOLS_STATUS) {
    const problem = await kubeToolsReady(process.env.BALLAST_KUBE_TOOLS_STATUS);
    if (problem) {
      console.error(problem);
      failed += 1;
      exitCode = 1;
      continue;
    }
  }
  const result = await runFiles(files, pass.env, passes.length > 1 ? pass.label : "");
  passed += result.passed;
  failed += result.failed;
  if (result.code !== 0) exitCode = result.code;
}
if (ran === 0) {
  console.error("no test files matched");
  process.exit(1);
}
if (passes.length > 1) console.log(`\n${passed} passed, ${failed} failed`);
process.exit(exitCode);

/** Waits (up to 30 min) for the background build of the kube tools; returns why it failed, if it did. */
async function kubeToolsReady(statusFile: string): Promise<string | undefined> {
  const started = Date.now();
  while (!existsSync(statusFile)) {
    if (Date.now() - started > 30 * 60_000)
      return `the kube tools were not built within 30 minutes (${statusFile})`;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const status = readFileSync(statusFile, "utf8").trim();
  console.log(`kube tools ready after waiting ${Math.round((Date.now() - started) / 1000)} s`);
  return status === "ok" ? undefined : `building the kube tools failed:\n${status}`;
}

function envNote(env: Record<string, string>): string {
  const names = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  return names.length > 0 ? ` (${names.join(" ")})` : "";
}

/** One `node --test` run; its closing count line is labelled when several runs are summed. */
function runFiles(
  files: string[],
  env: Record<string, string>,
  label: string,
): Promise<{ passed: number; failed: number; code: number }> {
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
    {
      stdio: ["inherit", "pipe", "inherit"],
      env: { ...process.env, ...env, ...(label ? { BALLAST_COUNT_LABEL: label } : {}) },
    },
  );
  let tail = "";
  child.stdout.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString("utf8")).slice(-4096);
  });
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      const counts = [...tail.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
      resolve({
        passed: Number(counts?.[1] ?? 0),
        // A run that died before reporting counts as one failure, so the sum never reads clean.
        failed: counts ? Number(counts[2]) : 1,
        code: code ?? (signal ? 1 : 0),
      });
    });
  });
}
