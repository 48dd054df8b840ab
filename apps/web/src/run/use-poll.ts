import { useEffect, useRef } from "react";

/**
 * Calls `tick` every `intervalMs` while `enabled` and the page is visible (a hidden tab costs the
 * server nothing); the next tick is scheduled only after the previous one settled.
 */
export function usePoll(tick: () => Promise<void> | void, intervalMs: number, enabled: boolean): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!enabled) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const schedule = () => {
      if (stopped || document.visibilityState !== "visible") return;
      timer = setTimeout(async () => {
        try {
          await latest.current();
        } catch {
          // A failed poll is retried at the next tick; the tab shows its own errors.
        }
        schedule();
      }, intervalMs);
    };
    const onVisibility = () => {
      clearTimeout(timer);
      schedule();
    };
    document.addEventListener("visibilitychange", onVisibility);
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [enabled, intervalMs]);
}
