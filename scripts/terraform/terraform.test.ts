/**
 * The Terraform under deploy/terraform, checked without terraform, tofu or a provider, so in the
 * unit pass: every .tf and .tfvars file parses, each module and example is wired together
 * (scripts/terraform/wiring.ts), the modules' READMEs document their current inputs and outputs,
 * and each example is the W&B docs' snippet it mirrors (e2e/fixtures/seeds/terraform) with only
 * its module sources changed. Then the checker itself, on small samples, so that it is known to
 * catch what it is meant to. Formatting and checkov run in e2e/terraform.e2e.test.ts (they need
 * the tools built by scripts/setup-terraform-tools.sh).
 */
import assert from "node:assert/strict";
import {
  existsSync,
  globSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix } from "node:path";
import { after, describe, it } from "node:test";
import { inputsTable, outputsTable, section, withSection } from "./docs.ts";
import { EXAMPLES_DIR, filesIn, MODULE_DIRS, parseHcl, readModule } from "./hcl.ts";
import { comparableLines, scanReferences } from "./hcl-syntax.ts";
import { checkWiring } from "./wiring.ts";

const root = join(import.meta.dirname, "..", "..");
const SEEDS_DIR = "e2e/fixtures/seeds/terraform";

/**
 * Each example and the W&B docs' snippet it mirrors: the same files, except that its module
 * blocks call this repository's modules by path (and so have no `version`), and the files in
 * `added`, each with the reason it must exist. Add a row per pair.
 */
const SEEDS: { example: string; fixture: string; base?: string; added?: Record<string, string> }[] = [
  { example: `${EXAMPLES_DIR}/operator`, fixture: `${SEEDS_DIR}/operator` },
  // The docs' Redis and SQS sections change main.tf only; the other files are operator/'s.
  {
    example: `${EXAMPLES_DIR}/operator-redis`,
    fixture: `${SEEDS_DIR}/operator-redis`,
    base: `${SEEDS_DIR}/operator`,
  },
  {
    example: `${EXAMPLES_DIR}/operator-sqs`,
    fixture: `${SEEDS_DIR}/operator-sqs`,
    base: `${SEEDS_DIR}/operator`,
  },
  {
    example: `${EXAMPLES_DIR}/pre-operator`,
    fixture: `${SEEDS_DIR}/pre-operator`,
    added: {
      "helm-provider.tf":
        "the aws module installs charts with Helm (W&B's 2.x module installed nothing), so the root configures the helm provider for the new cluster",
    },
  },
];

function subdirectories(dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => posix.join(dir, entry.name))
    .sort();
}

function terraformFiles(dir: string): string[] {
  return [...filesIn(root, dir, ".tf"), ...filesIn(root, dir, ".tfvars")]
    .map((file) => basename(file))
    .sort();
}

describe("deploy/terraform", () => {
  it("every .tf and .tfvars file parses", async () => {
    const files = ["deploy/terraform/**/*.tf", "deploy/terraform/**/*.tfvars"]
      .flatMap((pattern) => globSync(pattern, { cwd: root }))
      .filter((file) => !file.split("/").includes(".terraform"))
      .sort();
    assert.ok(files.length > 0, "no .tf files under deploy/terraform");
    const errors: string[] = [];
    for (const file of files) {
      await parseHcl(file, readFileSync(join(root, file), "utf8")).catch((error: Error) =>
        errors.push(error.message),
      );
    }
    assert.deepEqual(errors, []);
  });

  for (const dir of MODULE_DIRS) {
    it(`${dir}: wired together`, async () => {
      assert.deepEqual(await checkWiring(root, dir), []);
    });
  }
  for (const dir of subdirectories(EXAMPLES_DIR)) {
    it(`${dir}: wired together, and to the modules it calls`, async () => {
      assert.deepEqual(await checkWiring(root, dir, { kind: "root" }), []);
    });
  }

  it(`${EXAMPLES_DIR}/operator-migration: step 3 (post-operator.tf in place of pre-operator.tf) is wired too`, async () => {
    const dir = `${EXAMPLES_DIR}/operator-migration`;
    const swap = { "pre-operator.tf": "post-operator.tf.disabled" };
    const post = await readModule(root, dir, swap);
    assert.ok(post.files.includes(`${dir}/post-operator.tf.disabled`));
    assert.ok(!post.modules.has("wandb_app"), "step 3 removes the pre-operator app");
    assert.deepEqual(await checkWiring(root, dir, { kind: "root", swap }), []);
  });

  for (const dir of MODULE_DIRS) {
    it(`${dir}/README.md: the inputs and outputs tables are current (run node scripts/gen-terraform-docs.ts)`, async () => {
      const readme = readFileSync(join(root, dir, "README.md"), "utf8");
      assert.equal(readme, withSection(readme, section(await readModule(root, dir))));
    });
  }
});

describe(`the examples are the W&B docs' snippets (${SEEDS_DIR}) with local module sources`, () => {
  for (const { example, fixture, base, added = {} } of SEEDS) {
    it(`${example} mirrors ${fixture}`, () => {
      assert.ok(existsSync(join(root, fixture)), `${fixture} is missing`);
      assert.ok(existsSync(join(root, example)), `${example} is missing`);
      // A file of the fixture, else of its base.
      const source = (name: string): string =>
        existsSync(join(root, fixture, name)) || !base ? join(root, fixture, name) : join(root, base, name);
      const files = [...new Set([...terraformFiles(fixture), ...(base ? terraformFiles(base) : [])])].sort();
      assert.deepEqual(
        terraformFiles(example).filter((name) => !(name in added)),
        files,
        "the example has the snippet's .tf and .tfvars files, and only the added ones besides",
      );
      for (const name of Object.keys(added))
        assert.ok(existsSync(join(root, example, name)), `${example}/${name} (listed as added) exists`);
      for (const name of files) {
        assert.deepEqual(
          comparableLines(readFileSync(join(root, example, name), "utf8")),
          comparableLines(readFileSync(source(name), "utf8")),
          `${example}/${name} differs from ${fixture}/${name} other than in module sources and versions`,
        );
      }
    });
  }

  it(`every snippet in ${SEEDS_DIR} has an example`, () => {
    const mirrored = new Set(SEEDS.map((seed) => seed.fixture));
    assert.deepEqual(
      subdirectories(SEEDS_DIR).filter((dir) => !mirrored.has(dir)),
      [],
      "add the example to SEEDS in scripts/terraform/terraform.test.ts",
    );
  });
});

// ---- the checker itself, on samples -------------------------------------------------------------

const scratch: string[] = [];
after(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A scratch directory holding FILES (paths relative to it). */
function sample(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ballast-terraform-"));
  scratch.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A module `child` and a root config `root` calling it, correctly wired; tests change one file. */
const WIRED: Record<string, string> = {
  "child/variables.tf": `
variable "name" {
  type        = string
  description = "The name."
}
variable "size" {
  type    = number
  default = 1
}
variable "legacy" {
  type        = string
  default     = null
  description = "Accepted for compatibility with older callers; ignored."
}
`,
  "child/main.tf": `
locals {
  label = "\${var.name}-\${var.size}"
}
resource "null_resource" "this" {
  triggers = { label = local.label }
}
`,
  "child/outputs.tf": `
output "id" {
  value       = null_resource.this.id
  description = "The id."
}
`,
  "root/main.tf": `
module "child" {
  source = "../child"
  name   = var.name
}
output "child_id" {
  value = module.child.id
}
`,
  "root/variables.tf": `
variable "name" {
  type = string
}
`,
  "root/terraform.tfvars": `name = "x"\n`,
};

async function problems(changes: Record<string, string>, dir = "root"): Promise<string[]> {
  return checkWiring(sample({ ...WIRED, ...changes }), dir);
}

describe("the wiring check", () => {
  it("finds nothing wrong in a correctly wired sample", async () => {
    assert.deepEqual(await problems({}), []);
    assert.deepEqual(await problems({}, "child"), []);
  });

  it("catches a variable used but not declared", async () => {
    const found = await problems({
      "root/main.tf": `${WIRED["root/main.tf"]}\noutput "more" {\n  value = var.undeclared\n}\n`,
    });
    assert.deepEqual(found, [
      'root/main.tf: var.undeclared is used, but no variable "undeclared" is declared in root',
    ]);
  });

  it("catches a variable declared but not used, unless it is marked as kept for compatibility", async () => {
    const found = await problems({
      "root/variables.tf": `${WIRED["root/variables.tf"]}\nvariable "spare" {}\n`,
    });
    assert.equal(found.length, 1);
    assert.match(found[0] ?? "", /^root\/variables\.tf: variable "spare" is declared but never used/);
    // child's "legacy" is unused too, and marked: no problem (the first test).
    assert.deepEqual(
      await checkWiring(
        sample({ ...WIRED, "root/variables.tf": `${WIRED["root/variables.tf"]}\nvariable "spare" {}\n` }),
        "root",
        {
          kind: "root",
        },
      ),
      [],
      "a root configuration may declare a variable it does not use",
    );
  });

  it("catches a local used but not defined", async () => {
    const found = await problems(
      { "child/main.tf": (WIRED["child/main.tf"] ?? "").replace("local.label", "local.lable") },
      "child",
    );
    assert.deepEqual(found, [
      'child/main.tf: local.lable is used, but no local value "lable" is defined in child',
    ]);
  });

  it("catches a module argument the module does not declare", async () => {
    const found = await problems({
      "root/main.tf": (WIRED["root/main.tf"] ?? "").replace(
        "name   = var.name",
        "name   = var.name\n  colour = 1",
      ),
    });
    assert.deepEqual(found, ['root/main.tf: module "child" sets "colour", which ../child does not declare']);
  });

  it("catches a required module argument not given", async () => {
    const found = await problems({
      "root/main.tf": `module "child" {\n  source = "../child"\n}\noutput "n" {\n  value = var.name\n}\n`,
    });
    assert.deepEqual(found, ['root/main.tf: module "child" does not set "name", which ../child requires']);
  });

  it("catches a module output that does not exist", async () => {
    const found = await problems({
      "root/main.tf": (WIRED["root/main.tf"] ?? "").replace(
        "module.child.id",
        'module.child["a"].identifier',
      ),
    });
    assert.deepEqual(found, [
      'root/main.tf: module.child.identifier is used, but ../child has no output "identifier"',
    ]);
  });

  it("catches a .tfvars key that is not a declared variable", async () => {
    const found = await problems({ "root/terraform.tfvars": `name = "x"\nregion = "eu"\n` });
    assert.deepEqual(found, ['root/terraform.tfvars: sets "region", which root does not declare']);
  });

  it("catches registry sources, which cannot be resolved offline, and versions on local sources", async () => {
    const registry = await problems({
      "root/main.tf": (WIRED["root/main.tf"] ?? "").replace('"../child"', '"wandb/wandb/aws"'),
    });
    assert.deepEqual(registry, [
      'root/main.tf: module "child" has source "wandb/wandb/aws", which is not resolvable offline (use a path in this repository)',
    ]);
    const versioned = await problems({
      "root/main.tf": (WIRED["root/main.tf"] ?? "").replace('"../child"', '"../child"\n  version = "1.0.0"'),
    });
    assert.deepEqual(versioned, [
      'root/main.tf: module "child" has a version, which Terraform refuses for a local source ("../child")',
    ]);
  });

  it("catches a data source or resource of a declared type that is not declared", async () => {
    const found = await problems(
      {
        "child/outputs.tf": `output "id" {\n  value = null_resource.that.id\n}\noutput "d" {\n  value = data.http.x.body\n}\n`,
      },
      "child",
    );
    assert.deepEqual(found, [
      "child/outputs.tf: data.http.x is used, but not declared in child",
      'child/outputs.tf: null_resource.that is used, but no resource "null_resource" "that" is declared in child',
    ]);
  });
});

describe("the HCL model", () => {
  it("names the file and line of a parse error", async () => {
    await assert.rejects(
      parseHcl("dir/main.tf", 'variable "x" {\n  type =\n}\n'),
      /^Error: dir\/main\.tf:2:/,
    );
  });

  it("finds references in expressions, not in string literals, comments or escapes", () => {
    // Templates as hcl2json gives them (Terraform's ${…} escaped as \${…}), with the references they make.
    const cases: [string, string[]][] = [
      [`var.literal and $\${var.escaped} and \${var.used}`, ["var:used"]],
      [
        `\${jsonencode({\n  a = <<EOT\nvar.text \${local.inner}\nEOT\n  b = "var.q \${var.q}"\n  # var.comment\n})}`,
        ["local:inner", "var:q"],
      ],
      [`%{ if var.on }\${module.m["k"].url}%{ endif }\${module.n}`, ["var:on", "module:m.url", "module:n"]],
      [`\${data.aws_caller_identity.this.account_id}`, ["data:aws_caller_identity.this"]],
      [
        `\${each.value} \${path.module} \${upper(var.x)} \${[for s in var.l : s.name]}`,
        ["var:x", "var:l", "resource:s.name"],
      ],
    ];
    for (const [template, expected] of cases) {
      const found = scanReferences(template).map(
        (r) => `${r.kind}:${r.name}${r.output ? `.${r.output}` : ""}`,
      );
      assert.deepEqual(found, expected, template);
    }
  });

  it("compares an example with its snippet regardless of formatting, module sources and versions", () => {
    const snippet = `module "wandb" {\n  source  = "wandb/wandb/aws"\n  version = "~> 4.0"\n\n  name = "\${var.name}"\n}\n`;
    const example = `module "wandb" {\n  source = "../../aws"\n\n  name = var.name\n}\n`;
    assert.deepEqual(comparableLines(example), comparableLines(snippet));
    assert.notDeepEqual(comparableLines(example.replace("var.name", "var.other")), comparableLines(snippet));
    // Only the module block's own source and version: nested ones are content.
    const nested = (v: string) => `module "m" {\n  source = "x"\n  tags = {\n    version = "${v}"\n  }\n}\n`;
    assert.notDeepEqual(comparableLines(nested("1")), comparableLines(nested("2")));
  });

  it("renders the README tables: required inputs first, types and defaults on one line", async () => {
    const dir = sample({
      "m/variables.tf": `
variable "zone" {
  type        = string
  description = "The zone."
}
variable "b" {
  type = object({
    a = string # why
    n = optional(number, 1)
  })
  default = { a = "x" }
}
variable "a" {
  type      = string
  default   = null
  sensitive = true
}
`,
      "m/outputs.tf": `output "url" {\n  value       = var.zone\n  description = "Where | it is, <host>."\n}\n`,
    });
    const module = await readModule(dir, "m");
    assert.equal(
      inputsTable(module),
      [
        "| Name | Type | Default | Required | Description |",
        "| --- | --- | --- | --- | --- |",
        "| `zone` | `string` | n/a | yes | The zone. |",
        "| `a` | `string` | `null` | no | (sensitive) |",
        '| `b` | `object({ a = string, n = optional(number, 1) })` | `{ a = "x" }` | no |  |',
      ].join("\n"),
    );
    assert.equal(
      outputsTable(module),
      "| Name | Description |\n| --- | --- |\n| `url` | Where \\| it is, &lt;host>. |",
    );
    const readme = withSection("# m\n", section(module), true);
    assert.equal(withSection(readme, section(module)), readme);
    assert.throws(() => withSection("# m\n", section(module)), /no <!-- terraform:start -->/);
  });
});
