/**
 * `/:entity/:project`: the workspace. A virtualized runs table (server-side filter, sort and
 * grouping; rows fetched per window) whose selection drives the metric panels below it.
 */
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import { messageOf } from "../api/client.ts";
import { getRunGroups, getRunKeys, getRunWindow, type TableRun } from "../api/workspace.ts";
import { ErrorNote } from "../components/form.tsx";
import { plural } from "../format.ts";
import { type ChartRun, MetricPanels } from "../panels/metric-panels.tsx";
import { SystemPanels } from "../panels/system-panels.tsx";
import { useLoad } from "../use-load.ts";
import { pickColor, runColor } from "../workspace/colors.ts";
import { type Column, defaultColumns, nextOrder } from "../workspace/columns.ts";
import { type FilterRow, filterText } from "../workspace/filters.ts";
import type { Group } from "../workspace/rows.ts";
import { RunWindows } from "../workspace/run-windows.ts";
import { RunsTable } from "../workspace/runs-table.tsx";
import { ColumnPicker, FilterBuilder, GroupBySelect } from "../workspace/workspace-controls.tsx";
import "../workspace/workspace.css";

const DEFAULT_ORDER = "-created_at";
/** Runs selected on first load, as W&B shows the first runs of a workspace. */
const DEFAULT_SELECTED = 10;
/** While a shown run is running, the table's rows (state, runtime, summary) are read again this often. */
const REFRESH_MS = 5000;

const columnsKey = (entity: string, project: string) => `ballast:workspace-columns:${entity}/${project}`;

function storedColumns(entity: string, project: string): string[] | null {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(columnsKey(entity, project)) ?? "null");
    return Array.isArray(parsed) && parsed.every((c) => typeof c === "string") ? parsed : null;
  } catch {
    return null;
  }
}

export function ProjectPage({ entity, project }: { readonly entity: string; readonly project: string }) {
  useEffect(() => {
    document.title = `${project} · ${entity} · Ballast`;
  }, [entity, project]);
  const loadKeys = useCallback(() => getRunKeys(entity, project), [entity, project]);
  const { state: keys } = useLoad(loadKeys);
  return (
    <section aria-labelledby="workspace-title" className="workspace">
      <h1 id="workspace-title">
        <span className="muted">{entity} /</span> {project}
      </h1>
      {keys.kind === "loading" ? <p className="muted">Loading runs…</p> : null}
      {keys.kind === "failed" ? <ErrorNote message={messageOf(keys.error)} /> : null}
      {keys.kind === "ready" ? (
        <Workspace key={`${entity}/${project}`} entity={entity} project={project} keys={keys.value} />
      ) : null}
    </section>
  );
}

function Workspace(props: {
  readonly entity: string;
  readonly project: string;
  readonly keys: { config: string[]; summary: string[] };
}) {
  const { entity, project, keys } = props;
  const [columns, setColumnsState] = useState<string[]>(
    () => storedColumns(entity, project) ?? defaultColumns(keys),
  );
  const setColumns = (next: string[]) => {
    const withName = next.includes("name") ? next : ["name", ...next];
    setColumnsState(withName);
    localStorage.setItem(columnsKey(entity, project), JSON.stringify(withName));
  };
  const [order, setOrder] = useState(DEFAULT_ORDER);
  const [filterRows, setFilterRows] = useState<FilterRow[]>([]);
  const filters = filterText(filterRows);
  const [groupBy, setGroupBy] = useState("");
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [selection, setSelection] = useState<ReadonlyMap<string, ChartRun>>(new Map());
  const initialized = useRef(false);

  // Only the shown config/summary columns travel with each window.
  const valueColumns = columns.filter((c) => c.startsWith("config.") || c.startsWith("summary."));
  const valueKey = valueColumns.join("\n");
  // biome-ignore lint/correctness/useExhaustiveDependencies: valueKey stands for valueColumns.
  const windows = useMemo(
    () =>
      new RunWindows((f, offset, limit) =>
        getRunWindow(entity, project, { filters: f, order, offset, limit, columns: valueColumns }),
      ),
    [entity, project, order, valueKey, filters],
  );
  useEffect(() => () => windows.close(), [windows]);
  const version = useSyncExternalStore(
    (listener) => windows.subscribe(listener),
    () => windows.version,
  );
  const total = windows.total(filters);

  // The first runs, for the count and the default selection.
  useEffect(() => windows.ensure(filters, 0, DEFAULT_SELECTED - 1), [windows, filters]);
  const chartRun = useCallback(
    (run: TableRun, color: string): ChartRun => ({
      entity,
      project,
      name: run.name,
      displayName: run.displayName,
      color,
      running: run.state === "running",
    }),
    [entity, project],
  );
  useEffect(() => {
    if (initialized.current || total === undefined) return;
    initialized.current = true;
    const first: [string, ChartRun][] = [];
    const used = new Set<string>();
    for (let i = 0; i < Math.min(DEFAULT_SELECTED, total); i++) {
      const run = windows.get(filters, i);
      if (!run) continue;
      const color = pickColor(run.name, used);
      used.add(color);
      first.push([run.name, chartRun(run, color)]);
    }
    setSelection(new Map(first));
  });

  // Live: while a shown or selected run is running, read the shown rows again, and carry their
  // state into the selection (the charts stop refreshing a run once it has finished).
  const live = [...selection.values()].some((r) => r.running);
  const polling = live || windows.anyRunning();
  useEffect(() => {
    if (!polling) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") windows.refresh();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, [polling, windows]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the arrival of new rows.
  useEffect(() => {
    setSelection((current) => {
      let changed = false;
      const next = new Map(current);
      for (const [name, chosen] of current) {
        const row = windows.find(name);
        if (row && (row.state === "running") !== chosen.running) {
          next.set(name, { ...chosen, running: row.state === "running" });
          changed = true;
        }
      }
      return changed ? next : current;
    });
  }, [windows, version]);

  const [groups, setGroups] = useState<{ field: string; filters: string; groups: Group[] } | null>(null);
  const [groupError, setGroupError] = useState<string | null>(null);
  useEffect(() => {
    if (groupBy === "") return;
    let live = true;
    getRunGroups(entity, project, groupBy, filters).then(
      (answer) => {
        if (!live) return;
        setGroupError(null);
        setGroups({
          field: groupBy,
          filters,
          groups: answer.groups.map((g) => ({
            key: JSON.stringify(g.value),
            value: g.value,
            count: g.count,
          })),
        });
      },
      (error: unknown) => live && setGroupError(messageOf(error)),
    );
    return () => {
      live = false;
    };
  }, [entity, project, groupBy, filters]);
  const grouping =
    groupBy !== "" && groups !== null && groups.field === groupBy && groups.filters === filters
      ? { field: groups.field, groups: groups.groups }
      : null;

  const toggleRun = (run: TableRun) =>
    setSelection((current) => {
      const next = new Map(current);
      if (next.has(run.name)) next.delete(run.name);
      else
        next.set(
          run.name,
          chartRun(run, pickColor(run.name, new Set([...current.values()].map((r) => r.color)))),
        );
      return next;
    });
  const toggleGroup = (key: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const selected = useMemo(() => [...selection.values()], [selection]);
  // System metrics are fetched only while their section is open.
  const [systemOpen, setSystemOpen] = useState(false);
  const error = windows.error ?? null;

  return (
    <>
      <div className="workspace-toolbar">
        <FilterBuilder rows={filterRows} onChange={setFilterRows} keys={keys} />
        <GroupBySelect
          value={groupBy}
          onChange={(field) => {
            setGroupBy(field);
            setExpanded(new Set());
          }}
          keys={keys}
        />
        <ColumnPicker columns={columns} onChange={setColumns} keys={keys} />
      </div>
      <p className="runs-summary muted" data-testid="runs-summary">
        {total === undefined ? "Loading runs…" : plural(total, "run")}
        {grouping ? ` in ${plural(grouping.groups.length, "group")}` : ""} · {selection.size} selected{" "}
        {selection.size > 0 ? (
          <button type="button" className="link-button" onClick={() => setSelection(new Map())}>
            Clear selection
          </button>
        ) : null}
      </p>
      {error ? <ErrorNote message={messageOf(error)} /> : null}
      {groupError ? <ErrorNote message={groupError} /> : null}
      <RunsTable
        entity={entity}
        project={project}
        windows={windows}
        filters={filters}
        columns={columns}
        order={order}
        onSort={(column: Column) => setOrder((current) => nextOrder(current, column, DEFAULT_ORDER))}
        grouping={grouping}
        expanded={expanded}
        onToggleGroup={toggleGroup}
        selected={new Set(selection.keys())}
        onToggleRun={toggleRun}
        colorOf={(name) => selection.get(name)?.color ?? runColor(name)}
      />
      <div className="workspace-charts">
        <MetricPanels runs={selected} live={selected.some((r) => r.running)} />
        {selected.length > 0 ? (
          <details className="workspace-system" onToggle={(event) => setSystemOpen(event.currentTarget.open)}>
            <summary>System metrics</summary>
            {systemOpen ? <SystemPanels runs={selected} /> : null}
          </details>
        ) : null}
      </div>
    </>
  );
}
