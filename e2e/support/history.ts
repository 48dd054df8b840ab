/**
 * What the Python scripts log per step (mirror of `history_row` in e2e/python/ballast_e2e.py; keep
 * the two in step) and the checks of stored history lines against it.
 */
import assert from "node:assert/strict";
import { type JsonValue, parseLenientJson } from "../../packages/core/src/index.ts";

const BIG_BASE = 2n ** 53n + 1n;

export type JsonObject = { [key: string]: JsonValue };

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows a key path through nested objects; undefined when any step is missing. */
export function at(value: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let current = value;
  for (const key of path) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

export function parseLine(line: string): JsonObject {
  const value = parseLenientJson(line, { exactIntegers: true });
  if (!isObject(value)) throw new Error(`history line is not an object: ${line.slice(0, 200)}`);
  return value;
}

/** Asserts one stored history line carries exactly the values logged at `step`. */
export function assertHistoryRow(row: JsonObject, step: number): void {
  const where = `step ${step}`;
  assert.equal(row._step, step, `${where}: _step`);
  assert.equal(at(row, "train", "loss"), 1 / (step + 1), `${where}: train.loss`);
  assert.equal(at(row, "train", "acc"), step / 1000, `${where}: train.acc`);
  assert.equal(at(row, "eval", "deep", "score"), step * 0.5, `${where}: eval.deep.score`);
  const nan = row.nan_metric;
  assert.ok(typeof nan === "number" && Number.isNaN(nan), `${where}: nan_metric is ${String(nan)}, not NaN`);
  assert.equal(row.pos_inf, Number.POSITIVE_INFINITY, `${where}: pos_inf`);
  assert.equal(row.neg_inf, Number.NEGATIVE_INFINITY, `${where}: neg_inf`);
  assert.equal(row.label, `step-${step}`, `${where}: label`);
  assert.equal(row.big, BIG_BASE + BigInt(step), `${where}: big (an integer above 2^53, kept exact)`);
  assert.equal(typeof row._timestamp, "number", `${where}: _timestamp`);
  assert.equal(typeof row._runtime, "number", `${where}: _runtime`);
}

export interface StoredHistoryLine {
  lineNo: number;
  step: number | null;
  line: string;
}

/**
 * Asserts the stored history is exactly steps 0..count-1, each once, in order, line numbers
 * contiguous from 0, the `step` column equal to the line's `_step`, every value as logged.
 */
export function assertHistory(lines: StoredHistoryLine[], count: number): void {
  const seen = new Map<number, number>();
  for (const stored of lines) {
    const row = parseLine(stored.line);
    const step = row._step;
    assert.equal(
      typeof step,
      "number",
      `line ${stored.lineNo} has no numeric _step: ${stored.line.slice(0, 200)}`,
    );
    if (typeof step !== "number") continue;
    seen.set(step, (seen.get(step) ?? 0) + 1);
    assert.equal(stored.step, step, `line ${stored.lineNo}: step column ${stored.step} but _step ${step}`);
    assertHistoryRow(row, step);
  }
  const duplicates = [...seen].filter(([, times]) => times > 1).map(([step, times]) => `${step}×${times}`);
  assert.deepEqual(duplicates, [], "steps stored more than once");
  const missing: number[] = [];
  for (let step = 0; step < count; step++) if (!seen.has(step)) missing.push(step);
  assert.deepEqual(missing.slice(0, 50), [], `${missing.length} steps missing`);
  const extra = [...seen.keys()].filter((step) => step < 0 || step >= count);
  assert.deepEqual(extra, [], "steps that were never logged");
  assert.equal(lines.length, count, "one history line per step");
  assert.deepEqual(
    lines.map((stored) => stored.lineNo),
    Array.from({ length: lines.length }, (_, i) => i),
    "history line numbers are 0..n-1",
  );
  const order = lines.map((stored) => stored.step);
  assert.deepEqual(
    order,
    Array.from({ length: count }, (_, i) => i),
    "lines in step order",
  );
}

/** The run config the scripts pass to `wandb.init` (mirror of CONFIG in ballast_e2e.py). */
export const LOGGED_CONFIG: JsonObject = {
  lr: 0.001,
  epochs: 10,
  layers: [64, 32, 16],
  optimizer: "adam",
  model: { name: "mlp", dropout: 0.25, widths: [1.5, 2.5] },
};
