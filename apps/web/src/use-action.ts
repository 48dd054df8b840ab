import { type FormEvent, useCallback, useState } from "react";
import { messageOf } from "./api/client.ts";

/**
 * A user action that calls the server: `busy` while it runs (buttons disable themselves), its
 * failure as a message for an ErrorNote. `run` resolves once the action has settled; `submit` makes
 * a form's `onSubmit` that runs the action in place of the browser's submission.
 */
export function useAction(): {
  busy: boolean;
  error: string | null;
  setError: (message: string | null) => void;
  run: (action: () => Promise<void>, onFailure?: () => void) => Promise<void>;
  submit: (
    action: () => Promise<void>,
    onFailure?: () => void,
  ) => (event: FormEvent<HTMLFormElement>) => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<void>, onFailure?: () => void) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (failure) {
      setError(messageOf(failure));
      onFailure?.();
    } finally {
      setBusy(false);
    }
  }, []);
  const submit = useCallback(
    (action: () => Promise<void>, onFailure?: () => void) => (event: FormEvent<HTMLFormElement>) => {
      event.preventDefault();
      void run(action, onFailure);
    },
    [run],
  );
  return { busy, error, setError, run, submit };
}
