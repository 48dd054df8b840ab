import { useState } from "react";
import { requestPasswordReset } from "../api/endpoints.ts";
import { EmailField } from "../components/account-fields.tsx";
import { ErrorNote, SubmitButton } from "../components/form.tsx";
import { useAction } from "../use-action.ts";

/** "Forgot password?" under the sign-in form: asks for a reset link by email. */
export function ForgotPassword() {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, submit } = useAction();

  if (!open) {
    return (
      <p className="hint">
        <button type="button" className="link-button" onClick={() => setOpen(true)}>
          Forgot password?
        </button>
      </p>
    );
  }
  if (sent !== null) {
    return (
      <p className="hint" role="status">
        {sent}
      </p>
    );
  }
  const request = submit(async () => setSent((await requestPasswordReset(email)).message));
  return (
    <form onSubmit={request} aria-label="Reset password">
      <EmailField value={email} onValue={setEmail} autoFocus />
      <ErrorNote message={error} />
      <SubmitButton busy={busy} busyLabel="Sending…" label="Email me a reset link" primary={false} />
    </form>
  );
}
