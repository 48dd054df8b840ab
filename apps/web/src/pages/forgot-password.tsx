import { type FormEvent, useState } from "react";
import { requestPasswordReset } from "../api/endpoints.ts";
import { ErrorNote, Field } from "../components/form.tsx";
import { useAction } from "../use-action.ts";

/** "Forgot password?" under the sign-in form: asks for a reset link by email. */
export function ForgotPassword() {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, run } = useAction();

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
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    await run(async () => setSent((await requestPasswordReset(email)).message));
  };
  return (
    <form onSubmit={submit} aria-label="Reset password">
      <Field
        label="Email"
        type="email"
        value={email}
        onValue={setEmail}
        name="email"
        autoComplete="email"
        required
        autoFocus
      />
      <ErrorNote message={error} />
      <button type="submit" disabled={busy}>
        {busy ? "Sending…" : "Email me a reset link"}
      </button>
    </form>
  );
}
