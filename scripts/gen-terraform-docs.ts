/**
 * Regenerates the inputs and outputs tables of the Terraform modules' READMEs (deploy/terraform/*),
 * adding the markers at the end of a README that has none. Usage: node scripts/gen-terraform-docs.ts
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { section, withSection } from "./terraform/docs.ts";
import { MODULE_DIRS, readModule } from "./terraform/hcl.ts";

const root = join(import.meta.dirname, "..");
for (const dir of MODULE_DIRS) {
  const file = join(root, dir, "README.md");
  const readme = existsSync(file) ? readFileSync(file, "utf8") : `# ${basename(dir)}\n`;
  writeFileSync(file, withSection(readme, section(await readModule(root, dir)), true));
  console.log(`wrote ${dir}/README.md`);
}
