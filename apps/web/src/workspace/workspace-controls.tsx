/** The workspace toolbar: the filter builder, group-by and the column picker. */
import { useState } from "react";
import { BUILTIN_COLUMNS } from "./columns.ts";
import { type FilterRow, OPERATOR_LABELS, OPERATORS, type Operator } from "./filters.ts";

export interface Keys {
  readonly config: readonly string[];
  readonly summary: readonly string[];
}

/** Filter field names the server knows for the run's own fields (run-query.ts). */
const RUN_FIELDS = [
  "displayName",
  "name",
  "state",
  "username",
  "tags",
  "group",
  "jobType",
  "sweep",
  "notes",
  "createdAt",
  "duration",
];

export function FilterBuilder(props: {
  readonly rows: readonly FilterRow[];
  readonly onChange: (rows: FilterRow[]) => void;
  readonly keys: Keys;
}) {
  const { rows, onChange } = props;
  const update = (i: number, patch: Partial<FilterRow>) =>
    onChange(rows.map((row, j) => (j === i ? { ...row, ...patch } : row)));
  return (
    <fieldset className="filter-builder">
      <legend>Filters</legend>
      <datalist id="workspace-fields">
        {[...RUN_FIELDS, ...props.keys.config, ...props.keys.summary].map((field) => (
          <option key={field} value={field} />
        ))}
      </datalist>
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position.
        <div key={i} className="filter-row" data-testid="filter-row">
          <input
            aria-label="Filter field"
            list="workspace-fields"
            placeholder="config.lr"
            value={row.field}
            onChange={(event) => update(i, { field: event.target.value })}
          />
          <select
            aria-label="Filter operator"
            value={row.op}
            onChange={(event) => update(i, { op: event.target.value as Operator })}
          >
            {OPERATORS.map((op) => (
              <option key={op} value={op}>
                {OPERATOR_LABELS[op]}
              </option>
            ))}
          </select>
          <input
            aria-label="Filter value"
            placeholder={row.op === "$in" ? "a, b, c" : "value"}
            value={row.value}
            onChange={(event) => update(i, { value: event.target.value })}
          />
          <button
            type="button"
            aria-label="Remove filter"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { field: "", op: "$eq", value: "" }])}>
        Add filter
      </button>
    </fieldset>
  );
}

export function GroupBySelect(props: {
  readonly value: string;
  readonly onChange: (field: string) => void;
  readonly keys: Keys;
}) {
  return (
    <label className="group-by">
      Group by{" "}
      <select value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        <option value="">No grouping</option>
        {BUILTIN_COLUMNS.filter((c) => c.group !== null).map((c) => (
          <option key={c.id} value={c.group ?? ""}>
            {c.label}
          </option>
        ))}
        {[...props.keys.config, ...props.keys.summary].map((key) => (
          <option key={key} value={key}>
            {key}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ColumnPicker(props: {
  readonly columns: readonly string[];
  readonly onChange: (columns: string[]) => void;
  readonly keys: Keys;
}) {
  const [search, setSearch] = useState("");
  const shown = new Set(props.columns);
  const all = [
    ...BUILTIN_COLUMNS.map((c) => ({ id: c.id, label: c.label })),
    ...[...props.keys.config, ...props.keys.summary].map((key) => ({ id: key, label: key })),
  ].filter((c) => c.id !== "name" && c.label.toLowerCase().includes(search.toLowerCase()));
  const toggle = (id: string) =>
    props.onChange(shown.has(id) ? props.columns.filter((c) => c !== id) : [...props.columns, id]);
  return (
    <details className="column-picker">
      <summary>Columns ({props.columns.length})</summary>
      <div className="column-picker-panel">
        <input
          aria-label="Search columns"
          placeholder="Search columns"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <ul>
          {all.slice(0, 300).map((c) => (
            <li key={c.id}>
              <label>
                <input type="checkbox" checked={shown.has(c.id)} onChange={() => toggle(c.id)} /> {c.label}
              </label>
            </li>
          ))}
        </ul>
      </div>
    </details>
  );
}
