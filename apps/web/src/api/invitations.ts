/**
 * Invitations by email, as their managers see them (server: api/invitations.handler.ts; docs/auth.md
 * "Invitations and password resets"). The invitee's side (preview, accept) is in endpoints.ts.
 */
import { request } from "./client.ts";
import type { TeamRole } from "./teams.ts";

/** A pending invitation. */
export interface Invitation {
  readonly id: number;
  readonly email: string;
  /** The team invited to; null for the instance alone. */
  readonly team: string | null;
  readonly role: TeamRole;
  readonly invitedBy: string | null;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** The answer of an invitation or a resend. */
export interface SentInvitation extends Invitation {
  /** False when the server has no SMTP: then `link` is for the inviter to pass on. */
  readonly emailed: boolean;
  readonly link?: string;
}

const invitation = (id: number) => `/api/v1/invitations/${encodeURIComponent(String(id))}`;

/** Invites `email` to `team` (null: the instance, where the role is always member). */
export const inviteByEmail = (email: string, team: string | null, role: TeamRole) =>
  request<SentInvitation>("POST", "/api/v1/invitations", team === null ? { email } : { email, team, role });

/** A team's pending invitations; with `team` null every pending one (instance admins). */
export const listInvitations = (team: string | null) =>
  request<{ invitations: Invitation[] }>(
    "GET",
    team === null ? "/api/v1/invitations" : `/api/v1/invitations?team=${encodeURIComponent(team)}`,
  );

/** A new link (the old one stops working) with 7 more days, mailed again. */
export const resendInvitation = (id: number) => request<SentInvitation>("POST", `${invitation(id)}/resend`);

export const revokeInvitation = (id: number) => request<undefined>("DELETE", invitation(id));
