/**
 * API-key pieces shared by the personal keys page, the team page (service accounts) and the users
 * page: a new key shown once with a copy button, and a table of keys with a confirmed revoke.
 */
import { type ReactNode, useRef, useState } from "react";
import type { ApiKeySummary } from "../api/types.ts";
import { absoluteTime, isoTime, relativeTime } from "../format.ts";
import { useAction } from "../use-action.ts";
import { ErrorNote } from "./form.tsx";

/** A freshly created key: the server never shows it again, so say so and offer to copy it. */
export function NewKey({
  title,
  secret,
  label = "New API key",
  onDismiss,
}: {
  /** What was created, e.g. `Key “laptop” created.` */
  readonly title: ReactNode;
  readonly secret: string;
  readonly label?: string;
  readonly onDismiss: () => void;
}) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const keyRef = useRef<HTMLElement>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
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
    <div className="card new-key" role="status" aria-label={label}>
      <p>
        <strong>{title}</strong> Copy it now: it is shown only this once.
      </p>
      <div className="key-row">
        <code ref={keyRef} className="secret" data-testid="new-api-key">
          {secret}
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

/** Unrevoked keys; `revoke` is called after the user confirms, and its failure shown in the row. */
export function KeyTable({
  keys,
  revoke,
  empty,
  label,
}: {
  readonly keys: readonly ApiKeySummary[];
  readonly revoke: (key: ApiKeySummary) => Promise<void>;
  readonly empty: string;
  readonly label?: string;
}) {
  if (keys.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="keys" aria-label={label}>
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
          <KeyRow key={String(key.id)} apiKey={key} revoke={revoke} />
        ))}
      </tbody>
    </table>
  );
}

function KeyRow({
  apiKey,
  revoke,
}: {
  readonly apiKey: ApiKeySummary;
  readonly revoke: (key: ApiKeySummary) => Promise<void>;
}) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();

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
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() => void run(() => revoke(apiKey))}
            >
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
