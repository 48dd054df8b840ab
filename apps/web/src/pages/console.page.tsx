/**
 * The management console (`/console`): the deployment's active spec — chart, release, status, the
 * merged values with secrets masked and the layer each came from — and the console's own layer of
 * values, which admins edit as JSON. Under the operator, saving writes `<name>-spec-user` and the
 * operator applies it; standalone it is kept in the server's settings. Reached as an instance admin
 * or with the console password (`<release>-password` Secret).
 */
import { type FormEvent, useEffect, useState } from "react";
import { ApiError, messageOf } from "../api/client.ts";
import { consoleLogin, consoleView, updateConsoleValues } from "../api/endpoints.ts";
import type { ConsoleView } from "../api/types.ts";
import { ErrorNote, Field } from "../components/form.tsx";
import { KeyValueTable } from "../components/key-value-table.tsx";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";

export function ConsolePage() {
  const { state, reload } = useLoad(consoleView);
  useEffect(() => {
    document.title = "Console · Ballast";
  }, []);
  const signInNeeded =
    state.kind === "failed" &&
    state.error instanceof ApiError &&
    (state.error.status === 401 || state.error.status === 403);
  return (
    <main className="console-page">
      <section aria-labelledby="console-title">
        <h1 id="console-title">Management console</h1>
        {state.kind === "loading" ? <p className="muted">Loading…</p> : null}
        {signInNeeded ? <ConsoleSignIn onSignedIn={reload} /> : null}
        {state.kind === "failed" && !signInNeeded ? <ErrorNote message={messageOf(state.error)} /> : null}
        {state.kind === "ready" ? <ConsoleBody view={state.value} onSaved={reload} /> : null}
      </section>
    </main>
  );
}

function ConsoleSignIn({ onSignedIn }: { readonly onSignedIn: () => void }) {
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    await run(async () => {
      await consoleLogin(password);
      onSignedIn();
    });
  };
  return (
    <form className="card auth-card" onSubmit={submit} aria-label="Console sign-in">
      <p className="muted">
        Sign in to Ballast as an instance admin, or enter the console password:{" "}
        <code>
          kubectl get secret &lt;release&gt;-password -o jsonpath='{"{.data.password}"}' | base64 -d
        </code>
      </p>
      <Field
        label="Console password"
        type="password"
        value={password}
        onValue={setPassword}
        autoComplete="current-password"
      />
      <ErrorNote message={error} />
      <button type="submit" className="primary" disabled={busy || password === ""}>
        Sign in
      </button>
    </form>
  );
}

function ConsoleBody({ view, onSaved }: { readonly view: ConsoleView; readonly onSaved: () => void }) {
  const { resource } = view;
  const rows: [string, string][] = [];
  if (resource) {
    rows.push(["Resource", `WeightsAndBiases ${resource.namespace}/${resource.name}`]);
    rows.push(["Phase", resource.phase ?? "not reconciled yet"]);
    rows.push(["Chart version", resource.version ?? "—"]);
    if (view.release?.releaseName)
      rows.push(["Release", `${view.release.releaseName} (${view.release.releaseCreatedAt ?? "?"})`]);
    if (resource.message) rows.push(["Last reconcile", resource.message]);
    rows.push(["Applied generation", `${resource.observedGeneration ?? "—"} of ${resource.generation}`]);
  } else {
    rows.push([
      "Mode",
      "standalone: no operator manages this server; the values below are what it runs with",
    ]);
  }
  if (view.pending)
    rows.push(["Pending", "the merged values differ from the applied ones; the operator is applying them"]);
  return (
    <>
      <KeyValueTable label="Deployment" rows={rows} />
      <ValuesTable view={view} />
      <UserValuesForm view={view} onSaved={onSaved} />
    </>
  );
}

/** Leaves of the merged values with the layer each came from. */
function ValuesTable({ view }: { readonly view: ConsoleView }) {
  const leaves: [string, string][] = [];
  const walk = (value: unknown, path: string): void => {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
    } else if (path) {
      leaves.push([path, JSON.stringify(value)]);
    }
  };
  walk(view.values, "");
  leaves.sort(([a], [b]) => a.localeCompare(b));
  return (
    <table className="keys" aria-label="Applied values">
      <caption>Applied values (secrets masked)</caption>
      <thead>
        <tr>
          <th scope="col">Setting</th>
          <th scope="col">Value</th>
          <th scope="col">From</th>
        </tr>
      </thead>
      <tbody>
        {leaves.map(([path, value]) => (
          <tr key={path}>
            <th scope="row">
              <code>{path}</code>
            </th>
            <td>
              <code>{value}</code>
            </td>
            <td>{view.origins[path] ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function UserValuesForm({ view, onSaved }: { readonly view: ConsoleView; readonly onSaved: () => void }) {
  const [text, setText] = useState(() => JSON.stringify(view.userValues, null, 2));
  const [saved, setSaved] = useState(false);
  const { busy, error, setError, run } = useAction();
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    let values: unknown;
    try {
      values = JSON.parse(text);
    } catch (failure) {
      setError(`Not JSON: ${messageOf(failure)}`);
      return;
    }
    await run(async () => {
      const next = await updateConsoleValues(values);
      setText(JSON.stringify(next.userValues, null, 2));
      setSaved(true);
      onSaved();
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Console values">
      <h2>Console values</h2>
      <p className="muted">
        {view.mode === "operator"
          ? "Helm values merged over the release channel's and under the resource's own (the resource wins where both set a value; lists are replaced whole). Saving hands them to the operator, which upgrades the release."
          : "Kept in this server's settings; an operator would merge them under the resource's values."}{" "}
        Masked values (********) sent back unchanged keep what is stored.
      </p>
      <label htmlFor="console-values">Values (JSON)</label>
      <textarea
        id="console-values"
        rows={14}
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <ErrorNote message={error} />
      {saved ? <p role="status">Saved.</p> : null}
      <button type="submit" className="primary" disabled={busy}>
        Save
      </button>
    </form>
  );
}
