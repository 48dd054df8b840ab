/**
 * The signed-in state, loaded once from `GET /api/v1/session` and shared through context. It also
 * hands the session's CSRF token to the API client, which sends it on every state-changing request.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { onUnauthenticated, setCsrfToken } from "./api/client.ts";
import { getSession, signOut as signOutRequest } from "./api/endpoints.ts";
import type { SessionState, SignedIn } from "./api/types.ts";

export type SessionStatus =
  | { readonly kind: "loading" }
  | { readonly kind: "failed"; readonly error: unknown }
  | { readonly kind: "ready"; readonly session: SessionState };

export interface SessionApi {
  readonly status: SessionStatus;
  /** Re-reads the session from the server. */
  refresh(): Promise<void>;
  /** Takes the answer of a sign-in or setup request as the new session. */
  signedIn(answer: SignedIn): void;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionApi | null>(null);

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [status, setStatus] = useState<SessionStatus>({ kind: "loading" });

  const apply = useCallback((session: SessionState) => {
    setCsrfToken(session.csrfToken);
    setStatus({ kind: "ready", session });
  }, []);

  const refresh = useCallback(async () => {
    try {
      apply(await getSession());
    } catch (error) {
      setStatus({ kind: "failed", error });
    }
  }, [apply]);

  useEffect(() => {
    void refresh();
    // A 401 from any request means the session is gone: show the sign-in page.
    return onUnauthenticated(() => void refresh());
  }, [refresh]);

  const api = useMemo<SessionApi>(
    () => ({
      status,
      refresh,
      signedIn: (answer) => apply({ user: answer.user, csrfToken: answer.csrfToken, setupRequired: false }),
      signOut: async () => {
        await signOutRequest();
        setCsrfToken(null);
        await refresh();
      },
    }),
    [status, refresh, apply],
  );

  return <SessionContext.Provider value={api}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const api = useContext(SessionContext);
  if (api === null) throw new Error("useSession outside SessionProvider");
  return api;
}
