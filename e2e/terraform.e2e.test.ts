/**
 * The Terraform modules under deploy/terraform, checked with real tools that need no cloud account:
 * `tofu fmt` (OpenTofu) for canonical formatting, and checkov's static security checks on each module.
 * The tools come from scripts/setup-terraform-tools.sh (.cache/tools/bin/tofu, .cache/checkov-venv);
 * scripts/test-all.sh builds them in the background, and this waits for that build.
 *
 * Not run: `tofu validate`. It needs `tofu init`, which downloads the providers (aws, kubernetes,
 * helm) from the Terraform registry, and CI machines cannot reach it; even `tofu init -backend=false`
 * fails without them. What validate would catch without a provider's schema — references to
 * undeclared variables, locals, module arguments and outputs — is checked offline by
 * scripts/terraform/terraform.test.ts instead.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { MODULE_DIRS } from "../scripts/terraform/hcl.ts";
import { toolsBuilt } from "./support/tools.ts";

const REPO_ROOT = join(import.meta.dirname, "..");
const TOFU = join(REPO_ROOT, ".cache", "tools", "bin", "tofu");
const CHECKOV = join(REPO_ROOT, ".cache", "checkov-venv", "bin", "checkov");

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(bin: string, args: readonly string[]): Promise<Result> {
  // A TF_CLI_CONFIG_FILE naming a missing file only adds a warning to tofu's output; drop it.
  const { TF_CLI_CONFIG_FILE: _, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(
      bin,
      [...args],
      { cwd: REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** One framework's report in checkov's JSON output (a summary alone when nothing was scanned). */
interface CheckovReport {
  readonly check_type?: string;
  readonly results?: { readonly failed_checks?: readonly FailedCheck[] };
  readonly summary?: { readonly failed: number; readonly parsing_errors: number };
  readonly failed?: number;
  readonly parsing_errors?: number;
}

interface FailedCheck {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
  readonly file_path: string;
  readonly file_line_range: readonly [number, number];
}

describe("the Terraform modules, with OpenTofu and checkov", () => {
  before(async () => {
    await toolsBuilt("BALLAST_TERRAFORM_TOOLS_STATUS", "the Terraform tools (OpenTofu, checkov)", 30);
    for (const tool of [TOFU, CHECKOV]) {
      assert.ok(existsSync(tool), `${tool} is missing: run bash scripts/setup-terraform-tools.sh`);
    }
  });

  // Only deploy/terraform: the snippets in e2e/fixtures/seeds/terraform are the W&B docs' text
  // verbatim, formatted or not (scripts/terraform/terraform.test.ts compares the examples with them
  // regardless of formatting).
  it("deploy/terraform is formatted as `tofu fmt` formats it", async () => {
    const result = await run(TOFU, ["fmt", "-check", "-diff", "-recursive", "deploy/terraform"]);
    assert.equal(
      result.code,
      0,
      `run: .cache/tools/bin/tofu fmt -recursive deploy/terraform\n${result.stdout}${result.stderr}`,
    );
  });

  for (const dir of MODULE_DIRS) {
    it(`${dir}: checkov finds nothing`, async () => {
      // Offline: no modules fetched from registries, nothing from Prisma Cloud (guidelines, severities).
      const result = await run(CHECKOV, [
        "-d",
        dir,
        "--framework",
        "terraform",
        "--quiet",
        "--compact",
        "-o",
        "json",
        "--download-external-modules",
        "false",
        "--skip-download",
      ]);
      let parsed: CheckovReport | CheckovReport[];
      try {
        parsed = JSON.parse(result.stdout) as CheckovReport | CheckovReport[];
      } catch {
        assert.fail(`checkov exited ${result.code} without a JSON report:\n${result.stdout}${result.stderr}`);
      }
      const reports = Array.isArray(parsed) ? parsed : [parsed];
      const parsingErrors = reports.reduce(
        (n, r) => n + (r.summary?.parsing_errors ?? r.parsing_errors ?? 0),
        0,
      );
      assert.equal(parsingErrors, 0, `checkov could not parse ${parsingErrors} file(s) in ${dir}`);
      const failed = reports.flatMap((report) =>
        (report.results?.failed_checks ?? []).map(
          (check) =>
            `${check.check_id} ${check.resource} at ${dir}${check.file_path}:${check.file_line_range[0]}-${check.file_line_range[1]}: ${check.check_name}`,
        ),
      );
      assert.equal(
        failed.length,
        0,
        `checkov's failed checks in ${dir} (fix them, or skip one with a "#checkov:skip=ID:reason" comment in its block):\n${failed.join("\n")}`,
      );
    });
  }
});
