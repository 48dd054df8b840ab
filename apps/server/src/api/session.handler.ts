/**
 * Web sign-in (docs/auth.md):
 *   GET    /api/v1/session  → {user | null, csrfToken | null, setupRequired, signIn: {password, oidc, …}}
 *   POST   /api/v1/session  {username, password} → {user, csrfToken} + session cookie (401 if wrong)
 *   DELETE /api/v1/session  → 204, the session ends and the cookie is cleared
 *   POST   /api/v1/setup    {token, username, email, password} → the first admin, signed in
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAppError } from "@ballast/core";
import { actorOf } from "../domain/audit/audit-event.ts";
import type { SignedIn } from "../domain/auth/auth.service.ts";
import type { Services } from "../domain/services.ts";
import { clientAddress } from "../http/client-address.ts";
import { readCookie } from "../http/cookies.ts";
import type { Handler } from "../http/router.ts";
import type { UserRecord } from "../stores/records.ts";
import { csrfHeaderOf, resolveCaller, SESSION_COOKIE, setSessionCookie } from "./caller.ts";
import { readJsonObject, sendPrivateJson, stringField } from "./json-request.ts";

/** Moved to http/client-address.ts (the GraphQL handler needs it too); kept here for its importers. */
export { clientAddress };

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
      // Which sign-in ways the sign-in page offers.
      signIn: { password: true, oidc: services.oidc !== undefined, ldap: services.ldapSignIn !== undefined },
    });
  };
}

export function signInHandler(services: Services): Handler {
  return async (req, res) => {
    const body = await readJsonObject(req);
    const username = stringField(body, "username");
    const address = clientAddress(req);
    const audited = address === undefined ? {} : { address };
    if (services.ldapSignIn !== undefined) {
      // LDAP configured: a local password first, then the directory; ldap-sign-in.ts records the audit entries.
      const viaLdap = await services.ldapSignIn.signIn(username, stringField(body, "password"), address);
      await endPreviousSession(req, services);
      return sendSignedIn(res, services, viaLdap);
    }
    let signedIn: SignedIn;
    try {
      signedIn = await services.auth.signIn(username, stringField(body, "password"), address);
    } catch (error) {
      if (isAppError(error) && (error.code === "INVALID_CREDENTIALS" || error.code === "TOO_MANY_ATTEMPTS")) {
        await services.audit.record({
          action: "user.sign_in_failed",
          actor: null,
          target: username,
          detail: { method: "password", reason: error.code },
          ...audited,
        });
      }
      throw error;
    }
    await services.audit.record({
      action: "user.sign_in",
      actor: actorOf(signedIn.user),
      detail: { method: "password" },
      ...audited,
    });
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
      const address = clientAddress(req);
      await services.audit.record({
        action: "user.sign_out",
        actor: actorOf(session.user),
        ...(address === undefined ? {} : { address }),
      });
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
    const address = clientAddress(req);
    await services.audit.record({
      action: "user.created",
      actor: actorOf(signedIn.user),
      target: signedIn.user.username,
      detail: { method: "setup", admin: signedIn.user.isAdmin },
      ...(address === undefined ? {} : { address }),
    });
    await endPreviousSession(req, services);
    sendSignedIn(res, services, signedIn);
  };
}

async function endPreviousSession(req: IncomingMessage, services: Services): Promise<void> {
  const previous = readCookie(req, SESSION_COOKIE);
  if (previous !== undefined) await services.auth.signOut(previous);
}
