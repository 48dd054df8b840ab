/**
 * The management console's API (`/console` in the web UI; domain/console/console.service.ts):
 *   GET  /api/v1/console               → the active spec, its layers, the console's own values
 *   PUT  /api/v1/console/user-values   {values} → the view after the change
 *   POST /api/v1/console/login         {password} → signs in with the `<release>-password` Secret's password
 *   POST /api/v1/console/logout
 *   GET  /console/login?password=…     W&B's direct link (base64 of the password, URL-escaped)
 * Allowed: instance admins (session or API key), or a console sign-in. The console cookie is an
 * expiring HMAC keyed by the console password itself, so changing the password ends every
 * console sign-in; it is HttpOnly, and state-changing calls must be application/json (a CSRF defence).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@ballast/core";
import { type AuditActor, actorOf } from "../domain/audit/audit-event.ts";
import type { ConsoleService } from "../domain/console/console.service.ts";
import type { Services } from "../domain/services.ts";
import { clientAddress } from "../http/client-address.ts";
import { readCookie, setCookieHeader } from "../http/cookies.ts";
import type { Router } from "../http/router.ts";
import { resolveCaller } from "./caller.ts";
import { readJsonObject, sendPrivateJson } from "./json-request.ts";

export const CONSOLE_COOKIE = "ballast_console";

function sign(password: string, expiresAt: number): string {
  return createHmac("sha256", password).update(`console:${expiresAt}`).digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function consoleCookieValid(req: IncomingMessage, password: string | undefined): boolean {
  const cookie = readCookie(req, CONSOLE_COOKIE);
  if (!cookie || !password) return false;
  const [expiresText = "", mac = ""] = cookie.split(".");
  const expiresAt = Number(expiresText);
  return (
    Number.isSafeInteger(expiresAt) && expiresAt > Date.now() && sameText(mac, sign(password, expiresAt))
  );
}

/** Who is using the console: an admin, or null for a console-password sign-in (no user). */
async function requireConsoleAccess(req: IncomingMessage, services: Services): Promise<AuditActor | null> {
  if (consoleCookieValid(req, services.config.identity.console.password)) return null;
  const caller = await resolveCaller(req, services);
  if (!caller)
    throw new AppError("UNAUTHENTICATED", "Sign in as an instance admin, or with the console password.");
  if (!caller.user.isAdmin)
    throw new AppError("PERMISSION_DENIED", "Only instance admins can use the console.");
  return actorOf(caller.user);
}

function setConsoleCookie(res: ServerResponse, services: Services, password: string | undefined): void {
  const secure = services.config.publicUrl?.startsWith("https:") === true;
  if (!password) {
    res.setHeader("set-cookie", setCookieHeader(CONSOLE_COOKIE, "", { maxAgeSeconds: 0, secure }));
    return;
  }
  const lifetime = services.config.sessionLengthHours * 3600 * 1000;
  const expiresAt = Date.now() + lifetime;
  res.setHeader(
    "set-cookie",
    setCookieHeader(CONSOLE_COOKIE, `${expiresAt}.${sign(password, expiresAt)}`, {
      maxAgeSeconds: lifetime / 1000,
      secure,
    }),
  );
}

function checkPassword(services: Services, given: string): string {
  const expected = services.config.identity.console.password;
  if (!expected) {
    throw new AppError(
      "FAILED_PRECONDITION",
      "No console password is set (BALLAST_CONSOLE_PASSWORD); sign in as an instance admin.",
    );
  }
  if (!sameText(given, expected)) throw new AppError("UNAUTHENTICATED", "That is not the console password.");
  return expected;
}

export function registerConsoleRoutes(router: Router, services: Services, console: ConsoleService): void {
  router
    .on("GET", "/api/v1/console", async (req, res) => {
      await requireConsoleAccess(req, services);
      sendPrivateJson(res, 200, await console.view());
    })
    .on("PUT", "/api/v1/console/user-values", async (req, res) => {
      const actor = await requireConsoleAccess(req, services);
      const body = await readJsonObject(req);
      const view = await console.setUserValues(body.values);
      const address = clientAddress(req);
      const values = body.values;
      await services.audit.record({
        action: "settings.changed",
        actor,
        target: "console",
        // Which top-level values were sent, never their contents (they may hold secrets).
        detail: {
          via: actor ? "admin" : "console-password",
          settings:
            values !== null && typeof values === "object" && !Array.isArray(values)
              ? Object.keys(values).sort().join(",")
              : null,
        },
        ...(address === undefined ? {} : { address }),
      });
      sendPrivateJson(res, 200, view);
    })
    .on("POST", "/api/v1/console/login", async (req, res) => {
      const body = await readJsonObject(req);
      if (typeof body.password !== "string")
        throw new AppError("BAD_REQUEST", "`password` must be a string.");
      setConsoleCookie(res, services, checkPassword(services, body.password));
      sendPrivateJson(res, 200, { ok: true });
    })
    .on("POST", "/api/v1/console/logout", async (_req, res) => {
      setConsoleCookie(res, services, undefined);
      sendPrivateJson(res, 200, { ok: true });
    })
    .on("GET", "/console/login", async (_req, res, _params, url) => {
      // W&B's direct link: /console/login?password=<url-escaped base64 of the password>.
      const encoded = url?.searchParams.get("password") ?? "";
      setConsoleCookie(
        res,
        services,
        checkPassword(services, Buffer.from(encoded, "base64").toString("utf8")),
      );
      res.writeHead(303, { location: "/console", "cache-control": "no-store" });
      res.end();
    });
}
