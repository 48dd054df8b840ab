/**
 * A spec is what Helm is given: a chart and values, plus the release channel's metadata. The
 * operator keeps three of them in Secrets of the resource's namespace, with W&B's names and JSON
 * keys (reference/deployment-spec.md §1.4), so tools written for W&B's operator find them:
 * `<name>-spec-user` (the console's input), `<name>-spec-active` (last applied) and
 * `<name>-latest-cached-release` (the channel's last answer, for outages).
 */
import { isObject, type Json, jsonEqual, type Values } from "./values.ts";

export interface Spec {
  readonly chart: Json;
  readonly values: Values;
  readonly metadata: Record<string, string> | null;
}

export const EMPTY_SPEC: Spec = { chart: null, values: {}, metadata: null };

export const userSecretName = (name: string): string => `${name}-spec-user`;
export const activeSecretName = (name: string): string => `${name}-spec-active`;
export const cachedReleaseSecretName = (name: string): string => `${name}-latest-cached-release`;

export function specEqual(a: Spec, b: Spec): boolean {
  return (
    jsonEqual(a.chart, b.chart) &&
    jsonEqual(a.values, b.values) &&
    jsonEqual((a.metadata ?? null) as Json, (b.metadata ?? null) as Json)
  );
}

/** The Secret `data` (base64 JSON documents) for a spec. */
export function specToSecretData(spec: Spec): Record<string, string> {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64");
  return { chart: b64(spec.chart), values: b64(spec.values), metadata: b64(spec.metadata) };
}

export class SpecFormatError extends Error {
  constructor(secret: string, problem: string) {
    super(`Secret ${secret}: ${problem}`);
    this.name = "SpecFormatError";
  }
}

/** Reads a spec back from Secret data; `chart` and `values` must be there, `metadata` may not. */
export function specFromSecretData(secret: string, data: Record<string, string> | undefined): Spec {
  const field = (key: string, required: boolean): Json | undefined => {
    const raw = data?.[key];
    if (raw === undefined) {
      if (required)
        throw new SpecFormatError(secret, `has no "${key}" key (expected chart, values, metadata)`);
      return undefined;
    }
    const text = Buffer.from(raw, "base64").toString("utf8").trim();
    if (text === "") return null;
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new SpecFormatError(secret, `"${key}" is not JSON`);
    }
  };
  const values = field("values", true);
  if (values !== null && !isObject(values))
    throw new SpecFormatError(secret, `"values" must be a JSON object`);
  const metadata = field("metadata", false);
  const meta: Record<string, string> = {};
  if (isObject(metadata)) for (const [k, v] of Object.entries(metadata)) meta[k] = String(v);
  return {
    chart: field("chart", true) ?? null,
    values: (values ?? {}) as Values,
    metadata: isObject(metadata) ? meta : null,
  };
}

/**
 * Parses `reconcileFrequency` (a Go duration: "90s", "30m", "1h30m"); W&B's operator reads it from
 * the merged values' top level. Undefined or unparsable → the default; at least 10 s.
 */
export function parseFrequency(value: Json | undefined, fallbackMs: number): number {
  if (typeof value !== "string") return fallbackMs;
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(value.trim());
  if (!match || value.trim() === "") return fallbackMs;
  const [, h, m, s, ms] = match;
  const total =
    Number(h ?? 0) * 3_600_000 + Number(m ?? 0) * 60_000 + Number(s ?? 0) * 1000 + Number(ms ?? 0);
  return total > 0 ? Math.max(total, 10_000) : fallbackMs;
}
