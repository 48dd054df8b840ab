import { type FormEvent, useEffect, useState } from "react";
import { completePasswordReset } from "../api/endpoints.ts";
import { ErrorNote, Field } from "../components/form.tsx";
import { Link } from "../router.tsx";
import { useSession } from "../session.tsx";
import { useAction } from "../use-action.ts";

const MIN_PASSWORD = 8;

/** `/reset-password/:token`, the link of a password-reset email: choose a new password (once). */
export function ResetPasswordPage({ token }: { readonly token: string }) {
  const session = useSession();
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    document.title = "Reset password · Ballast";
  }, []);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (password !== confirm) {
      setError("The two passwords differ.");
      return;
    }
    await run(async () => {
      const { username } = await completePasswordReset(token, password);
      setDone(username);
      // The new password ended every session of the user, this browser's included if it was theirs.
      await session.refresh();
    });
  };

  if (done !== null) {
    return (
      <main className="auth-page">
        <div className="card auth-card" role="status">
          <h1>Password changed</h1>
          <p>
            The password of <strong>{done}</strong> is changed, and its sessions have ended.
          </p>
          <p>
            <Link to="/">Sign in</Link>
          </p>
        </div>
      </main>
    );
  }

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={submit} aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        <Field
          label="New password"
          type="password"
          value={password}
          onValue={setPassword}
          name="password"
          autoComplete="new-password"
          minLength={MIN_PASSWORD}
          hint={`At least ${MIN_PASSWORD} characters.`}
          required
          autoFocus
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
          {busy ? "Saving…" : "Set password"}
        </button>
      </form>
    </main>
  );
}
