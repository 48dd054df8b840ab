/**
 * The API keys of one user or service account as an admin sees them (users page, team page): the
 * table with revoke, and a form for another key, which is handed to `onKey` to be shown once.
 */
import { useState } from "react";
import type { ApiKeySummary, CreatedApiKey } from "../api/types.ts";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";
import { KeyTable, type ShownKey } from "./api-keys.tsx";
import { ErrorNote, Field, SubmitButton } from "./form.tsx";
import { Loaded } from "./loaded.tsx";

/** How the keys of one owner are listed, created and revoked, and the words of the create form. */
export interface OwnerKeysProps {
  /** The username, in the table's label and the new key's title. */
  readonly owner: string;
  /** As for useLoad: keep it the same function from render to render (useCallback). */
  readonly list: () => Promise<{ keys: readonly ApiKeySummary[] }>;
  readonly create: (name: string) => Promise<CreatedApiKey>;
  readonly revoke: (key: ApiKeySummary) => Promise<unknown>;
  readonly onKey: (shown: ShownKey) => void;
  readonly empty: string;
  readonly form: {
    readonly label: string;
    readonly fieldLabel: string;
    readonly placeholder: string;
    readonly button: string;
    readonly primary: boolean;
  };
}

export function OwnerKeys({ owner, list, create, revoke, onKey, empty, form }: OwnerKeysProps) {
  const { state, reload } = useLoad(list);
  const [name, setName] = useState("");
  const { busy, error, submit } = useAction();

  const createKey = submit(async () => {
    const created = await create(name.trim());
    onKey({ title: `Key “${created.name}” for ${owner} created.`, key: created.key });
    setName("");
    reload();
  });

  return (
    <div className="account-keys">
      <Loaded state={state} what="keys">
        {({ keys }) => (
          <KeyTable
            keys={keys}
            label={`Keys of ${owner}`}
            empty={empty}
            revoke={async (key) => {
              await revoke(key);
              reload();
            }}
          />
        )}
      </Loaded>
      <form className="inline-form" onSubmit={createKey} aria-label={form.label}>
        <Field
          label={form.fieldLabel}
          value={name}
          onValue={setName}
          name="name"
          placeholder={form.placeholder}
          maxLength={100}
          autoComplete="off"
          required
        />
        <SubmitButton busy={busy} busyLabel="Creating…" label={form.button} primary={form.primary} />
        <ErrorNote message={error} />
      </form>
    </div>
  );
}
