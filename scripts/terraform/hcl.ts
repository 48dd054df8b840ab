/**
 * A model of a Terraform module directory, read from its `.tf` files without terraform or tofu:
 * the variables, outputs, module calls, resources, data sources and locals it declares, and the
 * references (`var.x`, `local.x`, `module.m.out`, `data.t.n`, `t.n`) its expressions make.
 * scripts/terraform/wiring.ts checks these against each other, scripts/terraform/docs.ts renders
 * the READMEs' tables from them, and scripts/terraform/terraform.test.ts runs both in the unit pass.
 *
 * The parser is @cdktf/hcl2json, HashiCorp's HCL library compiled to WebAssembly. Its JSON:
 * - a block becomes a key per label level, ending in an array with one object per block (so a
 *   duplicate shows as a second entry): `variable "x" {…}` → {variable: {x: [{…}]}},
 *   `resource "t" "n" {…}` → {resource: {t: {n: [{…}]}}}, `locals {…}` → {locals: [{…}]},
 *   `terraform {…}` → {terraform: [{…}]}; nested blocks are arrays of objects the same way;
 * - literal values stay JSON values (`default = 3` → 3, `default = null` → null, a missing
 *   attribute is a missing key);
 * - every other expression becomes a string holding its source text as a template:
 *   `var.x` → "${var.x}", `"a-${var.x}"` → "a-${var.x}", `type = string` → "${string}", a heredoc
 *   → its text; directives are kept as `%{…}`, escapes as `$${` / `%%{`, and an expression keeps its
 *   comments, line breaks and nested heredocs verbatim.
 * References are found by lexing the `${…}` / `%{…}` parts of those strings (lex and
 * scanReferences in ./hcl-syntax.ts). Limits of that scan, all rare in module code:
 * - literal text is never scanned, so a reference spelled inside a string literal ("var.x", a
 *   policy document's text) is not one, but neither is anything a function builds from strings;
 * - `TYPE.NAME` is recognised by shape only: `x.y` whose root is not a known keyword is recorded as
 *   a resource reference, so for-expression and dynamic-block iterators (`s.name`, `rule.value`)
 *   are recorded too; scripts/terraform/wiring.ts only checks those whose TYPE is a resource type
 *   the directory declares;
 * - `.tf.json` files and `override.tf` merging are not modelled.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, posix } from "node:path";
import { scanReferences, soleInterpolation } from "./hcl-syntax.ts";

/** The modules this repository ships; each has a README.md with generated tables. */
export const MODULE_DIRS = ["deploy/terraform/aws", "deploy/terraform/kubernetes", "deploy/terraform/helm"];
export const EXAMPLES_DIR = "deploy/terraform/examples";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

// Loaded through require rather than imported: the package's .d.ts pulls in the DOM lib
// (`/// <reference lib="dom" />`), which would make browser globals type-check in all server code.
const hcl2json = createRequire(import.meta.url)("@cdktf/hcl2json") as {
  parse(filename: string, contents: string): Promise<unknown>;
};

export interface Variable {
  readonly name: string;
  readonly file: string;
  /** The type constraint's source text (`list(string)`), undefined when there is none (any). */
  readonly type: string | undefined;
  readonly hasDefault: boolean;
  /** The default as JSON (expressions as "${…}" strings); undefined when there is none. */
  readonly default: Json | undefined;
  readonly description: string | undefined;
  readonly sensitive: boolean;
  readonly nullable: boolean;
  /** No default: a caller must set it (`default = null` makes a variable optional). */
  readonly required: boolean;
}

export interface Output {
  readonly name: string;
  readonly file: string;
  readonly description: string | undefined;
  readonly sensitive: boolean;
}

export interface ModuleCall {
  readonly name: string;
  readonly file: string;
  readonly source: string | undefined;
  readonly version: string | undefined;
  /** Every argument given, meta-arguments included, with its expression's text. */
  readonly arguments: ReadonlyMap<string, string>;
}

export type ReferenceKind = "var" | "local" | "module" | "data" | "resource";

export interface Reference {
  readonly kind: ReferenceKind;
  /** var/local: the name; module: the call's name; data/resource: `TYPE.NAME`. */
  readonly name: string;
  /** For module references, the output read (`module.m.out`), when one is. */
  readonly output?: string;
  readonly file: string;
  /** The block it occurs in: `variable.x`, `local.x`, `module.m`, `resource.t.n`, `terraform`, … */
  readonly from: string;
}

export interface TerraformModule {
  readonly dir: string;
  readonly files: readonly string[];
  readonly variables: ReadonlyMap<string, Variable>;
  readonly outputs: ReadonlyMap<string, Output>;
  readonly modules: ReadonlyMap<string, ModuleCall>;
  /** `TYPE.NAME` of each resource and data block. */
  readonly resources: ReadonlySet<string>;
  readonly data: ReadonlySet<string>;
  /** Local value name → the file defining it. */
  readonly locals: ReadonlyMap<string, string>;
  readonly references: readonly Reference[];
  /** Things declared twice, as readable problems (Terraform refuses them). */
  readonly duplicates: readonly string[];
}

export interface Tfvars {
  readonly file: string;
  readonly keys: readonly string[];
}

/** Parses one .tf or .tfvars text; errors name the file, line and column. */
export async function parseHcl(file: string, text: string): Promise<JsonObject> {
  let json: unknown;
  try {
    json = await hcl2json.parse(file, text);
  } catch (error) {
    // hcl2json reports "parse config: [main.tf:2,10-3,1: Invalid expression; Expected …]".
    const message = error instanceof Error ? error.message : String(error);
    const at = /:(\d+),(\d+)-[\d,]+: (.*?)\]?$/s.exec(message);
    throw new Error(
      at ? `${file}:${at[1]}:${at[2]}: ${at[3]}` : `${file}: ${message.replace(/^parse config: /, "")}`,
    );
  }
  if (!isObject(json)) throw new Error(`${file}: hcl2json returned ${JSON.stringify(json)}`);
  return json;
}

/** The `.tf` (or `.tfvars`) files directly in DIR (relative to ROOT), sorted, as `DIR/name`. */
export function filesIn(root: string, dir: string, extension: ".tf" | ".tfvars"): string[] {
  let names: string[];
  try {
    names = readdirSync(join(root, dir));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith(extension) && statSync(join(root, dir, name)).isFile())
    .sort()
    .map((name) => posix.join(dir, name));
}

/**
 * Reads the module in DIR (relative to ROOT); its files are named relative to ROOT in the model.
 * `swap` reads another file of DIR in place of one (`{"pre-operator.tf": "post-operator.tf.disabled"}`),
 * for a configuration that is switched by renaming files.
 */
export async function readModule(
  root: string,
  dir: string,
  swap: Readonly<Record<string, string>> = {},
): Promise<TerraformModule> {
  const files = filesIn(root, dir, ".tf").map((file) => {
    const replacement = swap[posix.basename(file)];
    return replacement ? posix.join(dir, replacement) : file;
  });
  const variables = new Map<string, Variable>();
  const outputs = new Map<string, Output>();
  const modules = new Map<string, ModuleCall>();
  const resources = new Set<string>();
  const data = new Set<string>();
  const locals = new Map<string, string>();
  const references: Reference[] = [];
  const duplicates: string[] = [];
  const once = <T>(map: Map<string, T>, key: string, file: string, what: string, value: T) => {
    if (map.has(key)) duplicates.push(`${file}: ${what} is declared more than once`);
    else map.set(key, value);
  };

  // Sequentially: the WebAssembly bridge is one Go program, and the order keeps problems stable.
  for (const file of files) {
    const json = await parseHcl(file, readFileSync(join(root, file), "utf8"));
    const collect = (value: Json, from: string) => {
      for (const template of strings(value)) {
        for (const ref of scanReferences(template)) references.push({ ...ref, file, from });
      }
    };
    for (const [blockType, content] of Object.entries(json)) {
      switch (blockType) {
        case "variable":
          for (const [name, body] of labelled(content)) {
            once(variables, name, file, `variable "${name}"`, variableOf(name, file, body));
            collect(body, `variable.${name}`);
          }
          break;
        case "output":
          for (const [name, body] of labelled(content)) {
            once(outputs, name, file, `output "${name}"`, {
              name,
              file,
              description: stringOf(body.description),
              sensitive: body.sensitive === true,
            });
            collect(body, `output.${name}`);
          }
          break;
        case "module":
          for (const [name, body] of labelled(content)) {
            const args = new Map(Object.entries(body).map(([arg, value]) => [arg, expressionText(value)]));
            once(modules, name, file, `module "${name}"`, {
              name,
              file,
              source: stringOf(body.source),
              version: stringOf(body.version),
              arguments: args,
            });
            collect(body, `module.${name}`);
          }
          break;
        case "resource":
        case "data":
          for (const [type, named] of entries(content)) {
            for (const [name, body] of labelled(named)) {
              const set = blockType === "data" ? data : resources;
              if (set.has(`${type}.${name}`))
                duplicates.push(`${file}: ${blockType} "${type}" "${name}" is declared more than once`);
              set.add(`${type}.${name}`);
              collect(body, `${blockType}.${type}.${name}`);
            }
          }
          break;
        case "locals":
          for (const block of Array.isArray(content) ? content : [content]) {
            for (const [name, value] of entries(block)) {
              once(locals, name, file, `local "${name}"`, file);
              collect(value, `local.${name}`);
            }
          }
          break;
        case "provider":
          for (const [name, body] of labelled(content)) collect(body, `provider.${name}`);
          break;
        default:
          collect(content, blockType);
      }
    }
  }
  return { dir, files, variables, outputs, modules, resources, data, locals, references, duplicates };
}

/** The keys each `.tfvars` file in DIR sets. */
export async function readTfvars(root: string, dir: string): Promise<Tfvars[]> {
  const out: Tfvars[] = [];
  for (const file of filesIn(root, dir, ".tfvars")) {
    out.push({ file, keys: Object.keys(await parseHcl(file, readFileSync(join(root, file), "utf8"))) });
  }
  return out;
}

function variableOf(name: string, file: string, body: JsonObject): Variable {
  const hasDefault = "default" in body;
  return {
    name,
    file,
    type: body.type === undefined ? undefined : expressionText(body.type),
    hasDefault,
    default: body.default,
    description: stringOf(body.description),
    sensitive: body.sensitive === true,
    nullable: body.nullable !== false,
    required: !hasDefault,
  };
}

// ---- JSON helpers ---------------------------------------------------------------------------

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function entries(value: Json | undefined): [string, Json][] {
  return isObject(value) ? Object.entries(value) : [];
}

/** `{label: [body, body…]}` → [label, body] pairs, one per block. */
function labelled(value: Json | undefined): [string, JsonObject][] {
  return entries(value).flatMap(([label, bodies]) =>
    (Array.isArray(bodies) ? bodies : [bodies])
      .filter(isObject)
      .map((body): [string, JsonObject] => [label, body]),
  );
}

function stringOf(value: Json | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Every string in a JSON value, object keys included (a key can be an interpolated expression). */
function* strings(value: Json): Generator<string> {
  if (typeof value === "string") yield value;
  else if (Array.isArray(value)) for (const item of value) yield* strings(item);
  else if (isObject(value))
    for (const [key, item] of Object.entries(value)) {
      yield key;
      yield* strings(item);
    }
}

// ---- expressions ----------------------------------------------------------------------------

/**
 * The HCL text of a JSON value from hcl2json: "${x}" alone → `x`, other strings quoted (a
 * template), lists and objects on one line. For module arguments and the READMEs' defaults.
 */
export function expressionText(value: Json): string {
  if (typeof value === "string") {
    const inner = soleInterpolation(value);
    return inner ?? JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(expressionText).join(", ")}]`;
  if (isObject(value)) {
    const items = Object.entries(value).map(
      ([key, item]) =>
        `${/^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key)} = ${expressionText(item)}`,
    );
    return items.length === 0 ? "{}" : `{ ${items.join(", ")} }`;
  }
  return String(value);
}

/**
 * An expression's text on one line: comments dropped, lines joined with ", " where a line break
 * separated two items (`object({\n a = string\n b = number\n})` → `object({ a = string, b = number })`).
 */
export function compactExpression(text: string): string {
  const lines = text
    .split("\n")
    .map((line) => withoutComment(line).trim())
    .filter(Boolean);
  let out = "";
  for (const line of lines) {
    if (out === "") out = line;
    else if (/[{([,]$/.test(out) || /^[})\]]/.test(line)) out += ` ${line}`;
    else out += `, ${line}`;
  }
  return out;
}

function withoutComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted && c === "\\") i += 1;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "#" || line.startsWith("//", i))) return line.slice(0, i);
  }
  return line;
}
