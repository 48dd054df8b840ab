import { useCallback, useEffect, useState } from "react";
import { messageOf } from "../api/client.ts";
import { acceptInvitation, previewInvitation } from "../api/endpoints.ts";
import type { InvitationPreview, SessionUser } from "../api/types.ts";
import { NewPasswordFields, UsernameField, useNewPasswordForm } from "../components/account-fields.tsx";
import { ErrorNote, SubmitButton } from "../components/form.tsx";
import { navigate } from "../router.tsx";
import { useSession } from "../session.tsx";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";

/**
 * `/invite/:token`, the link of an invitation email: who invited to which team, then either a new
 * account (username and password; the email is the invited one) or, when signed in, joining as
 * that user. Shown whether or not anyone is signed in.
 */
export function InvitePage({ token, user }: { readonly token: string; readonly user: SessionUser | null }) {
  const load = useCallback(() => previewInvitation(token), [token]);
  const { state } = useLoad(load);

  useEffect(() => {
    document.title = "Invitation · Ballast";
  }, []);

  return (
    <main className="auth-page">
      <div className="card auth-card">
        {state.kind === "loading" ? <p className="muted">Loading the invitation…</p> : null}
        {state.kind === "failed" ? (
          <>
            <h1>Invitation not valid</h1>
            <p className="error" role="alert">
              {messageOf(state.error)}
            </p>
          </>
        ) : null}
        {state.kind === "ready" ? <Invitation token={token} invitation={state.value} user={user} /> : null}
      </div>
    </main>
  );
}

function Invitation({
  token,
  invitation,
  user,
}: {
  readonly token: string;
  readonly invitation: InvitationPreview;
  readonly user: SessionUser | null;
}) {
  const where = invitation.team === null ? "Ballast" : `the team ${invitation.team}`;
  return (
    <>
      <h1 id="invite-title">Join {where}</h1>
      <p>
        {invitation.inviter ?? "An administrator"} invited <strong>{invitation.email}</strong> to {where}
        {invitation.team === null ? "" : ` as ${invitation.role}`}.
      </p>
      {user === null ? <NewAccountForm token={token} /> : <JoinAsUser token={token} user={user} />}
    </>
  );
}

function JoinAsUser({ token, user }: { readonly token: string; readonly user: SessionUser }) {
  const session = useSession();
  const { busy, error, run } = useAction();
  const join = () =>
    run(async () => {
      await acceptInvitation(token);
      await session.refresh();
      navigate("/", { replace: true });
    });
  return (
    <>
      <ErrorNote message={error} />
      <button type="button" className="primary" disabled={busy} onClick={() => void join()}>
        {busy ? "Joining…" : `Join as ${user.username}`}
      </button>
      <p className="hint">To make a new account for this invitation instead, sign out first.</p>
    </>
  );
}

function NewAccountForm({ token }: { readonly token: string }) {
  const session = useSession();
  const [username, setUsername] = useState("");
  const { busy, error, submit, fields } = useNewPasswordForm();

  const create = submit(async (password) => {
    const answer = await acceptInvitation(token, { username, password });
    navigate("/", { replace: true });
    session.signedIn(answer);
  });

  return (
    <form onSubmit={create} aria-labelledby="invite-title">
      <UsernameField
        value={username}
        onValue={setUsername}
        hint="Lowercase letters, digits, _ and -."
        autoFocus
      />
      <NewPasswordFields fields={fields} />
      <ErrorNote message={error} />
      <SubmitButton busy={busy} busyLabel="Creating…" label="Create account and join" />
    </form>
  );
}
