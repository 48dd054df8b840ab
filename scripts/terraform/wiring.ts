/**
 * Checks that a directory of Terraform files is wired together, the part of `tofu validate` that
 * needs no provider (providers cannot be downloaded here, so validate cannot run): variables used
 * are declared and variables declared are used, locals used are defined, calls of modules in this
 * repository (local `source`) set only arguments those modules declare and every one they
 * require, read only outputs they have, and `.tfvars` files set only declared variables.
 * Used by scripts/terraform/terraform.test.ts on deploy/terraform's modules and examples.
 */
import { posix } from "node:path";
import { filesIn, type ModuleCall, readModule, readTfvars, type TerraformModule } from "./hcl.ts";

/** Arguments of a module block that are Terraform's, not the called module's variables. */
const META_ARGUMENTS = new Set(["source", "version", "providers", "depends_on", "count", "for_each"]);

/** A variable whose description starts so is kept for callers' sake, and need not be used. */
export const COMPATIBILITY_MARKER = "Accepted for compatibility";

export function isLocalSource(source: string): boolean {
  return source.startsWith("./") || source.startsWith("../");
}

export interface WiringOptions {
  /**
   * "module" (the default) also reports variables declared but never used: a module's dead input
   * silently ignores what a caller sets. A root configuration ("root") may carry one: the W&B
   * docs' snippets, which deploy/terraform/examples copy verbatim, declare `license` and never use it.
   */
  readonly kind?: "module" | "root";
  /** Files of DIR read in place of others (see readModule). */
  readonly swap?: Readonly<Record<string, string>>;
}

/**
 * The problems found in DIR (relative to ROOT), as readable sentences starting with the file they
 * are in, sorted and each once; an empty list when there are none.
 */
export async function checkWiring(root: string, dir: string, options: WiringOptions = {}): Promise<string[]> {
  const module = await readModule(root, dir, options.swap);
  if (module.files.length === 0) return [`${dir}: no .tf files`];
  const problems = [...module.duplicates];
  const targets = new Map<string, TerraformModule | null>();

  for (const ref of module.references) {
    if (ref.kind === "var" && !module.variables.has(ref.name))
      problems.push(
        `${ref.file}: var.${ref.name} is used, but no variable "${ref.name}" is declared in ${dir}`,
      );
    if (ref.kind === "local" && !module.locals.has(ref.name))
      problems.push(
        `${ref.file}: local.${ref.name} is used, but no local value "${ref.name}" is defined in ${dir}`,
      );
    if (ref.kind === "data" && !module.data.has(ref.name))
      problems.push(`${ref.file}: data.${ref.name} is used, but not declared in ${dir}`);
    // Only for declared resource types: `x.y` may also be an iterator (see hcl.ts).
    const type = ref.name.split(".")[0] ?? "";
    if (ref.kind === "resource" && !module.resources.has(ref.name) && declaresType(module, type))
      problems.push(
        `${ref.file}: ${ref.name} is used, but no resource "${type}" "${ref.name.slice(type.length + 1)}" is declared in ${dir}`,
      );
    if (ref.kind === "module" && !module.modules.has(ref.name))
      problems.push(
        `${ref.file}: module.${ref.name} is used, but no module "${ref.name}" is declared in ${dir}`,
      );
  }

  for (const variable of options.kind === "root" ? [] : module.variables.values()) {
    const used = module.references.some(
      (ref) => ref.kind === "var" && ref.name === variable.name && ref.from !== `variable.${variable.name}`,
    );
    if (!used && !variable.description?.startsWith(COMPATIBILITY_MARKER))
      problems.push(
        `${variable.file}: variable "${variable.name}" is declared but never used (remove it, or start its description with "${COMPATIBILITY_MARKER}")`,
      );
  }

  for (const call of module.modules.values()) {
    const target = await calledModule(root, dir, call, targets, problems);
    if (target === undefined) continue;
    const where = `${call.file}: module "${call.name}"`;
    for (const argument of call.arguments.keys()) {
      if (!META_ARGUMENTS.has(argument) && !target.variables.has(argument))
        problems.push(`${where} sets "${argument}", which ${call.source} does not declare`);
    }
    for (const variable of target.variables.values()) {
      if (variable.required && !call.arguments.has(variable.name))
        problems.push(`${where} does not set "${variable.name}", which ${call.source} requires`);
    }
    for (const ref of module.references) {
      if (
        ref.kind === "module" &&
        ref.name === call.name &&
        ref.output !== undefined &&
        !target.outputs.has(ref.output)
      )
        problems.push(
          `${ref.file}: module.${call.name}.${ref.output} is used, but ${call.source} has no output "${ref.output}"`,
        );
    }
  }

  const declared = new Set(module.variables.keys());
  for (const tfvars of await readTfvars(root, dir)) {
    for (const key of tfvars.keys) {
      if (!declared.has(key)) problems.push(`${tfvars.file}: sets "${key}", which ${dir} does not declare`);
    }
  }
  return [...new Set(problems)].sort();
}

function declaresType(module: TerraformModule, type: string): boolean {
  for (const address of module.resources) if (address.startsWith(`${type}.`)) return true;
  return false;
}

/** The module a call's local source names, read once per path; undefined (and a problem) if none. */
async function calledModule(
  root: string,
  dir: string,
  call: ModuleCall,
  cache: Map<string, TerraformModule | null>,
  problems: string[],
): Promise<TerraformModule | undefined> {
  const where = `${call.file}: module "${call.name}"`;
  if (call.source === undefined) {
    problems.push(`${where} has no source`);
    return undefined;
  }
  if (!isLocalSource(call.source)) {
    problems.push(
      `${where} has source "${call.source}", which is not resolvable offline (use a path in this repository)`,
    );
    return undefined;
  }
  if (call.version !== undefined)
    problems.push(`${where} has a version, which Terraform refuses for a local source ("${call.source}")`);
  const path = posix.normalize(posix.join(dir, call.source));
  if (!cache.has(path))
    cache.set(path, filesIn(root, path, ".tf").length === 0 ? null : await readModule(root, path));
  const target = cache.get(path) ?? undefined;
  if (target === undefined)
    problems.push(`${where} has source "${call.source}", but ${path} has no .tf files`);
  return target;
}
