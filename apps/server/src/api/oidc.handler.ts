/**
 * Single sign-on with an OpenID provider (docs/auth.md, "Single sign-on"; domain/auth/oidc.ts):
 *   GET /oidc/login?next=/path  → 302 to the provider, with the attempt in a sealed cookie
 *   GET /oidc/callback          → the provider's answer: the user (created just in time) signed in,
 *                                 302 to `next`; a readable HTML page when it fails
 * `/oidc/callback` is the redirect URI W&B documents (`<HOST>/oidc/callback`).
 *
 * The attempt (state, nonce, PKCE verifier, next) travels in an AES-256-GCM sealed, HttpOnly,
 * SameSite=Lax cookie that lives 10 minutes; the key is an installation secret in `settings`. Lax is
 * what lets the cookie come back on the provider's top-level redirect, and the state in it must match
 * the state in the URL, so another site cannot complete a sign-in in this browser (login CSRF).
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, isAppError } from "@ballast/core";
import { actorOf } from "../domain/audit/audit-event.ts";
import type { Services } from "../domain/services.ts";
import { clientAddress } from "../http/client-address.ts";
import { readCookie, setCookieHeader } from "../http/cookies.ts";
import type { Handler } from "../http/router.ts";
import { setPageSecurityHeaders } from "../http/security-headers.ts";
import { SESSION_COOKIE, setSessionCookie } from "./caller.ts";

export const OIDC_COOKIE = "ballast_oidc";
const ATTEMPT_SECONDS = 10 * 60;
const COOKIE_KEY_SETTING = "oidc_cookie_key";

interface Attempt {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly next: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/**
 * `next` as a path of this server, else "/": only `/…` that is not `//…` or `/\…` (which browsers
 * read as another host), without control characters, so the redirect can never leave the site.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.includes("\\")) return "/";
  if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return "/";
  const base = "http://ballast.invalid";
  const url = new URL(next, base);
  if (url.origin !== base) return "/";
  // The callback itself (or the login route) would only start another round trip.
  if (url.pathname.startsWith("/oidc/")) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

const cookieKeys = new WeakMap<Services, Promise<Buffer>>();
function cookieKey(services: Services): Promise<Buffer> {
  let key = cookieKeys.get(services);
  if (!key) {
    // One key per installation, shared by every replica, created on first use.
    key = services.stores.identity
      .getOrInitSetting(COOKIE_KEY_SETTING, randomBytes(32).toString("hex"))
      .then((hex) => Buffer.from(hex, "hex"));
    key.catch(() => cookieKeys.delete(services));
    cookieKeys.set(services, key);
  }
  return key;
}

async function seal(services: Services, attempt: Attempt): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", await cookieKey(services), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(attempt), "utf8"), cipher.final()]);
  return [iv, sealed, cipher.getAuthTag()].map((part) => part.toString("base64url")).join(".");
}

async function unseal(services: Services, value: string | undefined): Promise<Attempt | undefined> {
  const [iv, sealed, tag, extra] = (value ?? "").split(".").map((part) => Buffer.from(part, "base64url"));
  if (!iv || !sealed || !tag || extra || iv.length !== 12 || tag.length !== 16) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", await cookieKey(services), iv);
    decipher.setAuthTag(tag);
    const text = Buffer.concat([decipher.update(sealed), decipher.final()]).toString("utf8");
    const attempt = JSON.parse(text) as Attempt;
    return attempt.expiresAt > Date.now() ? attempt : undefined;
  } catch {
    return undefined;
  }
}

function attemptCookie(services: Services, value: string, maxAgeSeconds: number): string {
  const secure = services.config.publicUrl?.startsWith("https:") === true;
  // Path=/oidc: only the two routes here ever see it.
  return setCookieHeader(OIDC_COOKIE, value, { maxAgeSeconds, secure }).replace("Path=/", "Path=/oidc");
}

/** Adds a Set-Cookie line to those already set (setSessionCookie sets its own). */
function appendCookie(res: ServerResponse, cookie: string): void {
  const current = res.getHeader("set-cookie");
  const lines = current === undefined ? [] : Array.isArray(current) ? current : [String(current)];
  res.setHeader("set-cookie", [...lines, cookie]);
}

/** `<HOST>/oidc/callback`; without HOST, this request's own host (fine for local use). */
function redirectUri(req: IncomingMessage, services: Services): string {
  if (services.config.publicUrl) return `${services.config.publicUrl}/oidc/callback`;
  const host = req.headers.host ?? "";
  if (!/^[A-Za-z0-9.\-:[\]]+$/.test(host)) {
    throw new AppError(
      "BAD_REQUEST",
      "The request has no valid Host header; set HOST to Ballast's public URL.",
    );
  }
  return `http://${host}/oidc/callback`;
}

function requireOidc(services: Services) {
  if (!services.oidc) {
    throw new AppError(
      "FAILED_PRECONDITION",
      "Single sign-on is not configured on this server (OIDC_ISSUER and OIDC_CLIENT_ID).",
    );
  }
  return services.oidc;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A plain page for a browser that was sent here by a redirect (no JSON for people). */
function sendErrorPage(res: ServerResponse, error: AppError): void {
  const title = error.code === "UNAVAILABLE" ? "Single sign-on is unavailable" : "Sign-in failed";
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · Ballast</title></head>
<body><main>
<h1>${title}</h1>
<p id="sso-error" data-code="${error.code}">${escapeHtml(error.message)}</p>
<p><a href="/">Back to sign-in</a></p>
</main></body></html>
`;
  setPageSecurityHeaders(res);
  res.writeHead(error.status, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
    "cache-control": "no-store",
    ...(error.transient ? { "retry-after": "5" } : {}),
  });
  res.end(html);
}

/** Runs `body`; a catalogued error becomes the error page, anything else the usual 500. */
function page(body: Handler): Handler {
  return async (req, res, params, url) => {
    try {
      await body(req, res, params, url);
    } catch (error) {
      if (!isAppError(error) || res.headersSent) throw error;
      sendErrorPage(res, error);
    }
  };
}

export function oidcLoginHandler(services: Services): Handler {
  return page(async (req, res, _params, url) => {
    const oidc = requireOidc(services);
    const attempt = await oidc.begin(redirectUri(req, services));
    const sealed = await seal(services, {
      state: attempt.state,
      nonce: attempt.nonce,
      codeVerifier: attempt.codeVerifier,
      next: safeNext(url.searchParams.get("next")),
      expiresAt: Date.now() + ATTEMPT_SECONDS * 1000,
    });
    res.setHeader("set-cookie", attemptCookie(services, sealed, ATTEMPT_SECONDS));
    res.writeHead(302, { location: attempt.url, "cache-control": "no-store" });
    res.end();
  });
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function oidcCallbackHandler(services: Services): Handler {
  return page(async (req, res, _params, url) => {
    const oidc = requireOidc(services);
    const address = clientAddress(req);
    const query = url.searchParams;
    // Whatever happens, this attempt is over.
    res.setHeader("set-cookie", attemptCookie(services, "", 0));
    const failed = async (error: AppError): Promise<never> => {
      const reason = error.details?.reason;
      const email = error.details?.email;
      await services.audit.record({
        action: "user.sign_in_failed",
        actor: null,
        ...(typeof email === "string" ? { target: email } : {}),
        detail: { method: "oidc", reason: typeof reason === "string" ? reason : error.code.toLowerCase() },
        ...(address === undefined ? {} : { address }),
      });
      throw error;
    };
    const attempt = await unseal(services, readCookie(req, OIDC_COOKIE));
    const state = query.get("state") ?? "";
    if (!attempt || !sameText(state, attempt.state)) {
      return failed(
        new AppError(
          "SSO_FAILED",
          attempt
            ? "This answer from the identity provider is not for the sign-in this browser started (state mismatch); sign in again."
            : "The sign-in attempt expired or was started in another browser; sign in again.",
          { reason: attempt ? "state_mismatch" : "no_attempt" },
        ),
      );
    }
    const providerError = query.get("error");
    if (providerError !== null) {
      const description = query.get("error_description");
      return failed(
        new AppError(
          "SSO_FAILED",
          `The identity provider did not sign you in (${providerError}${description ? `: ${description}` : ""}).`,
          { reason: "provider_error" },
        ),
      );
    }
    const code = query.get("code");
    if (!code) {
      return failed(
        new AppError("SSO_FAILED", "The identity provider's answer has no code; sign in again.", {
          reason: "no_code",
        }),
      );
    }
    let identity: Awaited<ReturnType<typeof oidc.complete>>;
    try {
      identity = await oidc.complete({
        code,
        redirectUri: redirectUri(req, services),
        codeVerifier: attempt.codeVerifier,
        nonce: attempt.nonce,
      });
    } catch (error) {
      // A provider outage is not the user's failure: 503 without an audit entry.
      if (isAppError(error) && (error.code === "SSO_FAILED" || error.code === "SSO_REFUSED"))
        return failed(error);
      throw error;
    }
    const user = await services.identity.provisionExternalUser({
      provider: identity.provider,
      subject: identity.subject,
      email: identity.email,
      ...(identity.username === undefined ? {} : { username: identity.username }),
    });
    const previous = readCookie(req, SESSION_COOKIE);
    if (previous !== undefined) await services.auth.signOut(previous);
    const signedIn = await services.auth.startSession(user);
    await services.audit.record({
      action: "user.sign_in",
      actor: actorOf(user),
      detail: { method: "oidc" },
      ...(address === undefined ? {} : { address }),
    });
    setSessionCookie(res, services, signedIn);
    appendCookie(res, attemptCookie(services, "", 0));
    res.writeHead(302, { location: attempt.next, "cache-control": "no-store" });
    res.end();
  });
}
