/**
 * The virtualized runs table: fixed-height rows, absolutely placed, only the visible ones (plus an
 * overscan) rendered; their runs fetched by page from the server (RunWindows), so 10,000 runs cost
 * what a screenful costs. Everything a user logged is rendered as text.
 */
import {
  type CSSProperties,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import type { TableRun } from "../api/workspace.ts";
import { visibleRange } from "../components/virtual-range.ts";
import { absoluteTime, relativeTime } from "../format.ts";
import { Link } from "../router.tsx";
import { type Column, columnOf, groupLabel, runCellText, sortDirection } from "./columns.ts";
import { withCondition } from "./filters.ts";
import { type Group, layoutRows } from "./rows.ts";
import type { RunWindows } from "./run-windows.ts";

export const ROW_HEIGHT = 32;
const SELECT_WIDTH = 44;

export interface RunsTableProps {
  readonly entity: string;
  readonly project: string;
  readonly windows: RunWindows;
  /** The query's filter JSON text ("" for all runs). */
  readonly filters: string;
  readonly columns: readonly string[];
  readonly order: string;
  readonly onSort: (column: Column) => void;
  /** Grouping: the field and its groups; null when not grouping. */
  readonly grouping: { readonly field: string; readonly groups: readonly Group[] } | null;
  readonly expanded: ReadonlySet<string>;
  readonly onToggleGroup: (key: string) => void;
  readonly selected: ReadonlySet<string>;
  readonly onToggleRun: (run: TableRun) => void;
  /** A run's colour: its chart colour when selected. */
  readonly colorOf: (name: string) => string;
}

export function RunsTable(props: RunsTableProps) {
  const { windows, filters, grouping } = props;
  useSyncExternalStore(
    (listener) => windows.subscribe(listener),
    () => windows.version,
  );
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewport(element.clientHeight));
    observer.observe(element);
    setViewport(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  const total = windows.total(filters) ?? 0;
  const layout = layoutRows(grouping?.groups ?? null, total, props.expanded);
  const shown = visibleRange(scrollTop, viewport, ROW_HEIGHT, layout.count, 8);
  const first = shown.start;
  const last = shown.end - 1;
  const groupFilter = (group: Group | null) =>
    group === null || grouping === null ? filters : withCondition(filters, grouping.field, group.value);

  // Ask for the pages the visible rows need (per group when grouping).
  useEffect(() => {
    if (grouping === null) {
      windows.ensure(filters, first, Math.max(first, last));
      return;
    }
    const spans = new Map<Group, { from: number; to: number }>();
    for (let row = first; row <= last; row++) {
      const ref = layout.at(row);
      if (ref?.kind !== "run" || ref.group === null) continue;
      const span = spans.get(ref.group);
      spans.set(ref.group, { from: Math.min(span?.from ?? ref.index, ref.index), to: ref.index });
    }
    for (const [group, { from, to }] of spans) windows.ensure(groupFilter(group), from, to);
  });

  const columns = props.columns.map(columnOf);
  const width = SELECT_WIDTH + columns.reduce((sum, c) => sum + c.width, 0);
  const rows = [];
  for (let row = first; row <= last; row++) {
    const ref = layout.at(row);
    if (ref === undefined) continue;
    const style: CSSProperties = { transform: `translateY(${row * ROW_HEIGHT}px)`, width };
    if (ref.kind === "group") {
      rows.push(
        <tr key={`g:${ref.group.key}`} className="runs-row group-row" style={style}>
          <td className="group-cell">
            <button
              type="button"
              aria-expanded={ref.expanded}
              onClick={() => props.onToggleGroup(ref.group.key)}
              data-testid="group-header"
            >
              <span aria-hidden="true">{ref.expanded ? "▾" : "▸"}</span>{" "}
              <span className="group-field">{grouping?.field}:</span>{" "}
              <span className="group-value">{groupLabel(ref.group.value)}</span>{" "}
              <span className="group-count muted">({ref.group.count.toLocaleString("en")})</span>
            </button>
          </td>
        </tr>,
      );
      continue;
    }
    const run = windows.get(groupFilter(ref.group), ref.index);
    rows.push(
      <tr
        key={run ? `r:${ref.group?.key ?? ""}:${run.name}` : `p:${row}`}
        aria-rowindex={row + 2}
        className={`runs-row${ref.group ? " in-group" : ""}`}
        style={style}
        data-testid={run ? "run-row" : "run-row-pending"}
        data-run={run?.name}
      >
        {run ? (
          <RunCells
            run={run}
            columns={columns}
            selected={props.selected.has(run.name)}
            onToggle={props.onToggleRun}
            entity={props.entity}
            project={props.project}
            color={props.colorOf(run.name)}
          />
        ) : (
          <td className="muted pending-cell">…</td>
        )}
      </tr>,
    );
  }

  return (
    <div
      ref={scroller}
      className="runs-table"
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      data-testid="runs-table"
    >
      <table aria-label="Runs" aria-rowcount={layout.count + 1}>
        <thead className="runs-head" style={{ width }}>
          <tr className="runs-row head-row" aria-rowindex={1}>
            <th className="select-cell" style={{ width: SELECT_WIDTH }}>
              <span className="visually-hidden">Selected</span>
            </th>
            {columns.map((column) => {
              const direction = sortDirection(props.order, column);
              return (
                <th
                  key={column.id}
                  aria-sort={direction ?? "none"}
                  style={{ width: column.width }}
                  data-column={column.id}
                  title={column.id}
                >
                  {column.sort === null ? (
                    <span className="head-label">{column.label}</span>
                  ) : (
                    <button type="button" className="head-label" onClick={() => props.onSort(column)}>
                      {column.label}
                      {direction === "ascending" ? " ▲" : direction === "descending" ? " ▼" : ""}
                    </button>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody className="runs-body" style={{ height: layout.count * ROW_HEIGHT, width }}>
          {rows}
        </tbody>
      </table>
    </div>
  );
}

function RunCells(props: {
  readonly run: TableRun;
  readonly columns: readonly Column[];
  readonly selected: boolean;
  readonly onToggle: (run: TableRun) => void;
  readonly entity: string;
  readonly project: string;
  readonly color: string;
}) {
  const { run, color } = props;
  return (
    <>
      <td className="select-cell" style={{ width: SELECT_WIDTH }}>
        <label className="run-select">
          <input
            type="checkbox"
            checked={props.selected}
            onChange={() => props.onToggle(run)}
            aria-label={`Select ${run.displayName}`}
          />
          <span
            className="run-swatch"
            style={{ background: props.selected ? color : "transparent", borderColor: color }}
          />
        </label>
      </td>
      {props.columns.map((column) => (
        <td
          key={column.id}
          style={{ width: column.width }}
          className={column.numeric ? "numeric" : undefined}
          data-column={column.id}
        >
          <CellContent run={run} column={column} entity={props.entity} project={props.project} />
        </td>
      ))}
    </>
  );
}

function CellContent(props: { run: TableRun; column: Column; entity: string; project: string }) {
  const { run, column } = props;
  if (column.id === "name") {
    const path = [props.entity, props.project, "runs", run.name].map(encodeURIComponent);
    return (
      <Link to={`/${path[0]}/${path[1]}/runs/${path[3]}`} className="run-link" title={run.displayName}>
        {run.displayName}
      </Link>
    );
  }
  if (column.id === "state") return <span className={`state state-${run.state}`}>{run.state}</span>;
  if (column.id === "createdAt")
    return (
      <time dateTime={run.createdAt} title={absoluteTime(run.createdAt)}>
        {relativeTime(run.createdAt)}
      </time>
    );
  if (column.id === "tags")
    return (
      <span className="tags">
        {run.tags.map((tag) => (
          <span key={tag} className="tag">
            {tag}
          </span>
        ))}
      </span>
    );
  const text = runCellText(run, column.id);
  return <span title={text}>{text}</span>;
}
