/**
 * A team's service accounts: non-person users whose API keys act for the team (CI, schedulers). The
 * first key comes with the account and, like every key, is shown only once.
 */
import { useCallback, useState } from "react";
import {
  createServiceAccount,
  createServiceAccountKey,
  deleteServiceAccount,
  listServiceAccountKeys,
  revokeServiceAccountKey,
  SERVICE_ACCOUNT_ROLES,
  type ServiceAccount,
  type TeamDetail,
  type TeamRole,
} from "../api/teams.ts";
import { NewKey, type ShownKey } from "../components/api-keys.tsx";
import { ConfirmStep } from "../components/confirm-step.tsx";
import { ErrorNote, Field, SubmitButton } from "../components/form.tsx";
import { OwnerKeys } from "../components/owner-keys.tsx";
import { absoluteTime, relativeTime } from "../format.ts";
import { useAction } from "../use-action.ts";
import { RoleSelect } from "./role-select.tsx";

export function ServiceAccounts({
  detail,
  reload,
}: {
  readonly detail: TeamDetail;
  readonly reload: () => void;
}) {
  const [shown, setShown] = useState<ShownKey | null>(null);
  return (
    <section className="card" aria-labelledby="service-accounts-title">
      <h2 id="service-accounts-title">Service accounts</h2>
      <p className="muted">
        A service account acts for the team with its own API keys, e.g. in CI. It is a member or a viewer and
        never manages the team.
      </p>
      {detail.canManage ? (
        <CreateAccountForm
          team={detail.name}
          onCreated={(created) => {
            setShown({
              title: `Service account “${created.username}” created with key “default”.`,
              key: created.key.key,
            });
            reload();
          }}
        />
      ) : null}
      {shown === null ? null : (
        <NewKey title={shown.title} secret={shown.key} onDismiss={() => setShown(null)} />
      )}
      {detail.serviceAccounts.length === 0 ? (
        <p className="muted">No service accounts.</p>
      ) : (
        <ul className="service-accounts">
          {detail.serviceAccounts.map((account) => (
            <AccountItem
              key={account.username}
              team={detail.name}
              account={account}
              canManage={detail.canManage}
              onKey={setShown}
              onDeleted={() => {
                setShown(null);
                reload();
              }}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function CreateAccountForm({
  team,
  onCreated,
}: {
  readonly team: string;
  readonly onCreated: (created: Awaited<ReturnType<typeof createServiceAccount>>) => void;
}) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const { busy, error, submit } = useAction();

  const create = submit(async () => {
    onCreated(await createServiceAccount(team, name.trim(), role));
    setName("");
  });

  return (
    <form className="inline-form" onSubmit={create} aria-label="Create service account">
      <Field
        label="Account name"
        value={name}
        onValue={setName}
        name="name"
        placeholder="e.g. vision-ci"
        autoComplete="off"
        required
      />
      <RoleSelect label="Account role" value={role} roles={SERVICE_ACCOUNT_ROLES} onRole={setRole} />
      <SubmitButton busy={busy} busyLabel="Creating…" label="Create service account" />
      <ErrorNote message={error} />
    </form>
  );
}

function AccountItem({
  team,
  account,
  canManage,
  onKey,
  onDeleted,
}: {
  readonly team: string;
  readonly account: ServiceAccount;
  readonly canManage: boolean;
  readonly onKey: (shown: ShownKey) => void;
  readonly onDeleted: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();

  const remove = () =>
    run(async () => {
      await deleteServiceAccount(team, account.username);
      onDeleted();
    });

  return (
    <li className="service-account" data-testid="service-account" data-username={account.username}>
      <div className="service-account-head">
        <strong>{account.username}</strong>
        <span className="badge">{account.role}</span>
        {account.createdAt === null ? null : (
          <span className="muted" title={absoluteTime(account.createdAt)}>
            created {relativeTime(account.createdAt)}
            {account.createdBy === null ? "" : ` by ${account.createdBy}`}
          </span>
        )}
        {canManage ? (
          <span className="service-account-actions">
            {confirming ? (
              <ConfirmStep
                label={`Delete “${account.username}”`}
                busyLabel="Deleting…"
                busy={busy}
                onConfirm={() => void remove()}
                onCancel={() => setConfirming(false)}
              />
            ) : (
              <button type="button" onClick={() => setConfirming(true)}>
                Delete
              </button>
            )}
          </span>
        ) : null}
      </div>
      {confirming ? <p className="hint">Its keys stop working at once.</p> : null}
      <ErrorNote message={error} />
      {canManage ? <AccountKeys team={team} account={account.username} onKey={onKey} /> : null}
    </li>
  );
}

function AccountKeys({
  team,
  account,
  onKey,
}: {
  readonly team: string;
  readonly account: string;
  readonly onKey: (shown: ShownKey) => void;
}) {
  const list = useCallback(() => listServiceAccountKeys(team, account), [team, account]);
  return (
    <OwnerKeys
      owner={account}
      list={list}
      create={(name) => createServiceAccountKey(team, account, name)}
      revoke={(key) => revokeServiceAccountKey(team, account, key.id)}
      onKey={onKey}
      empty="No keys: this account cannot sign in until it gets one."
      form={{
        label: `New key for ${account}`,
        fieldLabel: "New key name",
        placeholder: "e.g. nightly",
        button: "Create key",
        primary: false,
      }}
    />
  );
}
