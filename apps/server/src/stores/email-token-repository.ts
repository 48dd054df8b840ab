/**
 * Links sent by email (docs/auth.md "Invitations and password resets"): invitations to the instance
 * or a team, and password resets. Only each link token's SHA-256 (hex) is stored. Consuming a link is
 * one conditional UPDATE, so a link works once even when two requests race. Times are Unix ms.
 */
import type { MemberRole } from "./records.ts";

export interface InvitationRecord {
  readonly id: number;
  readonly email: string;
  /** The team invited to; null for an invitation to the instance only. */
  readonly entityId: number | null;
  readonly entityName: string | null;
  readonly role: MemberRole;
  readonly invitedBy: number | null;
  readonly inviterUsername: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly acceptedAt: number | null;
  readonly acceptedBy: number | null;
  readonly revokedAt: number | null;
}

/** A user a password-reset link may be sent to (see findResetCandidates). */
export interface ResetCandidate {
  readonly userId: number;
  readonly username: string;
}

export interface EmailTokenRepository {
  insertInvitation(input: {
    tokenHash: string;
    email: string;
    entityId: number | null;
    role: MemberRole;
    invitedBy: number;
    now: number;
    expiresAt: number;
  }): Promise<number>;
  findInvitation(id: number): Promise<InvitationRecord | undefined>;
  findInvitationByToken(tokenHash: string): Promise<InvitationRecord | undefined>;
  /**
   * Pending invitations (not accepted, not revoked, not expired at `now`), newest first: of one team,
   * or with `entityId` null of every team and the instance.
   */
  listPendingInvitations(entityId: number | null, now: number): Promise<InvitationRecord[]>;
  /** Gives a pending invitation a new token and expiry (resend); false when it is no longer pending. */
  renewInvitation(id: number, tokenHash: string, now: number, expiresAt: number): Promise<boolean>;
  /** Revokes a pending invitation; false when it is not pending (accepted, revoked or expired). */
  revokeInvitation(id: number, now: number): Promise<boolean>;
  /**
   * Claims the pending invitation with this token (sets accepted_at), atomically: of concurrent
   * claims exactly one gets the record; used, revoked, expired or unknown tokens get undefined.
   */
  claimInvitation(tokenHash: string, now: number): Promise<InvitationRecord | undefined>;
  /** Records who accepted a claimed invitation. */
  completeInvitation(id: number, userId: number): Promise<void>;
  /** Undoes a claim whose acceptance failed (no accepted_by yet), so the link works again. */
  releaseInvitation(id: number): Promise<void>;

  /**
   * Users with this email (case-insensitive) who may reset a password: not service accounts, and not
   * users who sign in only through an identity provider (linked in user_identities, no password).
   */
  findResetCandidates(email: string): Promise<ResetCandidate[]>;
  /** Stores a reset link and drops expired or used ones. */
  insertPasswordReset(input: {
    tokenHash: string;
    userId: number;
    now: number;
    expiresAt: number;
  }): Promise<void>;
  /** Marks the unused, unexpired reset link used and returns its user; undefined otherwise. */
  consumePasswordReset(tokenHash: string, now: number): Promise<ResetCandidate | undefined>;
}
