/**
 * The Terraform modules under deploy/terraform, checked with real tools that need no cloud account:
 * HCL's own formatter (`hclfmt`, the hclwrite.Format that `terraform fmt` and `tofu fmt` apply) for
 * canonical formatting, checkov's static security checks on each module, and the providers'
 * schemas. The tools come from scripts/setup-terraform-tools.sh (.cache/tools/bin/hclfmt,
 * .cache/checkov-venv, .cache/terraform-schemas); scripts/test-all.sh installs them in the
 * background, and this waits for that.
 *
 * Not run: `tofu validate`. It needs `tofu init`, which downloads the providers (aws, kubernetes,
 * helm) from the Terraform registry, and CI machines cannot reach it; even `tofu init -backend=false`
 * fails without them. What validate checks is covered in two halves instead: references to
 * variables, locals, module arguments and outputs by scripts/terraform/terraform.test.ts, and every
 * resource's and data source's arguments and nested blocks here, against the providers' schemas as
 * HashiCorp's CDK for Terraform bindings carry them (scripts/terraform/provider-schema.ts).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, globSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { EXAMPLES_DIR, filesIn, MODULE_DIRS, parseHcl } from "../scripts/terraform/hcl.ts";
import {
  checkSchema,
  type ProviderSchema,
  readProviderSchema,
} from "../scripts/terraform/provider-schema.ts";
import { toolsBuilt } from "./support/tools.ts";

const REPO_ROOT = join(import.meta.dirname, "..");
const HCLFMT = join(REPO_ROOT, ".cache", "tools", "bin", "hclfmt");
const CHECKOV = join(REPO_ROOT, ".cache", "checkov-venv", "bin", "checkov");
const SCHEMAS = join(REPO_ROOT, ".cache", "terraform-schemas");

interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(bin: string, args: readonly string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(bin, [...args], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
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

describe("the Terraform modules, with hclfmt, checkov and the providers' schemas", () => {
  before(async () => {
    await toolsBuilt(
      "BALLAST_TERRAFORM_TOOLS_STATUS",
      "the Terraform tools (hclfmt, checkov, provider schemas)",
      30,
    );
    for (const tool of [HCLFMT, CHECKOV, SCHEMAS]) {
      assert.ok(existsSync(tool), `${tool} is missing: run bash scripts/setup-terraform-tools.sh`);
    }
  });

  // Only deploy/terraform: the snippets in e2e/fixtures/seeds/terraform are the W&B docs' text
  // verbatim, formatted or not (scripts/terraform/terraform.test.ts compares the examples with them
  // regardless of formatting).
  it("deploy/terraform is formatted canonically (hclfmt, as terraform fmt and tofu fmt format)", async () => {
    const files = ["**/*.tf", "**/*.tfvars", "**/*.tf.disabled"]
      .flatMap((pattern) => globSync(pattern, { cwd: join(REPO_ROOT, "deploy", "terraform") }))
      .map((file) => `deploy/terraform/${file}`)
      .sort();
    assert.ok(files.length > 30, `only ${files.length} files`);
    const unformatted: string[] = [];
    for (const file of files) {
      const result = await run(HCLFMT, [file]);
      assert.equal(result.code, 0, `hclfmt ${file}: ${result.stderr}`);
      if (result.stdout !== readFileSync(join(REPO_ROOT, file), "utf8")) unformatted.push(file);
    }
    assert.deepEqual(
      unformatted,
      [],
      "format them: .cache/tools/bin/hclfmt -w FILE (or terraform fmt / tofu fmt)",
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

  describe("the providers' schemas", () => {
    let schemas: ProviderSchema[];
    before(() => {
      schemas = readdirSync(SCHEMAS)
        .filter((name) => name.endsWith(".jsii"))
        .map((name) => readProviderSchema(join(SCHEMAS, name)));
      assert.deepEqual(schemas.map((s) => s.provider).sort(), ["aws", "helm", "kubernetes", "random", "tls"]);
    });

    it("every resource and data block of the modules and examples has only known arguments and all required ones", async () => {
      const dirs = [
        ...MODULE_DIRS,
        ...readdirSync(join(REPO_ROOT, EXAMPLES_DIR)).map((name) => `${EXAMPLES_DIR}/${name}`),
      ];
      const problems: string[] = [];
      let blocks = 0;
      for (const file of dirs.flatMap((dir) => filesIn(REPO_ROOT, dir, ".tf"))) {
        const json = await parseHcl(file, readFileSync(join(REPO_ROOT, file), "utf8"));
        blocks += Object.values({ ...(json.resource as object), ...(json.data as object) }).length;
        problems.push(...checkSchema(file, json, schemas));
      }
      assert.ok(blocks > 50, `only ${blocks} resource and data types found`);
      assert.deepEqual(problems, []);
    });

    it("catch a misspelled argument, a missing required one, an unknown block and an unknown type", async () => {
      const sample = [
        'resource "aws_s3_bucket_cors_configuration" "x" {',
        '  bucket = "b"',
        "  cors_rule {",
        '    allowed_methodz = ["GET"]',
        '    allowed_origins = ["*"]',
        "  }",
        "}",
        'resource "aws_subnet" "s" {',
        '  vpc_id = "v"',
        '  dynamic "nope" {',
        "    for_each = []",
        "    content {}",
        "  }",
        "}",
        'resource "aws_s3_bucket_notifications" "typo" {}',
        'data "aws_iam_policy_document" "d" {',
        "  statement {",
        '    principals { type = "AWS" }',
        "  }",
        "}",
      ].join("\n");
      assert.deepEqual(checkSchema("t.tf", await parseHcl("t.tf", sample), schemas).sort(), [
        't.tf: aws_s3_bucket_cors_configuration.x.cors_rule: "allowed_methodz" is not an argument or block of this type',
        't.tf: aws_s3_bucket_cors_configuration.x.cors_rule: the required "allowed_methods" is missing',
        "t.tf: aws_s3_bucket_notifications.typo: aws has no resource aws_s3_bucket_notifications",
        't.tf: aws_subnet.s: dynamic "nope" is not a nested block of this type',
        't.tf: data.aws_iam_policy_document.d.statement.principals: the required "identifiers" is missing',
      ]);
    });
  });
});
