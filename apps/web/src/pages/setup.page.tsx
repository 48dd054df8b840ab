import { useEffect, useState } from "react";
import { completeSetup } from "../api/endpoints.ts";
import {
  EmailField,
  NewPasswordFields,
  UsernameField,
  useNewPasswordForm,
} from "../components/account-fields.tsx";
import { ErrorNote, Field, SubmitButton } from "../components/form.tsx";
import { useSession } from "../session.tsx";

/**
 * First run: creates the first administrator. The one-time setup token is printed by `ballast server`
 * at start, so only someone who can read the server's output can claim a fresh instance.
 */
export function SetupPage() {
  const session = useSession();
  const [token, setToken] = useState("");
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const { busy, error, submit, fields } = useNewPasswordForm();

  useEffect(() => {
    document.title = "Set up · Ballast";
  }, []);

  const create = submit(async (password) =>
    session.signedIn(await completeSetup({ token: token.trim(), username, email, password })),
  );

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={create} aria-labelledby="setup-title">
        <h1 id="setup-title">Set up Ballast</h1>
        <p>
          Create the first administrator. The setup token is in the output of <code>ballast server</code> from
          when it started.
        </p>
        <Field
          label="Setup token"
          value={token}
          onValue={setToken}
          name="token"
          autoComplete="off"
          spellCheck={false}
          required
          autoFocus
        />
        <UsernameField value={username} onValue={setUsername} />
        <EmailField value={email} onValue={setEmail} />
        <NewPasswordFields fields={fields} />
        <ErrorNote message={error} />
        <SubmitButton busy={busy} busyLabel="Creating…" label="Create administrator" />
      </form>
    </main>
  );
}
