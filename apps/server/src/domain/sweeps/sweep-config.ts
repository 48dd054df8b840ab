/**
 * A sweep configuration as W&B documents it (https://docs.wandb.ai/models/sweeps/define-sweep-configuration):
 * `method`, `metric {name, goal}`, `parameters` (possibly nested through `parameters:`), `run_cap`,
 * `program`, `command`. Parsed from the YAML (or JSON) text the client sends; the text itself is
 * kept verbatim because the agent reads it back with `yaml.safe_load`.
 */
import { AppError } from "@ballast/core";
import { parseYaml, type YamlValue } from "./yaml.ts";

export type SweepMethod = "grid" | "random" | "bayes";
export type Goal = "minimize" | "maximize";

export const DISTRIBUTIONS = [
  "constant",
  "categorical",
  "categorical_w_probs",
  "int_uniform",
  "uniform",
  "q_uniform",
  "log_uniform",
  "log_uniform_values",
  "q_log_uniform",
  "q_log_uniform_values",
  "inv_log_uniform",
  "inv_log_uniform_values",
  "normal",
  "q_normal",
  "log_normal",
  "q_log_normal",
] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** One leaf parameter; `path` has more than one part for nested `parameters:` blocks. */
export interface ParamSpec {
  readonly path: readonly string[];
  readonly distribution: Distribution;
  /** constant: [value]; categorical: the values. */
  readonly values: readonly YamlValue[];
  readonly probabilities: readonly number[] | null;
  readonly min: number;
  readonly max: number;
  readonly q: number;
  readonly mu: number;
  readonly sigma: number;
}

export interface SweepConfig {
  readonly method: SweepMethod;
  readonly metric: { readonly name: string; readonly goal: Goal } | null;
  /** Sorted by path, so the grid order does not depend on key order in the text. */
  readonly params: readonly ParamSpec[];
  readonly runCap: number | null;
  readonly program: string | null;
  readonly name: string | null;
  readonly description: string | null;
}

type YamlMap = { [key: string]: YamlValue };

function invalid(message: string): never {
  throw new AppError("INVALID_ARGUMENT", `Invalid sweep config: ${message}`);
}

function isMap(value: YamlValue | undefined): value is YamlMap {
  return value !== null && value !== undefined && typeof value === "object" && !Array.isArray(value);
}

function num(spec: YamlMap, key: string, fallback: number | null, where: string): number {
  const value = spec[key];
  if (value === undefined || value === null) {
    if (fallback === null) invalid(`${where} needs "${key}".`);
    return fallback;
  }
  if (typeof value !== "number" || Number.isNaN(value)) invalid(`${where}: "${key}" must be a number.`);
  return value;
}

/**
 * W&B's default when `distribution` is absent. The Python client fills it in for min/max pairs
 * before sending (`wandb/apis/public/sweeps.py: _validate_config_and_fill_distribution`), because
 * only it still knows whether `2.0` was a float; here `2.0` and `2` are the same number.
 */
function inferDistribution(spec: YamlMap, where: string): Distribution {
  if ("value" in spec) return "constant";
  if ("values" in spec) return "probabilities" in spec ? "categorical_w_probs" : "categorical";
  if ("min" in spec && "max" in spec) {
    return Number.isInteger(spec.min) && Number.isInteger(spec.max) ? "int_uniform" : "uniform";
  }
  if ("mu" in spec || "sigma" in spec) return "normal";
  return invalid(`${where} needs "value", "values", "min"/"max" or a "distribution".`);
}

function parseParam(path: string[], spec: YamlMap): ParamSpec {
  const where = `parameter "${path.join(".")}"`;
  const given = spec.distribution;
  if (given !== undefined && !DISTRIBUTIONS.includes(given as Distribution))
    invalid(`${where} has unknown distribution ${JSON.stringify(given)}.`);
  const distribution = (given as Distribution | undefined) ?? inferDistribution(spec, where);
  let values: YamlValue[] = [];
  let probabilities: number[] | null = null;
  if (distribution === "constant") {
    if (!("value" in spec)) invalid(`${where} needs "value".`);
    values = [spec.value ?? null];
  } else if (distribution === "categorical" || distribution === "categorical_w_probs") {
    if (!Array.isArray(spec.values) || spec.values.length === 0)
      invalid(`${where} needs a non-empty "values" list.`);
    values = spec.values;
    if (distribution === "categorical_w_probs") {
      const probs = spec.probabilities;
      if (!Array.isArray(probs) || probs.length !== values.length || probs.some((p) => typeof p !== "number"))
        invalid(`${where} needs one number in "probabilities" per value.`);
      probabilities = probs as number[];
      const total = probabilities.reduce((a, b) => a + b, 0);
      if (probabilities.some((p) => p < 0) || Math.abs(total - 1) > 1e-6)
        invalid(`${where}: "probabilities" must be non-negative and sum to 1.`);
    }
  }
  const bounded = !["constant", "categorical", "categorical_w_probs", "normal", "q_normal"].includes(
    distribution,
  );
  const lognormal = distribution === "log_normal" || distribution === "q_log_normal";
  const min = bounded && !lognormal ? num(spec, "min", null, where) : num(spec, "min", 0, where);
  const max = bounded && !lognormal ? num(spec, "max", null, where) : num(spec, "max", 0, where);
  if (bounded && !lognormal && min > max) invalid(`${where}: "min" must not exceed "max".`);
  if (distribution === "int_uniform" && (!Number.isInteger(min) || !Number.isInteger(max)))
    invalid(`${where}: int_uniform needs integer "min" and "max".`);
  if (distribution.endsWith("_values") && min <= 0) invalid(`${where}: "min" must be positive.`);
  const q = num(spec, "q", 1, where);
  if (q <= 0) invalid(`${where}: "q" must be positive.`);
  return {
    path,
    distribution,
    values,
    probabilities,
    min,
    max,
    q,
    mu: num(spec, "mu", 0, where),
    sigma: num(spec, "sigma", 1, where),
  };
}

function collectParams(prefix: string[], block: YamlMap, out: ParamSpec[]): void {
  for (const [name, spec] of Object.entries(block)) {
    const path = [...prefix, name];
    if (!isMap(spec)) invalid(`parameter "${path.join(".")}" must be a mapping.`);
    if (isMap(spec.parameters)) collectParams(path, spec.parameters, out);
    else out.push(parseParam(path, spec));
  }
}

export function parseSweepConfig(text: string): SweepConfig {
  const root = parseYaml(text);
  if (!isMap(root)) invalid("the config must be a mapping.");
  const method = root.method;
  if (method !== "grid" && method !== "random" && method !== "bayes")
    invalid(`"method" must be grid, random or bayes (got ${JSON.stringify(method ?? null)}).`);
  let metric: SweepConfig["metric"] = null;
  if (root.metric !== undefined && root.metric !== null) {
    if (!isMap(root.metric) || typeof root.metric.name !== "string") invalid('"metric" needs a "name".');
    const goal = root.metric.goal ?? "minimize";
    if (goal !== "minimize" && goal !== "maximize") invalid('"metric.goal" must be minimize or maximize.');
    metric = { name: root.metric.name, goal };
  }
  if (method === "bayes" && metric === null) invalid('bayes search needs a "metric".');
  const params: ParamSpec[] = [];
  if (root.parameters !== undefined) {
    if (!isMap(root.parameters)) invalid('"parameters" must be a mapping.');
    collectParams([], root.parameters, params);
  }
  params.sort((a, b) => a.path.join("\u0000").localeCompare(b.path.join("\u0000")));
  if (method === "grid") {
    for (const p of params) {
      if (!GRID_DISTRIBUTIONS.has(p.distribution))
        invalid(`grid search needs discrete parameters; "${p.path.join(".")}" is ${p.distribution}.`);
    }
  }
  const runCap = root.run_cap;
  if (runCap !== undefined && runCap !== null && (!Number.isInteger(runCap) || (runCap as number) < 1))
    invalid('"run_cap" must be a positive integer.');
  return {
    method,
    metric,
    params,
    runCap: typeof runCap === "number" ? runCap : null,
    program: typeof root.program === "string" ? root.program : null,
    name: typeof root.name === "string" ? root.name : null,
    description: typeof root.description === "string" ? root.description : null,
  };
}

/** Distributions a grid can enumerate: listed values, and the integer / quantised ranges. */
export const GRID_DISTRIBUTIONS: ReadonlySet<Distribution> = new Set([
  "constant",
  "categorical",
  "categorical_w_probs",
  "int_uniform",
  "q_uniform",
]);
