/**
 * The runs table's columns: the run's own fields and any `config.*` / `summary.*` key, what each
 * sorts, groups and filters by in the wandb.Api language, and how a cell reads. Pure (columns.test.ts).
 */
import type { Cell, TableRun } from "../api/workspace.ts";

export interface Column {
  /** `name`, `state`, … or the key itself: `config.lr`, `summary.loss`. */
  readonly id: string;
  readonly label: string;
  /** The order field (`+`/`-` prefixed when sent); null: not sortable. */
  readonly sort: string | null;
  /** The filter/group field name; null: cannot group by it. */
  readonly group: string | null;
  readonly width: number;
  readonly numeric: boolean;
}

export const BUILTIN_COLUMNS: readonly Column[] = [
  { id: "name", label: "Name", sort: "display_name", group: null, width: 220, numeric: false },
  { id: "state", label: "State", sort: "state", group: "state", width: 96, numeric: false },
  { id: "user", label: "User", sort: "username", group: "username", width: 110, numeric: false },
  { id: "createdAt", label: "Created", sort: "created_at", group: null, width: 130, numeric: false },
  { id: "runtime", label: "Runtime", sort: "duration", group: null, width: 90, numeric: true },
  { id: "tags", label: "Tags", sort: null, group: null, width: 150, numeric: false },
  { id: "notes", label: "Notes", sort: "notes", group: "notes", width: 160, numeric: false },
  { id: "group", label: "Group", sort: "group", group: "group", width: 120, numeric: false },
  { id: "jobType", label: "Job type", sort: "job_type", group: "jobType", width: 100, numeric: false },
  { id: "sweep", label: "Sweep", sort: "sweep", group: "sweep", width: 100, numeric: false },
];

/** Shown before the user picks columns: the run's main fields and the first keys of each kind. */
export const DEFAULT_BUILTINS = ["name", "state", "user", "createdAt", "runtime", "tags"];
const DEFAULT_KEYS_OF_EACH = 6;

export function columnOf(id: string): Column {
  const builtin = BUILTIN_COLUMNS.find((c) => c.id === id);
  if (builtin) return builtin;
  const label = id.startsWith("config.") ? id.slice("config.".length) : id.slice("summary.".length);
  return { id, label, sort: id, group: id, width: 120, numeric: true };
}

export function isKeyColumn(id: string): boolean {
  return id.startsWith("config.") || id.startsWith("summary.");
}

export function defaultColumns(keys: { config: readonly string[]; summary: readonly string[] }): string[] {
  return [
    ...DEFAULT_BUILTINS,
    ...keys.config.slice(0, DEFAULT_KEYS_OF_EACH),
    ...keys.summary.slice(0, DEFAULT_KEYS_OF_EACH),
  ];
}

/** `+key` / `-key` for a header click: ascending first, then descending, then back to `fallback`. */
export function nextOrder(current: string, column: Column, fallback: string): string {
  if (column.sort === null) return current;
  if (current === `+${column.sort}`) return `-${column.sort}`;
  if (current === `-${column.sort}`) return fallback;
  return `+${column.sort}`;
}

/** "ascending" / "descending" when `order` sorts by the column, else null. */
export function sortDirection(order: string, column: Column): "ascending" | "descending" | null {
  if (column.sort === null) return null;
  if (order === `+${column.sort}` || order === column.sort) return "ascending";
  if (order === `-${column.sort}`) return "descending";
  return null;
}

/** A number as a table shows it: integers whole, others to 4 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString("en", { useGrouping: false });
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

export function cellText(cell: Cell | undefined): string {
  if (cell === undefined || cell === null) return "";
  if (typeof cell === "number") return formatNumber(cell);
  return String(cell);
}

/** Seconds as `1h 2m`, `3m 4s`, `5s`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** The text of a (non-name) cell; the table renders it as text, never as markup. */
export function runCellText(run: TableRun, id: string): string {
  switch (id) {
    case "name":
      return run.displayName;
    case "state":
      return run.state;
    case "user":
      return run.user ?? "";
    case "createdAt":
      return run.createdAt;
    case "runtime":
      return formatDuration(run.runtime);
    case "tags":
      return run.tags.join(", ");
    case "notes":
      return run.notes ?? "";
    case "group":
      return run.group ?? "";
    case "jobType":
      return run.jobType ?? "";
    case "sweep":
      return run.sweep ?? "";
    default:
      return cellText(run.values[id]);
  }
}

/** A group header's label for its value. */
export function groupLabel(value: unknown): string {
  if (value === null || value === undefined || value === "") return "(none)";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
