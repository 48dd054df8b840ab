/**
 * The virtual table's rows: without grouping, row i is run i of the query; with grouping, each
 * group is a header row followed (when expanded) by its runs. Pure (rows.test.ts); lookups are a
 * binary search over the groups, so a scroll frame costs O(visible rows × log groups).
 */

export interface Group {
  /** Stable identity: the value's JSON text. */
  readonly key: string;
  readonly value: unknown;
  readonly count: number;
}

export type RowRef =
  | { readonly kind: "group"; readonly group: Group; readonly expanded: boolean }
  /** `group` null when not grouping; `index` within the group's (or the query's) runs. */
  | { readonly kind: "run"; readonly group: Group | null; readonly index: number };

export interface RowLayout {
  readonly count: number;
  at(row: number): RowRef | undefined;
}

export function layoutRows(
  groups: readonly Group[] | null,
  total: number,
  expanded: ReadonlySet<string>,
): RowLayout {
  if (groups === null) {
    return {
      count: total,
      at: (row) => (row >= 0 && row < total ? { kind: "run", group: null, index: row } : undefined),
    };
  }
  const starts: number[] = [];
  let count = 0;
  for (const group of groups) {
    starts.push(count);
    count += 1 + (expanded.has(group.key) ? group.count : 0);
  }
  return {
    count,
    at(row) {
      if (row < 0 || row >= count) return undefined;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= row) lo = mid;
        else hi = mid - 1;
      }
      const group = groups[lo];
      const start = starts[lo] ?? 0;
      if (group === undefined) return undefined;
      if (row === start) return { kind: "group", group, expanded: expanded.has(group.key) };
      return { kind: "run", group, index: row - start - 1 };
    },
  };
}
