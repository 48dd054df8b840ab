/**
 * Invitations by email (docs/auth.md "Invitations and password resets"):
 *   POST   /api/v1/invitations                {email, team?, role?} → 201 {id, email, team, role, expiresAt, emailed[, link]}
 *   GET    /api/v1/invitations?team=          → {invitations: [...]}, the pending ones
 *   DELETE /api/v1/invitations/:id            → 204
 *   POST   /api/v1/invitations/:id/resend     → 200 as POST (a new link; the old one stops working)
 *   GET    /api/v1/invitations/by-token/:token          → {email, team, role, inviter, expiresAt} (public)
 *   POST   /api/v1/invitations/by-token/:token/accept   {username, password} → a new user, signed in;
 *                                                       {} while signed in → the caller joins
 */
import type { IncomingMessage } from "node:http";
import { AppError } from "@ballast/core";
import type { SentInvitation } from "../domain/mail/invitation.service.ts";
import type { Services } from "../domain/services.ts";
import { clientAddress } from "../http/client-address.ts";
import { readCookie } from "../http/cookies.ts";
import type { Handler } from "../http/router.ts";
import type { InvitationRecord } from "../stores/email-token-repository.ts";
import { requireCaller, resolveCaller, SESSION_COOKIE, setSessionCookie } from "./caller.ts";
import { readJsonObject, sendPrivateJson, stringField } from "./json-request.ts";
import { presentUser } from "./session.handler.ts";

const iso = (ms: number): string => new Date(ms).toISOString();

function presentInvitation(invitation: InvitationRecord) {
  return {
    id: invitation.id,
    email: invitation.email,
    team: invitation.entityName,
    role: invitation.role,
    invitedBy: invitation.inviterUsername,
    createdAt: iso(invitation.createdAt),
    expiresAt: iso(invitation.expiresAt),
  };
}

function presentSent(sent: SentInvitation) {
  return {
    ...presentInvitation(sent.invitation),
    emailed: sent.emailed,
    ...(sent.link === undefined ? {} : { link: sent.link }),
  };
}

/** An optional string field: absent or null → undefined; anything but a string → BAD_REQUEST. */
function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === "") return undefined;
  return stringField(body, name);
}

function invitationId(text: string | undefined): number {
  if (!/^\d{1,15}$/.test(text ?? ""))
    throw new AppError("INVALID_ARGUMENT", "The invitation id must be an integer.");
  return Number(text);
}

async function actorOf(req: IncomingMessage, services: Services) {
  const { user } = await requireCaller(req, services);
  return { user, address: clientAddress(req) };
}

export function createInvitationHandler(services: Services): Handler {
  return async (req, res) => {
    const actor = await actorOf(req, services);
    const body = await readJsonObject(req);
    const sent = await services.invitations.invite(actor, {
      email: stringField(body, "email"),
      team: optionalString(body, "team"),
      role: optionalString(body, "role"),
    });
    sendPrivateJson(res, 201, presentSent(sent));
  };
}

export function listInvitationsHandler(services: Services): Handler {
  return async (req, res, _params, url) => {
    const { user } = await requireCaller(req, services);
    const team = url.searchParams.get("team") || undefined;
    const pending = await services.invitations.listPending(user, team);
    sendPrivateJson(res, 200, { invitations: pending.map(presentInvitation) });
  };
}

export function revokeInvitationHandler(services: Services): Handler {
  return async (req, res, params) => {
    const actor = await actorOf(req, services);
    await services.invitations.revoke(actor, invitationId(params.id));
    res.writeHead(204, { "cache-control": "no-store" }).end();
  };
}

export function resendInvitationHandler(services: Services): Handler {
  return async (req, res, params) => {
    const actor = await actorOf(req, services);
    sendPrivateJson(res, 200, presentSent(await services.invitations.resend(actor, invitationId(params.id))));
  };
}

export function previewInvitationHandler(services: Services): Handler {
  return async (_req, res, params) => {
    const invitation = await services.invitations.preview(params.token ?? "");
    sendPrivateJson(res, 200, {
      email: invitation.email,
      team: invitation.entityName,
      role: invitation.role,
      inviter: invitation.inviterUsername,
      expiresAt: iso(invitation.expiresAt),
    });
  };
}

export function acceptInvitationHandler(services: Services): Handler {
  return async (req, res, params) => {
    const token = params.token ?? "";
    const body = await readJsonObject(req);
    if (body.username === undefined) {
      // Joining as the signed-in user (the cookie's CSRF rule applies through resolveCaller).
      const caller = await resolveCaller(req, services);
      if (!caller) {
        throw new AppError(
          "BAD_REQUEST",
          "Choose a `username` and `password` for the new account, or sign in first to join as yourself.",
        );
      }
      await services.invitations.acceptAsUser(token, { user: caller.user, address: clientAddress(req) });
      sendPrivateJson(res, 200, {
        user: presentUser(caller.user),
        csrfToken: caller.via === "session" ? caller.session.csrfToken : null,
      });
      return;
    }
    const signedIn = await services.invitations.acceptAsNewUser(
      token,
      { username: stringField(body, "username"), password: stringField(body, "password") },
      clientAddress(req),
    );
    // Like sign-in: whoever was signed in on this browser before is signed out.
    const previous = readCookie(req, SESSION_COOKIE);
    if (previous !== undefined) await services.auth.signOut(previous);
    setSessionCookie(res, services, signedIn);
    sendPrivateJson(res, 200, { user: presentUser(signedIn.user), csrfToken: signedIn.csrfToken });
  };
}
