/**
 * Search in console lines: every case-insensitive occurrence of the query in the lines' visible text
 * (escape sequences stripped), and the splitting of a line's styled segments so the matches can be
 * marked without losing their colours. Pure functions (log-search.test.ts).
 */
import type { AnsiSegment } from "./ansi.ts";

export interface LogMatch {
  /** Index of the line in the list searched. */
  readonly index: number;
  /** Character offsets in the line's visible text: [start, end). */
  readonly start: number;
  readonly end: number;
}

/** Matches beyond this many are not collected (the count says "1,000+"). */
export const MAX_MATCHES = 1000;

export function findMatches(texts: readonly string[], query: string, limit = MAX_MATCHES): LogMatch[] {
  if (query === "") return [];
  const needle = query.toLowerCase();
  const matches: LogMatch[] = [];
  for (let index = 0; index < texts.length; index++) {
    const hay = (texts[index] ?? "").toLowerCase();
    let from = 0;
    for (;;) {
      const at = hay.indexOf(needle, from);
      if (at < 0) break;
      matches.push({ index, start: at, end: at + needle.length });
      if (matches.length >= limit) return matches;
      from = at + Math.max(1, needle.length);
    }
  }
  return matches;
}

export interface MarkedSegment extends AnsiSegment {
  /** 0 = not a match, 1 = a match, 2 = the current match. */
  readonly mark: 0 | 1 | 2;
}

/** Splits segments at the ranges' edges; `current` is the range (by index in `ranges`) to emphasise. */
export function markSegments(
  segments: readonly AnsiSegment[],
  ranges: readonly { readonly start: number; readonly end: number }[],
  current = -1,
): MarkedSegment[] {
  const out: MarkedSegment[] = [];
  let offset = 0;
  for (const segment of segments) {
    const segStart = offset;
    const segEnd = offset + segment.text.length;
    let cursor = segStart;
    ranges.forEach((range, r) => {
      const start = Math.max(range.start, segStart);
      const end = Math.min(range.end, segEnd);
      if (start >= end || start < cursor) return;
      if (start > cursor)
        out.push({ ...segment, text: segment.text.slice(cursor - segStart, start - segStart), mark: 0 });
      out.push({
        ...segment,
        text: segment.text.slice(start - segStart, end - segStart),
        mark: r === current ? 2 : 1,
      });
      cursor = end;
    });
    if (cursor < segEnd) out.push({ ...segment, text: segment.text.slice(cursor - segStart), mark: 0 });
    offset = segEnd;
  }
  return out;
}

/** The next (or previous) match index from `current`, wrapping around; -1 when there is none. */
export function stepMatch(count: number, current: number, direction: 1 | -1): number {
  if (count === 0) return -1;
  if (current < 0) return direction === 1 ? 0 : count - 1;
  return (current + direction + count) % count;
}
