import { useEffect, useState } from "react";
import { signIn } from "../api/endpoints.ts";
import { UsernameField } from "../components/account-fields.tsx";
import { ErrorNote, Field, SubmitButton } from "../components/form.tsx";
import { useSession } from "../session.tsx";
import { useAction } from "../use-action.ts";
import { ForgotPassword } from "./forgot-password.tsx";

/** Shown in place of any page while nobody is signed in, so the user lands where they were going. */
export function SignInPage() {
  const session = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, submit } = useAction();
  const methods = session.status.kind === "ready" ? session.status.session.signIn : undefined;
  // Back to this very page after the provider's round trip (the app shows sign-in in its place).
  const ssoHref = `/oidc/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;

  useEffect(() => {
    document.title = "Sign in · Ballast";
  }, []);

  const signInWithPassword = submit(
    async () => session.signedIn(await signIn(username, password)),
    () => setPassword(""),
  );

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={signInWithPassword} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Ballast</h1>
        <UsernameField value={username} onValue={setUsername} autoFocus />
        <Field
          label="Password"
          type="password"
          value={password}
          onValue={setPassword}
          name="password"
          autoComplete="current-password"
          required
        />
        <ErrorNote message={error} />
        <SubmitButton busy={busy} busyLabel="Signing in…" label="Sign in" />
        {methods?.oidc ? (
          <a className="sso-button" href={ssoHref}>
            Sign in with SSO
          </a>
        ) : null}
        <p className="hint">
          No password yet? An administrator can set one with{" "}
          <code>ballast admin set-password --username NAME</code>.
        </p>
      </form>
      <div className="auth-card">
        <ForgotPassword />
      </div>
    </main>
  );
}
