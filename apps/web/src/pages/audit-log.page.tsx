import { type FormEvent, useCallback, useEffect, useState } from "react";
import { type AuditEntry, type AuditFilter, listAuditLog } from "../api/audit.ts";
import { messageOf } from "../api/client.ts";
import { ErrorNote, Field } from "../components/form.tsx";
import { absoluteTime } from "../format.ts";
import { Link } from "../router.tsx";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";

/** Instance admins: who did what, newest first, filtered by action and actor. */
export function AuditLogPage() {
  const [filter, setFilter] = useState<AuditFilter>({});
  const load = useCallback(() => listAuditLog(filter, null), [filter]);
  const { state } = useLoad(load);
  const [more, setMore] = useState<{ entries: AuditEntry[]; nextCursor: string | null } | null>(null);
  const { busy, error, run } = useAction();

  useEffect(() => {
    document.title = "Audit log · Ballast";
  }, []);
  // A new filter starts over from the newest entries.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `filter` is the reset trigger.
  useEffect(() => setMore(null), [filter]);

  const first = state.kind === "ready" ? state.value : null;
  const entries = [...(first?.entries ?? []), ...(more?.entries ?? [])];
  const nextCursor = more === null ? (first?.nextCursor ?? null) : more.nextCursor;

  const loadMore = () =>
    run(async () => {
      if (nextCursor === null) return;
      const page = await listAuditLog(filter, nextCursor);
      setMore({ entries: [...(more?.entries ?? []), ...page.entries], nextCursor: page.nextCursor });
    });

  return (
    <section aria-labelledby="audit-log-title">
      <p className="muted">
        <Link to="/system-admin">System admin</Link> /
      </p>
      <h1 id="audit-log-title">Audit log</h1>
      <p className="muted">
        Sign-ins, keys, teams, deletions and settings changes, newest first. The server also writes the log to
        the bucket under <code>audit-logs/</code>.
      </p>
      <FilterForm onFilter={setFilter} actions={first?.actions ?? []} />
      {state.kind === "loading" ? <p className="muted">Loading…</p> : null}
      {state.kind === "failed" ? <ErrorNote message={messageOf(state.error)} /> : null}
      {state.kind === "ready" ? (
        entries.length === 0 ? (
          <p className="muted">No entries match.</p>
        ) : (
          <AuditTable entries={entries} />
        )
      ) : null}
      {nextCursor !== null && state.kind === "ready" ? (
        <button type="button" disabled={busy} onClick={() => void loadMore()}>
          {busy ? "Loading…" : "Load more"}
        </button>
      ) : null}
      <ErrorNote message={error} />
    </section>
  );
}

/** `actions`: the ones the server records, suggested as the action filter (any text filters too). */
function FilterForm({
  onFilter,
  actions,
}: {
  readonly onFilter: (filter: AuditFilter) => void;
  readonly actions: readonly string[];
}) {
  const [action, setAction] = useState("");
  const [actor, setActor] = useState("");

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onFilter({ action: action.trim(), actor: actor.trim() });
  };

  return (
    <form className="card inline-form" onSubmit={submit} aria-label="Filter the audit log">
      <Field label="Action" value={action} onValue={setAction} name="action" list="audit-actions" />
      <datalist id="audit-actions">
        {actions.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <Field label="Actor" value={actor} onValue={setActor} name="actor" placeholder="username" />
      <button type="submit" className="primary">
        Filter
      </button>
    </form>
  );
}

function AuditTable({ entries }: { readonly entries: readonly AuditEntry[] }) {
  return (
    <table className="keys audit-log">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Entity</th>
          <th scope="col">Target</th>
          <th scope="col">Detail</th>
          <th scope="col">Address</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry) => (
          <tr key={entry.id} data-testid="audit-row">
            <td>
              <time dateTime={entry.at}>{absoluteTime(entry.at)}</time>
            </td>
            <td>{entry.actor === null ? <span className="muted">—</span> : entry.actor.username}</td>
            <td>
              <code>{entry.action}</code>
            </td>
            <td>{entry.entity ?? ""}</td>
            <td>{entry.target ?? ""}</td>
            <td>
              {Object.entries(entry.detail)
                .map(([key, value]) => `${key}: ${String(value)}`)
                .join(", ")}
            </td>
            <td>{entry.address ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
