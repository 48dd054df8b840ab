/**
 * The account fields of the sign-in, setup, invitation, password-reset and team forms: a username, an
 * email, and a new password typed twice, with the check that both are the same before anything is sent.
 */
import { type FormEvent, useState } from "react";
import { useAction } from "../use-action.ts";
import { Field, type FieldProps } from "./form.tsx";

/** The server's minimum, checked by the browser first. */
const MIN_PASSWORD = 8;

/** Props of a Field, less what the account fields fix themselves. */
type AccountFieldProps = Omit<FieldProps, "label" | "name" | "type">;

export function UsernameField(props: AccountFieldProps) {
  return <Field label="Username" name="username" autoComplete="username" required {...props} />;
}

export function EmailField(props: AccountFieldProps) {
  return <Field label="Email" type="email" name="email" autoComplete="email" required {...props} />;
}

/** The state of a new password and its confirmation, for NewPasswordFields. */
export interface NewPassword {
  readonly password: string;
  readonly confirm: string;
  readonly setPassword: (value: string) => void;
  readonly setConfirm: (value: string) => void;
}

/**
 * A form that sets a password: `submit(send)` makes its `onSubmit`, which refuses two different
 * passwords and otherwise runs `send` with the password (busy and error as with useAction).
 */
export function useNewPasswordForm() {
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const { busy, error, setError, submit: submitAction } = useAction();

  const submit = (send: (password: string) => Promise<void>) => (event: FormEvent<HTMLFormElement>) => {
    if (password === confirm) {
      submitAction(() => send(password))(event);
      return;
    }
    event.preventDefault();
    setError("The two passwords differ.");
  };

  const fields: NewPassword = { password, confirm, setPassword, setConfirm };
  return { busy, error, submit, fields };
}

export function NewPasswordFields({
  fields,
  label = "Password",
  autoFocus = false,
}: {
  readonly fields: NewPassword;
  /** "New password" where an account already has one. */
  readonly label?: string;
  readonly autoFocus?: boolean;
}) {
  return (
    <>
      <Field
        label={label}
        type="password"
        value={fields.password}
        onValue={fields.setPassword}
        name="password"
        autoComplete="new-password"
        minLength={MIN_PASSWORD}
        hint={`At least ${MIN_PASSWORD} characters.`}
        required
        autoFocus={autoFocus}
      />
      <Field
        label="Confirm password"
        type="password"
        value={fields.confirm}
        onValue={fields.setConfirm}
        name="confirm"
        autoComplete="new-password"
        minLength={MIN_PASSWORD}
        required
      />
    </>
  );
}
