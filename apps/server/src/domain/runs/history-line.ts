import { type JsonValue, parseLenientJson } from "@ballast/core";
import type { HistoryLine } from "../../stores/records.ts";

/**
 * Turns one logged history line into what the stores keep: the line text exactly as sent, its step
 * (`_step`, or the line number for clients that send none), and every numeric leaf under its
 * flattened name (`a.b.c`) for the per-metric layout. Media objects (`{"_type": …}`) are not series.
 * A line that is not JSON is still kept, with no metrics: nothing the client sent is dropped.
 */
export function parseHistoryLine(lineNo: number, text: string): HistoryLine {
  let parsed: JsonValue;
  try {
    parsed = parseLenientJson(text);
  } catch {
    return { lineNo, step: lineNo, text, metrics: [] };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return { lineNo, step: lineNo, text, metrics: [] };
  }
  const stepValue = parsed._step;
  const step = typeof stepValue === "number" && Number.isSafeInteger(stepValue) ? stepValue : lineNo;
  const metrics: [string, number][] = [];
  collect(parsed, "", metrics, 0);
  return { lineNo, step, text, metrics };
}

function collect(
  value: { [key: string]: JsonValue },
  prefix: string,
  out: [string, number][],
  depth: number,
): void {
  if (depth > 16) return;
  for (const [key, item] of Object.entries(value)) {
    const name = prefix + key;
    if (name === "_step") continue;
    if (typeof item === "number") out.push([name, item]);
    else if (typeof item === "bigint") out.push([name, Number(item)]);
    else if (item !== null && typeof item === "object" && !Array.isArray(item) && !("_type" in item)) {
      collect(item, `${name}.`, out, depth + 1);
    }
  }
}
