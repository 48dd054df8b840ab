/** Shows a `useLoad` state: a loading line, the error, or the content. */
import type { ReactNode } from "react";
import { messageOf } from "../api/client.ts";
import type { Load } from "../use-load.ts";
import { ErrorNote } from "./form.tsx";

export function Loaded<T>({
  state,
  what,
  children,
}: {
  readonly state: Load<T>;
  /** What is loading, for "Loading keys…"; without it, "Loading…". */
  readonly what?: string;
  readonly children: (value: T) => ReactNode;
}) {
  if (state.kind === "loading") {
    return <p className="muted">{what === undefined ? "Loading…" : `Loading ${what}…`}</p>;
  }
  if (state.kind === "failed") return <ErrorNote message={messageOf(state.error)} />;
  return <>{children(state.value)}</>;
}
