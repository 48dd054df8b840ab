import { useCallback, useEffect, useId, useState } from "react";
import {
  createUserApiKey,
  type InstanceUser,
  instanceSettings,
  listUserApiKeys,
  listUsers,
  revokeUserApiKey,
  setInstanceAdmin,
  setUserActive,
  updateInstanceSettings,
} from "../api/teams.ts";
import { NewKey, type ShownKey } from "../components/api-keys.tsx";
import { ColumnHeads } from "../components/column-heads.tsx";
import { ErrorNote } from "../components/form.tsx";
import { Loaded } from "../components/loaded.tsx";
import { OwnerKeys } from "../components/owner-keys.tsx";
import { Link } from "../router.tsx";
import { Invitations } from "../teams/invitations.tsx";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";
import "../teams/teams.css";

/**
 * Instance admins: every user with their admin flag and sign-in providers, their API keys (how people
 * get keys while self-service is off), and the switch for self-service keys.
 */
export function UsersPage() {
  const { state, reload } = useLoad(listUsers);
  const [shown, setShown] = useState<ShownKey | null>(null);

  useEffect(() => {
    document.title = "Users · System admin · Ballast";
  }, []);

  return (
    <section aria-labelledby="users-title">
      <p className="muted">
        <Link to="/system-admin">System admin</Link> /
      </p>
      <h1 id="users-title">Users</h1>
      <KeyPolicy />
      {shown === null ? null : (
        <NewKey title={shown.title} secret={shown.key} onDismiss={() => setShown(null)} />
      )}
      <Loaded state={state} what="users">
        {({ users }) => (
          <table className="keys" aria-label="Users">
            <ColumnHeads names={["Username", "Email", "Instance admin", "Active", "Sign-in providers"]} />
            <tbody>
              {users.map((user) => (
                <UserRows key={user.username} user={user} onChanged={reload} onKey={setShown} />
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
      <Invitations team={null} />
    </section>
  );
}

/** `apiKeySelfService`: whether people may create their own keys on the API keys page. */
function KeyPolicy() {
  const { state, reload } = useLoad(instanceSettings);
  const { busy, error, run } = useAction();
  const id = useId();

  const toggle = (value: boolean) =>
    run(async () => {
      await updateInstanceSettings({ apiKeySelfService: value });
      reload();
    });

  return (
    <section className="card" aria-label="API key policy">
      <h2>API keys</h2>
      <Loaded state={state}>
        {({ apiKeySelfService }) => (
          <div className="switch-row">
            <input
              id={id}
              type="checkbox"
              role="switch"
              checked={apiKeySelfService}
              aria-checked={apiKeySelfService}
              disabled={busy}
              onChange={(event) => void toggle(event.target.checked)}
            />
            <label htmlFor={id}>Users may create their own API keys</label>
          </div>
        )}
      </Loaded>
      <p className="hint">
        When off, only instance admins issue keys (below, per user), and team admins for their service
        accounts. Keys that exist keep working.
      </p>
      <ErrorNote message={error} />
    </section>
  );
}

function UserRows({
  user,
  onChanged,
  onKey,
}: {
  readonly user: InstanceUser;
  readonly onChanged: () => void;
  readonly onKey: (shown: ShownKey) => void;
}) {
  const [open, setOpen] = useState(false);
  const { busy, error, run } = useAction();
  const adminId = useId();
  const activeId = useId();

  const setAdmin = (isAdmin: boolean) =>
    run(async () => {
      await setInstanceAdmin(user.username, isAdmin);
      onChanged();
    });
  const setActive = (active: boolean) =>
    run(async () => {
      await setUserActive(user.username, active);
      onChanged();
    });

  return (
    <>
      <tr data-testid="user-row" data-username={user.username}>
        <td>{user.username}</td>
        <td>{user.email}</td>
        <td>
          <input
            id={adminId}
            type="checkbox"
            role="switch"
            checked={user.isAdmin}
            aria-checked={user.isAdmin}
            disabled={busy}
            onChange={(event) => void setAdmin(event.target.checked)}
          />
          <label htmlFor={adminId} className="visually-hidden">
            {`${user.username} is an instance admin`}
          </label>
          <ErrorNote message={error} />
        </td>
        <td>
          <input
            id={activeId}
            type="checkbox"
            role="switch"
            checked={user.active}
            aria-checked={user.active}
            disabled={busy}
            onChange={(event) => void setActive(event.target.checked)}
          />
          <label htmlFor={activeId} className="visually-hidden">
            {`${user.username} is active`}
          </label>
        </td>
        <td>{user.signIn.length === 0 ? <span className="muted">—</span> : user.signIn.join(", ")}</td>
        <td className="actions">
          <button type="button" aria-expanded={open} onClick={() => setOpen((value) => !value)}>
            {open ? "Hide API keys" : "API keys"}
          </button>
        </td>
      </tr>
      {open ? (
        <tr className="expanded-row">
          <td colSpan={6}>
            <UserKeys username={user.username} onKey={onKey} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function UserKeys({
  username,
  onKey,
}: {
  readonly username: string;
  readonly onKey: (shown: ShownKey) => void;
}) {
  const list = useCallback(() => listUserApiKeys(username), [username]);
  return (
    <OwnerKeys
      owner={username}
      list={list}
      create={(name) => createUserApiKey(username, name)}
      revoke={(key) => revokeUserApiKey(username, key.id)}
      onKey={onKey}
      empty={`${username} has no API keys.`}
      form={{
        label: `Create an API key for ${username}`,
        fieldLabel: `New key name for ${username}`,
        placeholder: "e.g. laptop",
        button: "Create API key",
        primary: true,
      }}
    />
  );
}
