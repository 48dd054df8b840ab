import { useEffect, useState } from "react";
import { completePasswordReset } from "../api/endpoints.ts";
import { NewPasswordFields, useNewPasswordForm } from "../components/account-fields.tsx";
import { ErrorNote, SubmitButton } from "../components/form.tsx";
import { Link } from "../router.tsx";
import { useSession } from "../session.tsx";

/** `/reset-password/:token`, the link of a password-reset email: choose a new password (once). */
export function ResetPasswordPage({ token }: { readonly token: string }) {
  const session = useSession();
  const [done, setDone] = useState<string | null>(null);
  const { busy, error, submit, fields } = useNewPasswordForm();

  useEffect(() => {
    document.title = "Reset password · Ballast";
  }, []);

  const reset = submit(async (password) => {
    const { username } = await completePasswordReset(token, password);
    setDone(username);
    // The new password ended every session of the user, this browser's included if it was theirs.
    await session.refresh();
  });

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
      <form className="card auth-card" onSubmit={reset} aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        <NewPasswordFields fields={fields} label="New password" autoFocus />
        <ErrorNote message={error} />
        <SubmitButton busy={busy} busyLabel="Saving…" label="Set password" />
      </form>
    </main>
  );
}
