/**
 * The providers' schemas, without the providers: `tofu validate` needs the provider binaries, which
 * only the Terraform registry serves, so instead the argument names and nesting of every resource
 * and data source come from the jsii assemblies of HashiCorp's prebuilt CDK for Terraform bindings
 * (`@cdktf/provider-aws` and friends on npm), which are generated from the providers' own schemas.
 * scripts/setup-terraform-tools.sh downloads them into .cache/terraform-schemas.
 *
 * In an assembly, a resource is a class whose summary reads "Represents a {@link …/docs/resources/
 * s3_bucket aws_s3_bucket}"; its `config` parameter is a struct with one property per argument and
 * nested block, each documented with a link ending `#<argument_name>` (the exact snake_case name),
 * optional unless the provider requires it, and typed with a struct when it nests.
 *
 * checkSchema reports, for the resource and data blocks of a module: unknown types, unknown
 * arguments or nested blocks (also inside `dynamic` blocks), and missing required arguments. Values
 * are not type-checked.
 */
import { readFileSync } from "node:fs";
import type { Json } from "./hcl.ts";

interface Field {
  readonly required: boolean;
  /** The struct of a nested block (or object attribute), by jsii name. */
  readonly nested: string | undefined;
}

type Block = ReadonlyMap<string, Field>;

export interface ProviderSchema {
  /** `aws`, from the resource types' common prefix. */
  readonly provider: string;
  readonly resources: ReadonlyMap<string, Block>;
  readonly data: ReadonlyMap<string, Block>;
  readonly blocks: ReadonlyMap<string, Block>;
}

interface JsiiType {
  readonly kind?: string;
  readonly datatype?: boolean;
  readonly docs?: { readonly summary?: string };
  readonly initializer?: { readonly parameters?: readonly { name: string; type: JsiiRef }[] };
  readonly properties?: readonly {
    readonly name: string;
    readonly optional?: boolean;
    readonly static?: boolean;
    readonly type: JsiiRef;
    readonly docs?: { readonly summary?: string };
  }[];
}

type JsiiRef = { readonly [key: string]: unknown };

const REPRESENTS =
  /Represents a \{@link https:\/\/registry\.terraform\.io\/\S+\/docs\/(resources|data-sources)\/\S+ (\w+)\}/;

/** Reads one assembly (`.jsii`) into a schema. */
export function readProviderSchema(file: string): ProviderSchema {
  const assembly = JSON.parse(readFileSync(file, "utf8")) as { types: Record<string, JsiiType> };
  const types = assembly.types;
  const blocks = new Map<string, Block>();
  const resources = new Map<string, Block>();
  const data = new Map<string, Block>();

  const blockOf = (fqn: string): Block => {
    const known = blocks.get(fqn);
    if (known) return known;
    const fields = new Map<string, Field>();
    blocks.set(fqn, fields);
    for (const property of types[fqn]?.properties ?? []) {
      if (property.static) continue;
      const anchor = /#(\w+) /.exec(property.docs?.summary ?? "")?.[1];
      const nested = structIn(property.type, types);
      fields.set(anchor ?? snakeCase(property.name), { required: property.optional !== true, nested });
      if (nested) blockOf(nested);
    }
    return fields;
  };

  for (const type of Object.values(types)) {
    if (type.kind !== "class") continue;
    const match = REPRESENTS.exec(type.docs?.summary ?? "");
    const config = type.initializer?.parameters?.find((p) => p.name === "config")?.type.fqn;
    if (!match || typeof config !== "string") continue;
    (match[1] === "resources" ? resources : data).set(match[2] ?? "", blockOf(config));
  }
  const first = [...resources.keys()][0] ?? "";
  return { provider: first.split("_")[0] ?? "", resources, data, blocks };
}

/** The struct a property's type names (directly, in a collection or in a union), if any. */
function structIn(ref: unknown, types: Record<string, JsiiType>): string | undefined {
  if (!ref || typeof ref !== "object") return undefined;
  const fqn = (ref as JsiiRef).fqn;
  if (typeof fqn === "string") return types[fqn]?.datatype ? fqn : undefined;
  for (const value of Object.values(ref as JsiiRef)) {
    const inner = Array.isArray(value)
      ? value.map((v) => structIn(v, types)).find(Boolean)
      : structIn(value, types);
    if (inner) return inner;
  }
  return undefined;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Terraform's own arguments of every resource and data block. */
const META = new Set([
  "count",
  "for_each",
  "depends_on",
  "lifecycle",
  "provider",
  "provisioner",
  "connection",
]);

/**
 * The problems of FILE's `resource` and `data` blocks (hcl2json's JSON of it) against the
 * schemas, as sentences naming the file and the block.
 */
export function checkSchema(file: string, json: Json, schemas: readonly ProviderSchema[]): string[] {
  const problems: string[] = [];
  if (!json || typeof json !== "object" || Array.isArray(json)) return problems;
  for (const [kind, label] of [
    ["resource", "resource"],
    ["data", "data source"],
  ] as const) {
    for (const [type, named] of objectEntries(json[kind])) {
      const schema = schemas.find((s) => type.startsWith(`${s.provider}_`));
      if (!schema) {
        problems.push(`${file}: ${label} type ${type} belongs to no provider with a schema here`);
        continue;
      }
      const block = (kind === "resource" ? schema.resources : schema.data).get(type);
      for (const [name, bodies] of objectEntries(named)) {
        const where = `${file}: ${kind === "data" ? "data." : ""}${type}.${name}`;
        if (!block) {
          problems.push(`${where}: ${schema.provider} has no ${label} ${type}`);
          continue;
        }
        for (const body of objectsOf(bodies)) checkBlock(where, body, block, schema, problems, true);
      }
    }
  }
  return problems;
}

function checkBlock(
  where: string,
  body: Record<string, Json>,
  block: Block,
  schema: ProviderSchema,
  problems: string[],
  top: boolean,
): void {
  const given = new Set<string>();
  for (const [key, value] of Object.entries(body)) {
    if (top && META.has(key)) continue;
    if (key === "dynamic") {
      for (const [name, dynamics] of objectEntries(value)) {
        given.add(name);
        const field = block.get(name);
        if (!field?.nested) {
          problems.push(`${where}: dynamic "${name}" is not a nested block of this type`);
          continue;
        }
        const nested = schema.blocks.get(field.nested) ?? new Map();
        for (const dynamic of objectsOf(dynamics))
          for (const content of objectsOf(dynamic.content))
            checkBlock(`${where}.${name}`, content, nested, schema, problems, false);
      }
      continue;
    }
    given.add(key);
    const field = block.get(key);
    if (!field) {
      problems.push(`${where}: "${key}" is not an argument or block of this type`);
      continue;
    }
    if (field.nested) {
      const nested = schema.blocks.get(field.nested) ?? new Map();
      for (const inner of objectsOf(value))
        checkBlock(`${where}.${key}`, inner, nested, schema, problems, false);
    }
  }
  for (const [name, field] of block) {
    if (field.required && !given.has(name)) problems.push(`${where}: the required "${name}" is missing`);
  }
}

function objectEntries(value: Json | undefined): [string, Json][] {
  return value && typeof value === "object" && !Array.isArray(value) ? Object.entries(value) : [];
}

/** A block's bodies: hcl2json gives a list of objects; an object attribute is one object. */
function objectsOf(value: Json | undefined): Record<string, Json>[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter(
    (item): item is Record<string, Json> => !!item && typeof item === "object" && !Array.isArray(item),
  );
}
