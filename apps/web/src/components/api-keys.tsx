/**
 * API-key pieces shared by the personal keys page, the team page (service accounts) and the users
 * page: a new key shown once with a copy button, and a table of keys with a confirmed revoke.
 */
import { type ReactNode, useState } from "react";
import type { ApiKeySummary } from "../api/types.ts";
import { absoluteTime, isoTime, relativeTime } from "../format.ts";
import { useAction } from "../use-action.ts";
import { ColumnHeads } from "./column-heads.tsx";
import { ConfirmStep } from "./confirm-step.tsx";
import { CopyableSecret } from "./copyable-secret.tsx";
import { ErrorNote } from "./form.tsx";

/** A key just created for someone else (a user, a service account), to show once in a NewKey. */
export interface ShownKey {
  readonly title: string;
  readonly key: string;
}

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
  return (
    <div className="card new-key" role="status" aria-label={label}>
      <p>
        <strong>{title}</strong> Copy it now: it is shown only this once.
      </p>
      <CopyableSecret text={secret} what="key" copyLabel="Copy" testId="new-api-key" />
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
      <ColumnHeads names={["Name", "Key", "Created", "Last used"]} />
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
          <ConfirmStep
            label={`Revoke “${apiKey.name}”`}
            busyLabel="Revoking…"
            busy={busy}
            onConfirm={() => void run(() => revoke(apiKey))}
            onCancel={() => setConfirming(false)}
          />
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
