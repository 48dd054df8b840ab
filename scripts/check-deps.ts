/**
 * Enforces the dependency direction of DESIGN.md ("Layout"): core imports nothing of ours and no
 * node:*; the server imports core; the CLI imports the server's root export and core; inside the
 * server, domain/ never imports wandb/, api/ or http/, and stores/ are leaves; the web UI imports only
 * React and its own files. Fails on the first commit that breaks it. Usage: node scripts/check-deps.ts
 */
import { globSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

export interface Violation {
  readonly file: string;
  readonly specifier: string;
  readonly rule: string;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

export function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (specifier) found.push(specifier);
  }
  return found;
}

interface PackageRule {
  readonly root: string;
  /** Bare specifiers (packages) this package may import; `node:` builtins are governed by `node`. */
  readonly packages: readonly string[];
  readonly node: boolean;
  /** Relative imports must stay inside this directory (default: `root`). */
  readonly boundary?: string;
}

/** A store directory that alone may use its driver; it still imports the rest of the server's stores. */
function storeDriver(dir: string, packages: readonly string[]): PackageRule {
  return {
    root: `apps/server/src/stores/${dir}`,
    packages: ["@ballast/core", ...packages],
    node: true,
    boundary: "apps/server/src",
  };
}

const PACKAGES: readonly PackageRule[] = [
  { root: "packages/core/src", packages: [], node: false },
  // Each driver is known only to its store (listed before apps/server/src: the first matching root wins).
  storeDriver("objects", [
    "@aws-sdk/client-s3",
    "@aws-sdk/s3-request-presigner",
    "@azure/storage-blob",
    "@google-cloud/storage",
  ]),
  storeDriver("mysql", ["mysql2/promise"]),
  storeDriver("cache", ["redis"]),
  storeDriver("queue", ["@aws-sdk/client-sqs"]),
  // The management console (domain/console) reads the operator's resource and state through the shared deploy package.
  {
    root: "apps/server/src/domain/console",
    packages: ["@ballast/core", "@ballast/deploy"],
    node: true,
    boundary: "apps/server/src",
  },
  // LDAP sign-in: only the directory client file knows the LDAP library (a root may name one file).
  {
    root: "apps/server/src/domain/auth/ldap-directory.ts",
    packages: ["@ballast/core", "ldapts"],
    node: true,
    boundary: "apps/server/src",
  },
  // Outgoing mail (invitations, password resets): only the mailer file knows the SMTP client.
  {
    root: "apps/server/src/domain/mail/mailer.ts",
    packages: ["@ballast/core", "nodemailer"],
    node: true,
    boundary: "apps/server/src",
  },
  { root: "apps/server/src", packages: ["@ballast/core", "graphql"], node: true },
  // What the operator and the console share (the resource, specs, merge, masking, a Kubernetes client).
  { root: "packages/deploy/src", packages: ["yaml"], node: true },
  // The operator reaches the server only over HTTP (DESIGN.md): of ours it imports only the shared deploy package.
  { root: "apps/operator/src", packages: ["@ballast/deploy"], node: true },
  { root: "apps/cli/src", packages: ["@ballast/core", "@ballast/server", "@ballast/operator"], node: true },
  // Only the chart wrapper knows the chart library, so it can be swapped (issue 5); listed before
  // apps/web/src because the first matching root wins.
  {
    root: "apps/web/src/charts",
    packages: ["react", "uplot", "uplot/dist/uPlot.min.css"],
    node: false,
  },
  // The web UI runs in the browser and talks to the server over HTTP only: no server code, no node:*.
  { root: "apps/web/src", packages: ["react", "react-dom/client"], node: false },
];

/** Server-internal layers: files under `from` must not import files under any of `banned`. */
const LAYERS: readonly { from: string; banned: readonly string[]; rule: string }[] = [
  {
    from: "apps/server/src/domain/",
    banned: ["apps/server/src/wandb/", "apps/server/src/api/", "apps/server/src/http/"],
    rule: "domain/ never imports wandb/, api/ or http/",
  },
  {
    from: "apps/server/src/stores/",
    banned: [
      "apps/server/src/domain/",
      "apps/server/src/wandb/",
      "apps/server/src/api/",
      "apps/server/src/http/",
    ],
    rule: "stores/ are leaves",
  },
];

export function checkFile(file: string, source: string): Violation[] {
  const pkg = PACKAGES.find((p) => file === p.root || file.startsWith(`${p.root}/`));
  if (!pkg) return [];
  const violations: Violation[] = [];
  for (const specifier of importsOf(source)) {
    if (specifier.startsWith(".")) {
      const target = normalize(join(dirname(file), specifier));
      const boundary = pkg.boundary ?? pkg.root;
      if (!target.startsWith(`${boundary}/`)) {
        violations.push({ file, specifier, rule: `relative imports stay inside ${boundary}` });
        continue;
      }
      for (const layer of LAYERS) {
        if (file.startsWith(layer.from) && layer.banned.some((b) => target.startsWith(b))) {
          violations.push({ file, specifier, rule: layer.rule });
        }
      }
    } else if (specifier.startsWith("node:")) {
      if (!pkg.node) violations.push({ file, specifier, rule: `${pkg.root} may not use node: builtins` });
    } else if (!pkg.packages.includes(specifier)) {
      violations.push({
        file,
        specifier,
        rule: `${pkg.root} may import only ${pkg.packages.join(", ") || "its own files"}`,
      });
    }
  }
  return violations;
}

function main(): void {
  const root = join(dirname(new URL(import.meta.url).pathname), "..");
  const files = PACKAGES.flatMap((p) => globSync(`${p.root}/**/*.{ts,tsx}`, { cwd: root })).filter(
    (f) => !f.endsWith(".test.ts"),
  );
  const violations = files.flatMap((file) => checkFile(file, readFileSync(join(root, file), "utf8")));
  for (const v of violations) console.error(`${relative(".", v.file)}: imports "${v.specifier}" — ${v.rule}`);
  if (violations.length > 0) {
    console.error(`\n${violations.length} dependency-direction violation(s).`);
    process.exit(1);
  }
  console.log(`dependency direction: ${files.length} files checked, no violations`);
}

if (import.meta.main) main();
