import { type FormEvent, useEffect, useState } from "react";
import { completeSetup } from "../api/endpoints.ts";
import { ErrorNote, Field } from "../components/form.tsx";
import { useSession } from "../session.tsx";
import { useAction } from "../use-action.ts";

const MIN_PASSWORD = 8;

/**
 * First run: creates the first administrator. The one-time setup token is printed by `ballast server`
 * at start, so only someone who can read the server's output can claim a fresh instance.
 */
export function SetupPage() {
  const session = useSession();
  const [token, setToken] = useState("");
  const [username, setUsername] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    document.title = "Set up · Ballast";
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (password !== confirm) {
      setError("The two passwords differ.");
      return;
    }
    await run(async () =>
      session.signedIn(await completeSetup({ token: token.trim(), username, email, password })),
    );
  };

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="setup-title">
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
        <Field
          label="Username"
          value={username}
          onValue={setUsername}
          name="username"
          autoComplete="username"
          required
        />
        <Field
          label="Email"
          type="email"
          value={email}
          onValue={setEmail}
          name="email"
          autoComplete="email"
          required
        />
        <Field
          label="Password"
          type="password"
          value={password}
          onValue={setPassword}
          name="password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD}
          hint={`At least ${MIN_PASSWORD} characters.`}
          required
        />
        <Field
          label="Confirm password"
          type="password"
          value={confirm}
          onValue={setConfirm}
          name="confirm"
          autoComplete="new-password"
          minLength={MIN_PASSWORD}
          required
        />
        <ErrorNote message={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating…" : "Create administrator"}
        </button>
      </form>
    </main>
  );
}
