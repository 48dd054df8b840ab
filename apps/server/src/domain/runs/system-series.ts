/**
 * System-metric lines (`wandb-events.jsonl`: one object per sample with `_runtime`, `_timestamp`
 * and `system.*` keys, e.g. `system.cpu`, `system.gpu.0.temp`) as columns for charts.
 */
import { type JsonValue, parseLenientJson } from "@ballast/core";

export interface SystemSeries {
  /** Seconds since the run started, and Unix seconds, of each sample. */
  readonly runtime: (number | null)[];
  readonly timestamp: (number | null)[];
  /** Every numeric `system.*` key of any sample, one value per sample (null where absent). */
  readonly metrics: Record<string, (number | null)[]>;
}

const numberOf = (value: JsonValue | undefined): number | null =>
  typeof value === "number" && !Number.isNaN(value) ? value : null;

/** Unparseable lines and non-objects are skipped: one bad sample must not hide the others. */
export function systemSeries(lines: readonly string[]): SystemSeries {
  const runtime: (number | null)[] = [];
  const timestamp: (number | null)[] = [];
  const metrics: Record<string, (number | null)[]> = {};
  for (const line of lines) {
    let parsed: JsonValue;
    try {
      parsed = parseLenientJson(line);
    } catch {
      continue;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) continue;
    const index = runtime.length;
    runtime.push(numberOf(parsed._runtime));
    timestamp.push(numberOf(parsed._timestamp));
    for (const [key, value] of Object.entries(parsed)) {
      if (!key.startsWith("system.") || typeof value !== "number") continue;
      let column = metrics[key];
      if (!column) {
        column = new Array<number | null>(index).fill(null);
        metrics[key] = column;
      }
      column.push(Number.isNaN(value) ? null : value);
    }
    for (const column of Object.values(metrics)) if (column.length === index) column.push(null);
  }
  return { runtime, timestamp, metrics };
}
