/** Shows a `useLoad` state: a loading line, the error, or the content. */
import type { ReactNode } from "react";
import { messageOf } from "../api/client.ts";
import { ErrorNote } from "../components/form.tsx";
import type { Load } from "../use-load.ts";

export function Loaded<T>({
  state,
  what,
  children,
}: {
  readonly state: Load<T>;
  readonly what: string;
  readonly children: (value: T) => ReactNode;
}) {
  if (state.kind === "loading") return <p className="muted">Loading {what}…</p>;
  if (state.kind === "failed") return <ErrorNote message={messageOf(state.error)} />;
  return <>{children(state.value)}</>;
}
