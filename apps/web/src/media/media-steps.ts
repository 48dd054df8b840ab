/** Step-slider and table-paging arithmetic of the Media tab. Pure (unit-tested next to this file). */

/** The index of the last step at or before `step` (the first step when all are later); -1 for none. */
export function stepIndexAtOrBefore(steps: readonly number[], step: number): number {
  if (steps.length === 0) return -1;
  let lo = 0;
  let hi = steps.length - 1;
  if (step < (steps[0] ?? 0)) return 0;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((steps[mid] ?? 0) <= step) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** "Rows 51–100 of 120" and how many pages there are. */
export function pageInfo(offset: number, shown: number, total: number, pageSize: number) {
  return {
    label: total === 0 ? "No rows" : `Rows ${offset + 1}–${offset + shown} of ${total}`,
    pages: Math.max(1, Math.ceil(total / pageSize)),
    page: Math.floor(offset / pageSize) + 1,
    hasPrevious: offset > 0,
    hasNext: offset + shown < total,
  };
}

/** A table cell as text: strings as they are, everything else as compact JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
