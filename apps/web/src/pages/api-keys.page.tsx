import { useEffect, useState } from "react";
import { createApiKey, listApiKeys, revokeApiKey } from "../api/endpoints.ts";
import type { CreatedApiKey } from "../api/types.ts";
import { KeyTable, NewKey } from "../components/api-keys.tsx";
import { ErrorNote, Field, SubmitButton } from "../components/form.tsx";
import { Loaded } from "../components/loaded.tsx";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";

/**
 * The viewer's API keys: create one (shown once; the form only when the server says `canCreate`),
 * list them, revoke one.
 */
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
      {state.kind !== "ready" ? null : state.value.canCreate ? (
        <CreateKeyForm
          onCreated={(key) => {
            setCreated(key);
            reload();
          }}
        />
      ) : (
        <p className="card" data-testid="api-keys-self-service-off">
          An admin has turned off creating your own API keys; ask an admin for one.
        </p>
      )}
      {created === null ? null : (
        <NewKey
          title={`Key “${created.name}” created.`}
          secret={created.key}
          onDismiss={() => setCreated(null)}
        />
      )}
      <Loaded state={state} what="keys">
        {({ keys }) => (
          <KeyTable
            keys={keys}
            empty="You have no API keys."
            revoke={async (key) => {
              await revokeApiKey(key.id);
              if (created !== null && String(created.id) === String(key.id)) setCreated(null);
              reload();
            }}
          />
        )}
      </Loaded>
    </section>
  );
}

function CreateKeyForm({ onCreated }: { readonly onCreated: (key: CreatedApiKey) => void }) {
  const [name, setName] = useState("");
  const { busy, error, submit } = useAction();

  const create = submit(async () => {
    onCreated(await createApiKey(name.trim()));
    setName("");
  });

  return (
    <form className="card inline-form" onSubmit={create} aria-label="Create an API key">
      <Field
        label="New key name"
        value={name}
        onValue={setName}
        name="name"
        placeholder="e.g. laptop, training cluster"
        maxLength={100}
        required
      />
      <SubmitButton busy={busy} busyLabel="Creating…" label="Create key" />
      <ErrorNote message={error} />
    </form>
  );
}
