/** Merging pages of console lines (pure; log-lines.test.ts). */
import type { LogLine } from "../api/runs.ts";

/**
 * `existing` with `incoming` applied: a line number already held is replaced (the client rewrites a
 * line for `\r` progress bars), new ones are added; the result is ordered by line number. Returns
 * `existing` itself when nothing changed, so React can skip the re-render.
 */
export function mergeLines(existing: readonly LogLine[], incoming: readonly LogLine[]): readonly LogLine[] {
  if (incoming.length === 0) return existing;
  const last = existing.at(-1)?.line ?? -1;
  const first = incoming[0]?.line ?? 0;
  let changed = false;
  const out = [...existing];
  // The common case: pages continue the list, possibly re-reading its last lines.
  if (first > last - incoming.length - 1) {
    for (const line of incoming) {
      if (line.line > (out.at(-1)?.line ?? -1)) {
        out.push(line);
        changed = true;
        continue;
      }
      const at = indexOfLine(out, line.line);
      if (at >= 0 && out[at]?.text !== line.text) {
        out[at] = line;
        changed = true;
      } else if (at < 0) {
        out.push(line);
        changed = true;
      }
    }
  } else {
    const byLine = new Map(out.map((l) => [l.line, l]));
    for (const line of incoming) {
      if (byLine.get(line.line)?.text !== line.text) {
        byLine.set(line.line, line);
        changed = true;
      }
    }
    if (changed) return [...byLine.values()].sort((a, b) => a.line - b.line);
  }
  if (!changed) return existing;
  return out.sort((a, b) => a.line - b.line);
}

function indexOfLine(lines: readonly LogLine[], line: number): number {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const value = lines[mid]?.line ?? 0;
    if (value === line) return mid;
    if (value < line) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
