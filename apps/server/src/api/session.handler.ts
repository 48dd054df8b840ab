/**
 * Web sign-in (docs/auth.md):
 *   GET    /api/v1/session  → {user | null, csrfToken | null, setupRequired}
 *   POST   /api/v1/session  {username, password} → {user, csrfToken} + session cookie (401 if wrong)
 *   DELETE /api/v1/session  → 204, the session ends and the cookie is cleared
 *   POST   /api/v1/setup    {token, username, email, password} → the first admin, signed in
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SignedIn } from "../domain/auth/auth.service.ts";
import type { Services } from "../domain/services.ts";
import { readCookie } from "../http/cookies.ts";
import type { Handler } from "../http/router.ts";
import type { UserRecord } from "../stores/records.ts";
import { csrfHeaderOf, resolveCaller, SESSION_COOKIE, setSessionCookie } from "./caller.ts";
import { readJsonObject, sendPrivateJson, stringField } from "./json-request.ts";

/** A user as the web app sees it. */
export function presentUser(user: UserRecord) {
  return { id: user.id, username: user.username, email: user.email, isAdmin: user.isAdmin };
}

function sendSignedIn(res: ServerResponse, services: Services, signedIn: SignedIn): void {
  setSessionCookie(res, services, signedIn);
  sendPrivateJson(res, 200, { user: presentUser(signedIn.user), csrfToken: signedIn.csrfToken });
}

export function getSessionHandler(services: Services): Handler {
  return async (req, res) => {
    const caller = await resolveCaller(req, services);
    // A cookie naming a session that ended (expired, signed out, password reset) is cleared.
    if (!caller && readCookie(req, SESSION_COOKIE) !== undefined) setSessionCookie(res, services, undefined);
    sendPrivateJson(res, 200, {
      user: caller ? presentUser(caller.user) : null,
      csrfToken: caller?.via === "session" ? caller.session.csrfToken : null,
      setupRequired: await services.auth.setupRequired(),
    });
  };
}

export function signInHandler(services: Services): Handler {
  return async (req, res) => {
    const body = await readJsonObject(req);
    const signedIn = await services.auth.signIn(
      stringField(body, "username"),
      stringField(body, "password"),
      clientAddress(req),
    );
    await endPreviousSession(req, services);
    sendSignedIn(res, services, signedIn);
  };
}

export function signOutHandler(services: Services): Handler {
  return async (req, res) => {
    // Without a live session there is nothing to protect: answer 204 and clear any stale cookie.
    const cookie = readCookie(req, SESSION_COOKIE);
    const session = cookie === undefined ? undefined : await services.auth.session(cookie);
    if (cookie !== undefined && session) {
      services.auth.checkCsrf(session, csrfHeaderOf(req));
      await services.auth.signOut(cookie);
    }
    setSessionCookie(res, services, undefined);
    res.writeHead(204, { "cache-control": "no-store" }).end();
  };
}

export function setupHandler(services: Services): Handler {
  return async (req, res) => {
    const body = await readJsonObject(req);
    const signedIn = await services.auth.completeSetup({
      token: stringField(body, "token"),
      username: stringField(body, "username"),
      email: stringField(body, "email"),
      password: stringField(body, "password"),
    });
    await endPreviousSession(req, services);
    sendSignedIn(res, services, signedIn);
  };
}

async function endPreviousSession(req: IncomingMessage, services: Services): Promise<void> {
  const previous = readCookie(req, SESSION_COOKIE);
  if (previous !== undefined) await services.auth.signOut(previous);
}

/**
 * The client's address for the sign-in limits: the last X-Forwarded-For entry when there is one (the
 * one the nearest proxy — the ingress or load balancer in front of Ballast — appended), else the
 * socket's peer. Without a proxy a client can forge the header and dodge the per-address limit, but
 * not the per-username one.
 */
export function clientAddress(req: IncomingMessage): string | undefined {
  const forwarded = req.headers["x-forwarded-for"];
  const last = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? ""))
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .at(-1);
  return last ?? req.socket.remoteAddress;
}
