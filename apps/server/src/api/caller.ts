/**
 * Who is calling Ballast's own JSON API (`/api/v1/…`): a browser signed in with the session cookie,
 * or a script presenting an API key the way the W&B clients do (Basic or Bearer). Every JSON route
 * resolves its caller here, so the CSRF rule lives in one place.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@ballast/core";
import type { Services } from "../domain/services.ts";
import { presentedKey } from "../http/auth.ts";
import { readCookie, setCookieHeader } from "../http/cookies.ts";
import type { SessionRecord, UserRecord } from "../stores/records.ts";

export const SESSION_COOKIE = "ballast_session";
export const CSRF_HEADER = "x-csrf-token";

export type Caller =
  | { readonly via: "api-key"; readonly user: UserRecord }
  | {
      readonly via: "session";
      readonly user: UserRecord;
      readonly session: SessionRecord;
      /** The cookie value (to sign this session out). */
      readonly sessionId: string;
    };

/** Methods that never change state; everything else needs CSRF proof when the cookie authenticates. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The caller, or undefined when the request carries no credential (or only a dead session cookie).
 * An Authorization header wins over the cookie and, if present, must be valid: a bad key is an
 * error, never a silent fall-back to the browser's session. Cookie callers of state-changing methods
 * must send the session's CSRF token in `x-csrf-token`: a cross-site page can make the browser send
 * the cookie, but it cannot read the token or set the header.
 */
export async function resolveCaller(req: IncomingMessage, services: Services): Promise<Caller | undefined> {
  if (req.headers.authorization !== undefined) {
    const key = presentedKey(req);
    const user = key ? await services.identity.authenticate(key) : undefined;
    if (!user) {
      throw new AppError("UNAUTHENTICATED", "The API key is not valid for this server (unknown or revoked).");
    }
    return { via: "api-key", user };
  }
  const sessionId = readCookie(req, SESSION_COOKIE);
  if (sessionId === undefined) return undefined;
  const session = await services.auth.session(sessionId);
  if (!session) return undefined;
  if (!SAFE_METHODS.has(req.method ?? "GET")) {
    services.auth.checkCsrf(session, csrfHeaderOf(req));
  }
  return { via: "session", user: session.user, session, sessionId };
}

export function csrfHeaderOf(req: IncomingMessage): string | undefined {
  const header = req.headers[CSRF_HEADER];
  return Array.isArray(header) ? header[0] : header;
}

/** The caller, or UNAUTHENTICATED (401). */
export async function requireCaller(req: IncomingMessage, services: Services): Promise<Caller> {
  const caller = await resolveCaller(req, services);
  if (!caller) {
    throw new AppError("UNAUTHENTICATED", "Sign in, or send an API key (Authorization: Bearer <key>).");
  }
  return caller;
}

/** Sets (or, with undefined, deletes) the session cookie; Secure when the public URL is https. */
export function setSessionCookie(
  res: ServerResponse,
  services: Services,
  session: { sessionId: string; expiresAt: number } | undefined,
): void {
  const secure = services.config.publicUrl?.startsWith("https:") === true;
  res.setHeader(
    "set-cookie",
    session
      ? setCookieHeader(SESSION_COOKIE, session.sessionId, {
          maxAgeSeconds: (session.expiresAt - Date.now()) / 1000,
          secure,
        })
      : setCookieHeader(SESSION_COOKIE, "", { maxAgeSeconds: 0, secure }),
  );
}
