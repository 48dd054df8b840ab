/**
 * The inputs and outputs tables of the Terraform modules' READMEs, generated from the modules'
 * variable and output blocks (scripts/terraform/hcl.ts), between `<!-- terraform:start -->` and
 * `<!-- terraform:end -->`. `node scripts/gen-terraform-docs.ts` rewrites them;
 * scripts/terraform/terraform.test.ts fails on drift, so a README never documents an input the
 * module no longer has.
 */
import { compactExpression, expressionText, type TerraformModule } from "./hcl.ts";

export const START = "<!-- terraform:start -->";
export const END = "<!-- terraform:end -->";

function cell(text: string): string {
  return text
    .replace(/\|/g, "\\|")
    .replace(/\s*\n\s*/g, " ")
    .trim();
}

function code(text: string): string {
  return `\`${cell(text)}\``;
}

/** Prose for a cell: `<namespace>` would be taken for an HTML tag and vanish. */
function prose(text: string): string {
  return cell(text).replace(/</g, "&lt;");
}

/** Inputs: required ones first, then by name; defaults and types on one line. */
export function inputsTable(module: TerraformModule): string {
  const variables = [...module.variables.values()].sort(
    (a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name),
  );
  if (variables.length === 0) return "None.";
  const rows = variables.map((v) => {
    const type = code(v.type === undefined ? "any" : compactExpression(v.type));
    const shown = v.hasDefault ? code(compactExpression(expressionText(v.default ?? null))) : "n/a";
    const description = [v.description ?? "", v.sensitive ? "(sensitive)" : ""].filter(Boolean).join(" ");
    return `| ${code(v.name)} | ${type} | ${shown} | ${v.required ? "yes" : "no"} | ${prose(description)} |`;
  });
  return [
    "| Name | Type | Default | Required | Description |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

export function outputsTable(module: TerraformModule): string {
  const outputs = [...module.outputs.values()].sort((a, b) => a.name.localeCompare(b.name));
  if (outputs.length === 0) return "None.";
  const rows = outputs.map((o) => {
    const description = [o.description ?? "", o.sensitive ? "(sensitive)" : ""].filter(Boolean).join(" ");
    return `| ${code(o.name)} | ${prose(description)} |`;
  });
  return ["| Name | Description |", "| --- | --- |", ...rows].join("\n");
}

/** What goes between the markers. */
export function section(module: TerraformModule): string {
  return `## Inputs\n\n${inputsTable(module)}\n\n## Outputs\n\n${outputsTable(module)}`;
}

/**
 * The README with its generated section replaced; a README without the markers gets them appended
 * when CREATE is set, and is an error otherwise (the drift test must not pass on a README that lost them).
 */
export function withSection(readme: string, generated: string, create = false): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 && end < 0 && create) return `${readme.trimEnd()}\n\n${START}\n${generated}\n${END}\n`;
  if (start < 0 || end < start) throw new Error(`the README has no ${START} … ${END} section`);
  return `${readme.slice(0, start + START.length)}\n${generated}\n${readme.slice(end)}`;
}
