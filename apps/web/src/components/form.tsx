/** Small form pieces shared by the pages: a labelled field, an error line and a submit button. */
import { type InputHTMLAttributes, useId } from "react";

export type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "onChange" | "value"> & {
  readonly label: string;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly hint?: string;
};

export function Field({ label, value, onValue, hint, ...input }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(event) => onValue(event.target.value)}
        aria-describedby={hint === undefined ? undefined : hintId}
        {...input}
      />
      {hint === undefined ? null : (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** A failure message, announced to screen readers; renders nothing without one. */
export function ErrorNote({ message }: { readonly message: string | null }) {
  if (message === null) return null;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/** A form's submit button: disabled, with `busyLabel` on it, while the form's action runs. */
export function SubmitButton({
  label,
  busyLabel,
  busy,
  primary = true,
}: {
  readonly label: string;
  readonly busyLabel: string;
  readonly busy: boolean;
  readonly primary?: boolean;
}) {
  return (
    <button type="submit" className={primary ? "primary" : undefined} disabled={busy}>
      {busy ? busyLabel : label}
    </button>
  );
}
