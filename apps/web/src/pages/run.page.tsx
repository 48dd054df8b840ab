/**
 * `/:entity/:project/runs/:run`: the run's header (breadcrumb, name, state) and its tabs (RUN_TABS in
 * run/tabs.tsx). The selected tab lives in the address (`?tab=logs`) so a link or a reload lands on
 * it. While the run is running its overview is re-read every few seconds.
 */
import { useCallback, useEffect, useState } from "react";
import { messageOf } from "../api/client.ts";
import { getRun, patchRun, type RunOverview } from "../api/runs.ts";
import { ErrorNote } from "../components/form.tsx";
import { Link } from "../router.tsx";
import { RUN_TABS, type RunTabContext } from "../run/tabs.tsx";
import { usePoll } from "../run/use-poll.ts";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";
import "../run/run.css";

/** Overview refresh while the run is running. */
const POLL_MS = 4000;
/** The run page draws its one run in the first colour of the charts' palette. */
const RUN_COLOR = "#1f77b4";

export function RunPage({ entity, project, run }: { entity: string; project: string; run: string }) {
  const load = useCallback(() => getRun(entity, project, run), [entity, project, run]);
  const { state, reload } = useLoad(load);
  const [tab, setTab] = useState(() => tabFromLocation());

  const overview = state.kind === "ready" ? state.value : null;
  const running = overview?.state === "running";
  usePoll(reload, POLL_MS, running);

  useEffect(() => {
    document.title = `${overview?.displayName ?? run} · ${project} · Ballast`;
  }, [overview?.displayName, run, project]);

  const select = (id: string) => {
    setTab(id);
    const url = new URL(window.location.href);
    if (id === RUN_TABS[0]?.id) url.searchParams.delete("tab");
    else url.searchParams.set("tab", id);
    window.history.replaceState(null, "", `${url.pathname}${url.search}`);
  };

  const current = RUN_TABS.find((t) => t.id === tab) ?? RUN_TABS[0];

  return (
    <section className="run-page" aria-labelledby="run-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">{entity}</Link>
        <span aria-hidden="true">/</span>
        <Link to={`/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`}>{project}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">{overview?.displayName ?? run}</span>
      </nav>
      {state.kind === "loading" ? <p className="muted">Loading the run…</p> : null}
      {state.kind === "failed" ? <ErrorNote message={messageOf(state.error)} /> : null}
      {overview !== null && current !== undefined ? (
        <>
          <RunHeader overview={overview} onSaved={reload} />
          <div role="tablist" aria-label="Run views" className="run-tabs">
            {RUN_TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                id={`run-tab-${t.id}`}
                aria-selected={t.id === current.id}
                aria-controls="run-tab-panel"
                className="run-tab"
                onClick={() => select(t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id="run-tab-panel" aria-labelledby={`run-tab-${current.id}`}>
            {current.render(contextOf(entity, project, run, overview, reload))}
          </div>
        </>
      ) : null}
    </section>
  );
}

function contextOf(
  entity: string,
  project: string,
  name: string,
  run: RunOverview,
  reload: () => void,
): RunTabContext {
  return { entity, project, name, run, running: run.state === "running", color: RUN_COLOR, reload };
}

function tabFromLocation(): string {
  return new URLSearchParams(window.location.search).get("tab") ?? RUN_TABS[0]?.id ?? "overview";
}

/** The run's name (editable by people who may write to it), state and who ran it. */
function RunHeader({ overview, onSaved }: { overview: RunOverview; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(overview.displayName);
  const action = useAction();

  const save = () =>
    action.run(async () => {
      await patchRun(overview.entity, overview.project, overview.name, { displayName: name });
      setEditing(false);
      onSaved();
    });

  return (
    <header className="run-header">
      {editing ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <label className="visually-hidden" htmlFor="run-name-input">
            Run name
          </label>
          <input
            id="run-name-input"
            value={name}
            maxLength={128}
            onChange={(event) => setName(event.target.value)}
          />
          <button type="submit" className="primary" disabled={action.busy}>
            Save name
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <h1 id="run-title">
          {overview.displayName}
          {overview.canWrite ? (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setName(overview.displayName);
                setEditing(true);
              }}
            >
              Rename
            </button>
          ) : null}
        </h1>
      )}
      <ErrorNote message={action.error} />
      <p className="run-subtitle">
        <StateBadge state={overview.state} />
        <code title="Run id">{overview.name}</code>
        {overview.user !== null ? <span className="muted">by {overview.user}</span> : null}
      </p>
    </header>
  );
}

function StateBadge({ state }: { state: string }) {
  return (
    <span
      className={`state-badge state-${/^[a-z]+$/.test(state) ? state : "unknown"}`}
      data-testid="run-state"
    >
      {state}
    </span>
  );
}
