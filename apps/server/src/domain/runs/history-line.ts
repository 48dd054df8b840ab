import { type JsonValue, parseLenientJson } from "@ballast/core";
import type { HistoryBatch, HistoryLine } from "../../stores/records.ts";

/**
 * Turns the history lines of one file_stream request into what the stores keep: each line's text
 * exactly as sent, its step (`_step`, or the line number for clients that send none), and every
 * numeric leaf under its flattened name (`a.b.c`) for the per-metric layout. Media objects
 * (`{"_type": …}`) are not series. A line that is not JSON is still kept, with no metrics: nothing
 * the client sent is dropped.
 *
 * The result is columnar (typed arrays, each metric name once per batch): ingest parses millions of
 * lines, and an object and an array per line and per metric were a large part of its cost.
 */
export function parseHistoryBatch(offset: number, texts: readonly string[]): HistoryBatch {
  const n = texts.length;
  const steps = new Float64Array(n);
  const starts = new Int32Array(n + 1);
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  let keys = new Int32Array(Math.max(16, n * 4));
  let values = new Float64Array(keys.length);
  let count = 0;
  const push = (name: string, value: number) => {
    let id = nameIds.get(name);
    if (id === undefined) {
      id = names.length;
      names.push(name);
      nameIds.set(name, id);
    }
    if (count === keys.length) {
      const grownKeys = new Int32Array(keys.length * 2);
      grownKeys.set(keys);
      keys = grownKeys;
      const grownValues = new Float64Array(values.length * 2);
      grownValues.set(values);
      values = grownValues;
    }
    keys[count] = id;
    values[count] = value;
    count++;
  };
  for (let i = 0; i < n; i++) {
    const lineNo = offset + i;
    steps[i] = lineNo;
    const parsed = parseObject(texts[i] ?? "");
    if (parsed) {
      const stepValue = parsed._step;
      if (typeof stepValue === "number" && Number.isSafeInteger(stepValue)) steps[i] = stepValue;
      collect(parsed, "", push, 0);
    }
    starts[i + 1] = count;
  }
  return {
    offset,
    texts,
    steps,
    starts,
    names,
    keys: keys.subarray(0, count),
    values: values.subarray(0, count),
  };
}

/** One line on its own (the batch's rules; for tests and single-line callers). */
export function parseHistoryLine(lineNo: number, text: string): HistoryLine {
  const batch = parseHistoryBatch(lineNo, [text]);
  const metrics: [string, number][] = [];
  for (let j = 0; j < batch.keys.length; j++) {
    metrics.push([batch.names[batch.keys[j] ?? 0] ?? "", batch.values[j] ?? Number.NaN]);
  }
  return { lineNo, step: batch.steps[0] ?? lineNo, text, metrics };
}

function parseObject(text: string): { [key: string]: JsonValue } | undefined {
  let parsed: JsonValue;
  try {
    parsed = parseLenientJson(text);
  } catch {
    return undefined;
  }
  return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : undefined;
}

function collect(
  value: { [key: string]: JsonValue },
  prefix: string,
  push: (name: string, value: number) => void,
  depth: number,
): void {
  if (depth > 16) return;
  for (const key in value) {
    const item = value[key];
    const name = prefix === "" ? key : prefix + key;
    if (name === "_step") continue;
    if (typeof item === "number") push(name, item);
    else if (typeof item === "bigint") push(name, Number(item));
    else if (item !== null && typeof item === "object" && !Array.isArray(item) && !("_type" in item)) {
      collect(item, `${name}.`, push, depth + 1);
    }
  }
}
