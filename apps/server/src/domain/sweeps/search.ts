/**
 * The search methods. A point is one value per parameter, in the order of `SweepConfig.params`.
 *
 * - grid: the cartesian product of every parameter's values (int_uniform: min..max; q_uniform:
 *   min, min+q, … ≤ max), enumerated in a fixed order: parameters sorted by path, the last one
 *   varying fastest (like Python's itertools.product).
 * - random: each parameter drawn independently from its distribution.
 * - bayes: a Tree-structured Parzen Estimator (TPE, Bergstra et al. 2011) kept deliberately small;
 *   see `bayesPoint`.
 */
import type { Goal, ParamSpec } from "./sweep-config.ts";
import type { YamlValue } from "./yaml.ts";

/** Uniform in [0, 1). */
export type Rng = () => number;
export type Point = readonly YamlValue[];

/** A small seeded generator (mulberry32) so tests can replay a sequence of draws. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The values a grid takes for one parameter. */
export function gridValues(p: ParamSpec): readonly YamlValue[] {
  if (p.distribution === "int_uniform") {
    return Array.from({ length: p.max - p.min + 1 }, (_, i) => p.min + i);
  }
  if (p.distribution === "q_uniform") {
    const count = Math.floor((p.max - p.min) / p.q + 1e-9) + 1;
    return Array.from({ length: count }, (_, i) => roundTo(p.min + i * p.q, p.q));
  }
  return p.values;
}

/** How many points the grid has (capped at MAX_SAFE_INTEGER for absurd products). */
export function gridSize(params: readonly ParamSpec[]): number {
  return params.reduce((n, p) => Math.min(n * gridValues(p).length, Number.MAX_SAFE_INTEGER), 1);
}

/** The `index`-th grid point (0-based): a mixed-radix decode, last parameter fastest. */
export function gridPoint(params: readonly ParamSpec[], index: number): Point {
  const point: YamlValue[] = new Array(params.length);
  let rest = index;
  for (let i = params.length - 1; i >= 0; i--) {
    const values = gridValues(params[i] as ParamSpec);
    point[i] = values[rest % values.length] ?? null;
    rest = Math.floor(rest / values.length);
  }
  return point;
}

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function roundTo(x: number, q: number): number {
  // Round to q, then drop binary noise (0.30000000000000004) by going through q's decimal places.
  const decimals = Math.min(15, (String(q).split(".")[1] ?? "").length);
  return Number((Math.round(x / q) * q).toFixed(decimals));
}

function pick(values: readonly YamlValue[], probabilities: readonly number[] | null, rng: Rng): YamlValue {
  if (probabilities === null) return values[Math.floor(rng() * values.length)] ?? null;
  let u = rng();
  for (const [i, p] of probabilities.entries()) {
    u -= p;
    if (u < 0) return values[i] ?? null;
  }
  return values[values.length - 1] ?? null;
}

/**
 * Each distribution as a transform of a draw in an "internal" space where the search happens:
 * uniform over [lo, hi] for the bounded ones, normal(mu, sigma) for the normal ones. `toValue`
 * maps an internal number to the parameter's value (exp for log scales, rounding for q_ and int).
 */
interface Space {
  readonly kind: "bounded" | "normal";
  readonly lo: number;
  readonly hi: number;
  toValue(x: number): number;
  fromValue(v: number): number | null;
}

function space(p: ParamSpec): Space | null {
  const q = (v: number) => roundTo(v, p.q);
  const ident = (v: number) => v;
  const log = (v: number) => (v > 0 ? Math.log(v) : null);
  switch (p.distribution) {
    case "int_uniform":
      // Each integer gets an equal share of [min - 0.5, max + 0.5).
      return {
        kind: "bounded",
        lo: p.min - 0.5,
        hi: p.max + 0.5,
        toValue: (x) => Math.min(p.max, Math.max(p.min, Math.round(x))),
        fromValue: ident,
      };
    case "uniform":
      return { kind: "bounded", lo: p.min, hi: p.max, toValue: ident, fromValue: ident };
    case "q_uniform":
      return { kind: "bounded", lo: p.min, hi: p.max, toValue: q, fromValue: ident };
    case "log_uniform":
      return { kind: "bounded", lo: p.min, hi: p.max, toValue: Math.exp, fromValue: log };
    case "q_log_uniform":
      return { kind: "bounded", lo: p.min, hi: p.max, toValue: (x) => q(Math.exp(x)), fromValue: log };
    case "log_uniform_values":
      return { kind: "bounded", lo: Math.log(p.min), hi: Math.log(p.max), toValue: Math.exp, fromValue: log };
    case "q_log_uniform_values":
      return {
        kind: "bounded",
        lo: Math.log(p.min),
        hi: Math.log(p.max),
        toValue: (x) => q(Math.exp(x)),
        fromValue: log,
      };
    // inv_log_uniform: log(1/X) is uniform on [min, max], so X = exp(-U).
    case "inv_log_uniform":
      return {
        kind: "bounded",
        lo: p.min,
        hi: p.max,
        toValue: (x) => Math.exp(-x),
        fromValue: (v) => (v > 0 ? -Math.log(v) : null),
      };
    // inv_log_uniform_values: X between min and max with 1/X log-uniform.
    case "inv_log_uniform_values":
      return {
        kind: "bounded",
        lo: Math.log(1 / p.max),
        hi: Math.log(1 / p.min),
        toValue: (x) => 1 / Math.exp(x),
        fromValue: (v) => (v > 0 ? Math.log(1 / v) : null),
      };
    case "normal":
      return { kind: "normal", lo: p.mu, hi: p.sigma, toValue: ident, fromValue: ident };
    case "q_normal":
      return { kind: "normal", lo: p.mu, hi: p.sigma, toValue: q, fromValue: ident };
    case "log_normal":
      return { kind: "normal", lo: p.mu, hi: p.sigma, toValue: Math.exp, fromValue: log };
    case "q_log_normal":
      return { kind: "normal", lo: p.mu, hi: p.sigma, toValue: (x) => q(Math.exp(x)), fromValue: log };
    default:
      return null; // constant and categorical: no numeric space
  }
}

function drawInternal(s: Space, rng: Rng): number {
  return s.kind === "bounded" ? s.lo + rng() * (s.hi - s.lo) : s.lo + s.hi * gaussian(rng);
}

/** One value drawn from the parameter's distribution. */
export function sampleParam(p: ParamSpec, rng: Rng): YamlValue {
  const s = space(p);
  if (s === null) return pick(p.values, p.probabilities, rng);
  return s.toValue(drawInternal(s, rng));
}

export function randomPoint(params: readonly ParamSpec[], rng: Rng): Point {
  return params.map((p) => sampleParam(p, rng));
}

/** A finished run as bayes sees it: its point and the metric value it reached. */
export interface Observation {
  readonly point: Point;
  readonly metric: number;
}

/** Runs with a metric needed before bayes stops sampling at random. */
export const BAYES_WARMUP = 5;
/** Share of the observations (best first) that forms the "good" group. */
const GOOD_FRACTION = 0.25;
/** Candidates drawn from the good group's density per parameter; the best ratio wins. */
const CANDIDATES = 24;

/**
 * TPE, small: with fewer than BAYES_WARMUP observations, a random point. Otherwise the observations
 * are split into the best quarter ("good", at least one) and the rest ("bad"); for each parameter
 * independently, CANDIDATES values are drawn from a density l fitted to the good values and the one
 * with the highest l(x)/g(x) is taken, g being the same density fitted to the bad values. Numeric
 * parameters use Gaussian kernels in the internal space (log space for log distributions) with a
 * bandwidth of a fifth of the range (or sigma), mixed with the prior so every value stays possible;
 * categorical ones use add-one smoothed frequencies.
 */
export function bayesPoint(
  params: readonly ParamSpec[],
  observations: readonly Observation[],
  goal: Goal,
  rng: Rng,
): Point {
  const usable = observations.filter((o) => Number.isFinite(o.metric));
  if (usable.length < BAYES_WARMUP) return randomPoint(params, rng);
  const sorted = [...usable].sort((a, b) =>
    goal === "minimize" ? a.metric - b.metric : b.metric - a.metric,
  );
  const nGood = Math.max(1, Math.floor(sorted.length * GOOD_FRACTION));
  const good = sorted.slice(0, nGood);
  const bad = sorted.slice(nGood);
  return params.map((p, i) => {
    const s = space(p);
    if (s === null) return categoricalTpe(p, good, bad, i, rng);
    const internal = (obs: readonly Observation[]) =>
      obs.flatMap((o) => {
        const v = o.point[i];
        const x = typeof v === "number" ? s.fromValue(v) : null;
        return x === null || !Number.isFinite(x) ? [] : [x];
      });
    const goodX = internal(good);
    const badX = internal(bad);
    const width = s.kind === "bounded" ? (s.hi - s.lo) / 5 || 1 : s.hi;
    let best = drawInternal(s, rng);
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < CANDIDATES; c++) {
      const center = goodX[Math.floor(rng() * goodX.length)];
      let x = center === undefined ? drawInternal(s, rng) : center + width * gaussian(rng);
      if (s.kind === "bounded") x = Math.min(s.hi, Math.max(s.lo, x));
      const score = density(x, goodX, width, s) / density(x, badX, width, s);
      if (score > bestScore) [best, bestScore] = [x, score];
    }
    return s.toValue(best);
  });
}

function priorDensity(x: number, s: Space): number {
  if (s.kind === "bounded") return s.hi > s.lo ? 1 / (s.hi - s.lo) : 1;
  const z = (x - s.lo) / s.hi;
  return Math.exp(-0.5 * z * z) / (s.hi * Math.sqrt(2 * Math.PI));
}

/** Gaussian kernels at `xs` mixed with the prior (weight of one kernel). */
function density(x: number, xs: readonly number[], width: number, s: Space): number {
  let sum = priorDensity(x, s);
  for (const c of xs) {
    const z = (x - c) / width;
    sum += Math.exp(-0.5 * z * z) / (width * Math.sqrt(2 * Math.PI));
  }
  return sum / (xs.length + 1);
}

function categoricalTpe(
  p: ParamSpec,
  good: readonly Observation[],
  bad: readonly Observation[],
  i: number,
  rng: Rng,
): YamlValue {
  const key = (v: YamlValue | undefined) => JSON.stringify(v ?? null);
  const freq = (obs: readonly Observation[]) => {
    const counts = new Map<string, number>();
    for (const o of obs) counts.set(key(o.point[i]), (counts.get(key(o.point[i])) ?? 0) + 1);
    return (v: YamlValue) => ((counts.get(key(v)) ?? 0) + 1) / (obs.length + p.values.length);
  };
  const l = freq(good);
  const g = freq(bad);
  const weights = p.values.map((v) => l(v));
  const total = weights.reduce((a, b) => a + b, 0);
  let best: YamlValue = p.values[0] ?? null;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < CANDIDATES; c++) {
    const candidate = pick(
      p.values,
      weights.map((w) => w / total),
      rng,
    );
    const score = l(candidate) / g(candidate);
    if (score > bestScore) [best, bestScore] = [candidate, score];
  }
  return best;
}

/** The run command's `args`: `{name: {value: v}}`, nested parameters as one object value. */
export function toArgs(params: readonly ParamSpec[], point: Point): Record<string, { value: YamlValue }> {
  const args: Record<string, { value: YamlValue }> = {};
  for (const [i, p] of params.entries()) {
    const [top, ...rest] = p.path;
    if (top === undefined) continue;
    const value = point[i] ?? null;
    if (rest.length === 0) {
      args[top] = { value };
      continue;
    }
    const holder = args[top] ?? { value: {} };
    args[top] = holder;
    let node = holder.value as { [key: string]: YamlValue };
    for (const part of rest.slice(0, -1)) {
      const child = node[part];
      node[part] = child !== null && typeof child === "object" && !Array.isArray(child) ? child : {};
      node = node[part] as { [key: string]: YamlValue };
    }
    node[rest[rest.length - 1] as string] = value;
  }
  return args;
}

/** The point a run's config holds (`{name: {value: v}}`), or undefined when a parameter is missing. */
export function pointOf(params: readonly ParamSpec[], config: unknown): Point | undefined {
  const point: YamlValue[] = [];
  for (const p of params) {
    const [top, ...rest] = p.path;
    const wrapped = isRecord(config) && top !== undefined ? config[top] : undefined;
    let node: unknown = isRecord(wrapped) ? wrapped.value : undefined;
    for (const part of rest) node = isRecord(node) ? node[part] : undefined;
    if (node === undefined) return undefined;
    point.push(node as YamlValue);
  }
  return point;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A key identifying a point, for "has this grid point been handed out already". */
export function pointKey(point: Point): string {
  return JSON.stringify(point);
}
