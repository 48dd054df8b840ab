/** The Overview tab: where and how the run ran, its tags and notes (editable), config and summary. */
import { type ReactNode, useState } from "react";
import { patchRun, type RunOverview } from "../api/runs.ts";
import { ErrorNote } from "../components/form.tsx";
import { absoluteTime, isoTime, relativeTime } from "../format.ts";
import { useAction } from "../use-action.ts";
import type { RunTabContext } from "./tabs.tsx";
import { commandLine, flattenValues, formatDuration, parseTagInput } from "./values.ts";

export function OverviewTab({ run, reload }: RunTabContext) {
  return (
    <div className="run-overview">
      <section className="card" aria-labelledby="run-about">
        <h2 id="run-about">About</h2>
        <About run={run} />
      </section>
      <section className="card" aria-labelledby="run-tags">
        <h2 id="run-tags">Tags</h2>
        <TagsEditor run={run} onSaved={reload} />
        <h2 id="run-notes">Notes</h2>
        <NotesEditor run={run} onSaved={reload} />
      </section>
      <section className="card wide" aria-labelledby="run-config">
        <h2 id="run-config">Config</h2>
        <ValueTable label="Config" values={run.config} empty="No config was logged." />
      </section>
      <section className="card wide" aria-labelledby="run-summary">
        <h2 id="run-summary">Summary</h2>
        <ValueTable
          label="Summary"
          values={run.summary}
          hidden={(key) => key === "_wandb"}
          empty="No summary values yet."
        />
      </section>
    </div>
  );
}

function Time({ value }: { value: string | null }) {
  if (value === null) return <>—</>;
  return (
    <time dateTime={isoTime(value)} title={absoluteTime(value)}>
      {absoluteTime(value)} ({relativeTime(value)})
    </time>
  );
}

function About({ run }: { run: RunOverview }) {
  const rows: [string, ReactNode][] = [
    [
      "State",
      run.exitCode !== null && run.state !== "running"
        ? `${run.state} (exit code ${run.exitCode})`
        : run.state,
    ],
    ["User", run.user ?? "—"],
    ["Created", <Time key="c" value={run.createdAt} />],
    ["Runtime", formatDuration(run.runtime)],
    ["Last heartbeat", <Time key="h" value={run.heartbeatAt} />],
    ["Host", run.host ?? "—"],
    ["Program", run.program ?? "—"],
    ["Command", <code key="cmd">{commandLine(run.codePath ?? run.program, run.args)}</code>],
    ["Git remote", run.git?.remote ?? "—"],
    ["Git commit", run.git?.commit ? <code key="g">{run.git.commit}</code> : "—"],
    ["Python", run.python ?? "—"],
    ["OS", run.os ?? "—"],
  ];
  if (run.group !== null) rows.push(["Group", run.group]);
  if (run.jobType !== null) rows.push(["Job type", run.jobType]);
  if (run.sweep !== null) rows.push(["Sweep", run.sweep]);
  return (
    <dl className="about-list">
      {rows.map(([term, value]) => (
        <div key={term} data-testid={`about-${term.toLowerCase().replaceAll(" ", "-")}`}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function TagsEditor({ run, onSaved }: { run: RunOverview; onSaved: () => void }) {
  const [draft, setDraft] = useState("");
  const action = useAction();
  const save = (tags: readonly string[]) =>
    action.run(async () => {
      await patchRun(run.entity, run.project, run.name, { tags });
      setDraft("");
      onSaved();
    });
  return (
    <div>
      <ul className="tag-list" aria-label="Tags">
        {run.tags.length === 0 ? <li className="muted">No tags.</li> : null}
        {run.tags.map((tag) => (
          <li key={tag} className="tag" data-testid="run-tag">
            <span>{tag}</span>
            {run.canWrite ? (
              <button
                type="button"
                aria-label={`Remove tag ${tag}`}
                disabled={action.busy}
                onClick={() => void save(run.tags.filter((t) => t !== tag))}
              >
                ×
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {run.canWrite ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (draft.trim() !== "") void save(parseTagInput(draft, run.tags));
          }}
        >
          <label className="visually-hidden" htmlFor="tag-input">
            Add tags
          </label>
          <input
            id="tag-input"
            placeholder="Add tags (comma-separated)"
            value={draft}
            maxLength={1000}
            onChange={(event) => setDraft(event.target.value)}
          />
          <button type="submit" disabled={action.busy || draft.trim() === ""}>
            Add
          </button>
        </form>
      ) : null}
      <ErrorNote message={action.error} />
    </div>
  );
}

function NotesEditor({ run, onSaved }: { run: RunOverview; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(run.notes);
  const action = useAction();
  if (!editing) {
    return (
      <div>
        {run.notes === "" ? (
          <p className="muted">No notes.</p>
        ) : (
          <p className="run-notes" data-testid="run-notes">
            {run.notes}
          </p>
        )}
        {run.canWrite ? (
          <button
            type="button"
            onClick={() => {
              setDraft(run.notes);
              setEditing(true);
            }}
          >
            Edit notes
          </button>
        ) : null}
      </div>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(async () => {
          await patchRun(run.entity, run.project, run.name, { notes: draft });
          setEditing(false);
          onSaved();
        });
      }}
    >
      <label className="visually-hidden" htmlFor="notes-input">
        Notes
      </label>
      <textarea
        id="notes-input"
        className="notes-input"
        rows={5}
        maxLength={100_000}
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
      />
      <div className="button-row">
        <button type="submit" className="primary" disabled={action.busy}>
          Save notes
        </button>
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
      <ErrorNote message={action.error} />
    </form>
  );
}

function ValueTable({
  label,
  values,
  hidden,
  empty,
}: {
  label: string;
  values: RunOverview["config"];
  hidden?: (key: string) => boolean;
  empty: string;
}) {
  const [filter, setFilter] = useState("");
  const rows = flattenValues(values, hidden);
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  const needle = filter.trim().toLowerCase();
  const shown = needle === "" ? rows : rows.filter((r) => r.key.toLowerCase().includes(needle));
  return (
    <>
      {rows.length > 10 ? (
        <input
          type="search"
          className="value-filter"
          aria-label={`Filter ${label.toLowerCase()} keys`}
          placeholder="Filter keys"
          value={filter}
          onChange={(event) => setFilter(event.target.value)}
        />
      ) : null}
      <table className="value-table" aria-label={label}>
        <tbody>
          {shown.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.key}</th>
              <td>{row.text}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
