import { type FormEvent, useEffect, useRef, useState } from "react";
import { messageOf } from "../api/client.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "../api/endpoints.ts";
import type { ApiKeySummary, CreatedApiKey } from "../api/types.ts";
import { ErrorNote, Field } from "../components/form.tsx";
import { absoluteTime, isoTime, relativeTime } from "../format.ts";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";

/** The viewer's API keys: create one (shown once), list them, revoke one. */
export function ApiKeysPage() {
  const { state, reload } = useLoad(listApiKeys);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);

  useEffect(() => {
    document.title = "API keys · Ballast";
  }, []);

  return (
    <section aria-labelledby="api-keys-title">
      <h1 id="api-keys-title">API keys</h1>
      <p className="muted">
        Keys let the <code>wandb</code> client and scripts act as you. Revoked keys stop working at once.
      </p>
      <CreateKeyForm
        onCreated={(key) => {
          setCreated(key);
          reload();
        }}
      />
      {created === null ? null : <NewKey created={created} onDismiss={() => setCreated(null)} />}
      {state.kind === "loading" ? <p className="muted">Loading keys…</p> : null}
      {state.kind === "failed" ? <ErrorNote message={messageOf(state.error)} /> : null}
      {state.kind === "ready" ? (
        <KeyTable
          keys={state.value.keys}
          onRevoked={(id) => {
            if (created !== null && String(created.id) === String(id)) setCreated(null);
            reload();
          }}
        />
      ) : null}
    </section>
  );
}

function CreateKeyForm({ onCreated }: { readonly onCreated: (key: CreatedApiKey) => void }) {
  const [name, setName] = useState("");
  const { busy, error, run } = useAction();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    await run(async () => {
      onCreated(await createApiKey(name.trim()));
      setName("");
    });
  };

  return (
    <form className="card inline-form" onSubmit={submit} aria-label="Create an API key">
      <Field
        label="New key name"
        value={name}
        onValue={setName}
        name="name"
        placeholder="e.g. laptop, training cluster"
        maxLength={100}
        required
      />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? "Creating…" : "Create key"}
      </button>
      <ErrorNote message={error} />
    </form>
  );
}

function NewKey({ created, onDismiss }: { readonly created: CreatedApiKey; readonly onDismiss: () => void }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const keyRef = useRef<HTMLElement>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied("yes");
    } catch {
      // No clipboard access (an insecure origin, a denied permission): select it for Ctrl+C.
      const element = keyRef.current;
      const selection = window.getSelection();
      if (element !== null && selection !== null) selection.selectAllChildren(element);
      setCopied("failed");
    }
  };

  return (
    <div className="card new-key" role="status" aria-label="New API key">
      <p>
        <strong>Key “{created.name}” created.</strong> Copy it now: it is shown only this once.
      </p>
      <div className="key-row">
        <code ref={keyRef} className="secret" data-testid="new-api-key">
          {created.key}
        </code>
        <button type="button" onClick={() => void copy()}>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      {copied === "failed" ? (
        <p className="hint">The key is selected: press Ctrl+C (⌘C) to copy it.</p>
      ) : null}
      <p className="hint">
        Log in with it: <code>{`wandb login --host ${window.location.origin}`}</code> and paste the key.
      </p>
      <button type="button" className="link-button" onClick={onDismiss}>
        Done
      </button>
    </div>
  );
}

function KeyTable({
  keys,
  onRevoked,
}: {
  readonly keys: readonly ApiKeySummary[];
  readonly onRevoked: (id: ApiKeySummary["id"]) => void;
}) {
  if (keys.length === 0) return <p className="muted">You have no API keys.</p>;
  return (
    <table className="keys">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Key</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((key) => (
          <KeyRow key={String(key.id)} apiKey={key} onRevoked={onRevoked} />
        ))}
      </tbody>
    </table>
  );
}

function KeyRow({
  apiKey,
  onRevoked,
}: {
  readonly apiKey: ApiKeySummary;
  readonly onRevoked: (id: ApiKeySummary["id"]) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();

  const revoke = () =>
    run(async () => {
      await revokeApiKey(apiKey.id);
      onRevoked(apiKey.id);
    });

  return (
    <tr data-testid="api-key-row">
      <td>{apiKey.name}</td>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td>
        <time dateTime={isoTime(apiKey.createdAt)} title={absoluteTime(apiKey.createdAt)}>
          {relativeTime(apiKey.createdAt)}
        </time>
      </td>
      <td>
        {apiKey.lastUsedAt === null ? (
          <span className="muted">never</span>
        ) : (
          <time dateTime={isoTime(apiKey.lastUsedAt)} title={absoluteTime(apiKey.lastUsedAt)}>
            {relativeTime(apiKey.lastUsedAt)}
          </time>
        )}
      </td>
      <td className="actions">
        {confirming ? (
          <>
            <button type="button" className="danger" disabled={busy} onClick={() => void revoke()}>
              {busy ? "Revoking…" : `Revoke “${apiKey.name}”`}
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Revoke
          </button>
        )}
        <ErrorNote message={error} />
      </td>
    </tr>
  );
}
