/**
 * Which rows of a fixed-height virtual list to render: those in view plus an overscan on each side.
 * Pure (virtual-range.test.ts); the lists (runs table, logs) position them absolutely at `index * rowHeight`.
 */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 10,
): { start: number; end: number } {
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const inView = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count - 1, first - overscan));
  const end = Math.min(count, first + inView + overscan);
  return { start, end: Math.max(start, end) };
}

/** Whether a scroll position counts as "at the bottom" (a follower keeps scrolling only then). */
export function atBottom(
  scrollTop: number,
  viewportHeight: number,
  contentHeight: number,
  slack = 4,
): boolean {
  return scrollTop + viewportHeight >= contentHeight - slack;
}
