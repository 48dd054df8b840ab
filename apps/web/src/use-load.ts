import { useCallback, useEffect, useState } from "react";

export type Load<T> =
  | { readonly kind: "loading" }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "ready"; readonly value: T };

/** Runs `load` on mount and on `reload()`; an answer that arrives after unmount is dropped. */
export function useLoad<T>(load: () => Promise<T>): { state: Load<T>; reload: () => void } {
  const [state, setState] = useState<Load<T>>({ kind: "loading" });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the reload trigger.
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setState({ kind: "ready", value }),
      (error: unknown) => live && setState({ kind: "failed", error }),
    );
    return () => {
      live = false;
    };
  }, [load, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { state, reload };
}
