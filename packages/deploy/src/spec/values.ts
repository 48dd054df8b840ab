/**
 * Helm values as the operator handles them: plain JSON. The merge of the three layers
 * (release channel < console user input < resource) and the walk that records which layer each
 * value came from live here.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Values = { [key: string]: Json };

export function isObject(value: Json | undefined): value is Values {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A layer of values, lowest precedence first when given to mergeLayers. */
export interface Layer {
  readonly name: string;
  readonly values: Values;
}

export class MergeError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`values.${path}: ${message}`);
    this.name = "MergeError";
    this.path = path;
  }
}

function kindOf(value: Json): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return `a ${typeof value}`;
}

/**
 * Merges `over` onto `under` (neither is modified; the result shares no objects with them):
 * - maps merge key by key;
 * - anything else — scalars and lists — in `over` replaces what `under` has. W&B's operator
 *   concatenates lists across layers (reference/deployment-spec.md §1.6), so an `ingress.tls` or
 *   `customCACerts` list set in two layers appears twice; here the higher layer owns the list;
 * - `null` in `over` removes the key (as in Helm, where a null value drops a chart default);
 * - a map on one side and a scalar or list on the other is an error naming the path, because one of
 *   the two layers was written against a different chart layout and guessing would hide it.
 */
export function mergeValues(under: Values, over: Values, names = { under: "lower", over: "higher" }): Values {
  return mergeAt(under, over, "", names);
}

function mergeAt(under: Values, over: Values, path: string, names: { under: string; over: string }): Values {
  const out: Values = structuredClone(under);
  for (const [key, next] of Object.entries(over)) {
    const at = path ? `${path}.${key}` : key;
    const current = out[key];
    if (next === null) {
      delete out[key];
    } else if (current === undefined || current === null) {
      out[key] = structuredClone(next);
    } else if (isObject(current) && isObject(next)) {
      out[key] = mergeAt(current, next, at, names);
    } else if (isObject(current) !== isObject(next)) {
      throw new MergeError(
        at,
        `the ${names.over} layer sets ${kindOf(next)} where the ${names.under} layer has ${kindOf(current)}; write it as ${kindOf(current)} or remove it from one of them`,
      );
    } else {
      out[key] = structuredClone(next);
    }
  }
  return out;
}

/** Merges layers given lowest precedence first. */
export function mergeLayers(layers: readonly Layer[]): Values {
  let merged: Values = {};
  let below = "defaults";
  for (const layer of layers) {
    merged = mergeValues(merged, layer.values, { under: below, over: layer.name });
    below = `${below} + ${layer.name}`;
  }
  return merged;
}

/**
 * For each leaf of the merged values (scalars and whole lists), the name of the layer it came from:
 * the highest layer that sets it. Keys are dotted paths (`global.bucket.name`).
 */
export function provenance(layers: readonly Layer[]): Record<string, string> {
  const origin: Record<string, string> = {};
  const walk = (values: Values, path: string, layer: string): void => {
    for (const [key, value] of Object.entries(values)) {
      const at = path ? `${path}.${key}` : key;
      if (isObject(value)) {
        walk(value, at, layer);
      } else if (value === null) {
        for (const known of Object.keys(origin)) {
          if (known === at || known.startsWith(`${at}.`)) delete origin[known];
        }
      } else {
        origin[at] = layer;
      }
    }
  };
  for (const layer of layers) walk(layer.values, "", layer.name);
  return origin;
}

/** Deep equality of JSON values, ignoring key order. */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]))
    );
  }
  if (typeof a !== "object" || typeof b !== "object") return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
}

/** A value at a dotted path, or undefined. */
export function valueAt(values: Values, path: readonly string[]): Json | undefined {
  let current: Json | undefined = values;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}
