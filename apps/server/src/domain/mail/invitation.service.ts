/**
 * Invitations by email (docs/auth.md "Invitations and password resets"). An instance admin invites
 * anyone to the instance or to any team; a team's admin invites to that team. The invitation row is
 * stored before the mail is sent, so a mail server that is down loses nothing: the answer is 503 and
 * the admin resends later. Without SMTP the answer carries the link for the admin to pass on.
 *
 * Accepting: a visitor without an account picks a username and password and is created (with the
 * invited email) and signed in; a signed-in user joins as themselves. The link works once: it is
 * claimed with one conditional UPDATE before anything is created, and released if creation fails.
 */
import { AppError } from "@ballast/core";
import type { EmailTokenRepository, InvitationRecord } from "../../stores/email-token-repository.ts";
import { type EntityRecord, MEMBER_ROLES, type MemberRole, type UserRecord } from "../../stores/records.ts";
import type { AuditEvent } from "../audit/audit-event.ts";
import type { SignedIn } from "../auth/auth.service.ts";
import { checkPasswordRules } from "../auth/password.ts";
import { checkUserFields } from "../identity/identity.service.ts";
import { isLinkToken, linkTokenHash, linkUrl, newLinkToken } from "./email-link.ts";
import { invitationMessage } from "./mail-messages.ts";
import type { Mailer } from "./mailer.ts";

export const INVITATION_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
const MAX_EMAIL_LENGTH = 320;

/** What the invitation service uses of the others (services.ts wires the real ones). */
export interface InvitationDeps {
  readonly tokens: EmailTokenRepository;
  readonly identity: {
    createUser(input: { username: string; email: string; isAdmin: boolean }): Promise<UserRecord>;
  };
  readonly auth: {
    setPassword(username: string, password: string): Promise<UserRecord>;
    startSession(user: UserRecord): Promise<SignedIn>;
  };
  readonly teams: {
    join(entityId: number, userId: number, role: MemberRole): Promise<void>;
    assertCanManage(user: UserRecord, teamName: string): Promise<EntityRecord>;
  };
  readonly audit: { record(event: AuditEvent): Promise<unknown> };
  /** Undefined without SMTP_HOST: invitations are made and their links handed to the admin. */
  readonly mailer: Mailer | undefined;
  /** Where the links point (HOST, or the address the server listens on). */
  readonly publicUrl: string;
  readonly now?: () => number;
}

/** Who acts, and from where (for the audit log). */
export interface MailActor {
  readonly user: UserRecord;
  readonly address?: string | undefined;
}

/** The outcome of an invitation or a resend. */
export interface SentInvitation {
  readonly invitation: InvitationRecord;
  /** True when mailed; false without SMTP, and then `link` is set. */
  readonly emailed: boolean;
  readonly link?: string;
}

export class InvitationService {
  private readonly deps: InvitationDeps;
  private readonly now: () => number;

  constructor(deps: InvitationDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
  }

  async invite(
    actor: MailActor,
    input: { email: string; team?: string | undefined; role?: string | undefined },
  ): Promise<SentInvitation> {
    const email = input.email.trim();
    if (!EMAIL.test(email) || email.length > MAX_EMAIL_LENGTH) {
      throw new AppError("INVALID_ARGUMENT", "email must look like name@example.com.");
    }
    const role = parseInvitedRole(input.role, input.team);
    const team = await this.authorize(actor.user, input.team ?? null);
    const now = this.now();
    // One pending invitation per address and team: inviting again replaces it (a new link, the earlier
    // one stops working), so a retried request (the W&B client retries 5xx) leaves no duplicates.
    const entityId = team?.id ?? null;
    for (const old of await this.deps.tokens.listPendingInvitations(entityId, now)) {
      if (old.entityId !== entityId || old.email.toLowerCase() !== email.toLowerCase()) continue;
      if (await this.deps.tokens.revokeInvitation(old.id, now)) {
        await this.record(actor, "invitation.revoked", old, { id: old.id, replaced: true });
      }
    }
    const { token, hash } = newLinkToken();
    const id = await this.deps.tokens.insertInvitation({
      tokenHash: hash,
      email,
      entityId: team?.id ?? null,
      role,
      invitedBy: actor.user.id,
      now,
      expiresAt: now + INVITATION_LIFETIME_MS,
    });
    const invitation = await this.found(id);
    await this.record(actor, "invitation.created", invitation, { id, role });
    return this.deliver(invitation, token);
  }

  /** Pending invitations of a team (its admins, instance admins) or of all (instance admins). */
  async listPending(user: UserRecord, teamName: string | undefined): Promise<InvitationRecord[]> {
    const team = await this.authorize(user, teamName ?? null);
    return this.deps.tokens.listPendingInvitations(team?.id ?? null, this.now());
  }

  async revoke(actor: MailActor, id: number): Promise<void> {
    const invitation = await this.manageable(actor.user, id);
    if (!(await this.deps.tokens.revokeInvitation(id, this.now()))) throw notPending(id);
    await this.record(actor, "invitation.revoked", invitation, { id });
  }

  /** A new link (the old one stops working) with a new expiry, sent again. */
  async resend(actor: MailActor, id: number): Promise<SentInvitation> {
    await this.manageable(actor.user, id);
    const { token, hash } = newLinkToken();
    const now = this.now();
    if (!(await this.deps.tokens.renewInvitation(id, hash, now, now + INVITATION_LIFETIME_MS)))
      throw notPending(id);
    const invitation = await this.found(id);
    await this.record(actor, "invitation.created", invitation, { id, role: invitation.role, resent: true });
    return this.deliver(invitation, token);
  }

  /** What the invitation page shows; INVITATION_INVALID unless the link is pending. */
  async preview(token: string): Promise<InvitationRecord> {
    const invitation = isLinkToken(token)
      ? await this.deps.tokens.findInvitationByToken(linkTokenHash(token))
      : undefined;
    if (!invitation || !isPending(invitation, this.now())) throw invalidInvitation();
    return invitation;
  }

  /** Creates the invited user (username, password), joins the team, and signs it in. */
  async acceptAsNewUser(
    token: string,
    input: { username: string; password: string },
    address?: string,
  ): Promise<SignedIn> {
    const pending = await this.preview(token);
    // Cheap checks before the link is claimed: a typo must not use it up.
    checkUserFields({ username: input.username, email: pending.email });
    checkPasswordRules(input.password);
    return this.claimed(token, async (invitation) => {
      const created = await this.deps.identity.createUser({
        username: input.username,
        email: invitation.email,
        isAdmin: false,
      });
      const user = await this.deps.auth.setPassword(created.username, input.password);
      await this.record({ user, address }, "user.created", invitation, { via: "invitation" }, user.username);
      await this.joinTeam(invitation, user, address);
      return this.deps.auth.startSession(user);
    });
  }

  /** A signed-in user accepts: joins the invited team as itself. */
  async acceptAsUser(token: string, actor: MailActor): Promise<void> {
    await this.claimed(token, (invitation) => this.joinTeam(invitation, actor.user, actor.address));
  }

  /** Claims the link, runs `use`, and records who accepted; the claim is released if `use` fails. */
  private async claimed<T>(token: string, use: (invitation: InvitationRecord) => Promise<T>): Promise<T> {
    const invitation = isLinkToken(token)
      ? await this.deps.tokens.claimInvitation(linkTokenHash(token), this.now())
      : undefined;
    if (!invitation) throw invalidInvitation();
    try {
      return await use(invitation);
    } catch (error) {
      await this.deps.tokens.releaseInvitation(invitation.id);
      throw error;
    }
  }

  private async joinTeam(
    invitation: InvitationRecord,
    user: UserRecord,
    address: string | undefined,
  ): Promise<void> {
    if (invitation.entityId !== null)
      await this.deps.teams.join(invitation.entityId, user.id, invitation.role);
    await this.deps.tokens.completeInvitation(invitation.id, user.id);
    await this.record({ user, address }, "invitation.accepted", invitation, {
      id: invitation.id,
      role: invitation.role,
    });
  }

  private async deliver(invitation: InvitationRecord, token: string): Promise<SentInvitation> {
    const link = linkUrl(this.deps.publicUrl, "invite", token);
    if (!this.deps.mailer) return { invitation, emailed: false, link };
    try {
      await this.deps.mailer.send(
        invitationMessage({
          to: invitation.email,
          link,
          inviter: invitation.inviterUsername,
          team: invitation.entityName,
          role: invitation.role,
          expiresAt: invitation.expiresAt,
        }),
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new AppError(
        error.code,
        `${error.message} The invitation (id ${invitation.id}) is saved: resend it when mail works again.`,
        { ...error.details, invitationId: invitation.id },
      );
    }
    return { invitation, emailed: true };
  }

  /** The team named (checked with assertCanManage), or undefined for the instance (instance admins). */
  private async authorize(user: UserRecord, teamName: string | null): Promise<EntityRecord | undefined> {
    if (teamName !== null) return this.deps.teams.assertCanManage(user, teamName);
    if (!user.isAdmin) {
      throw new AppError(
        "PERMISSION_DENIED",
        "Only instance admins can invite to the instance without a team; name a team you administer.",
      );
    }
    return undefined;
  }

  private async manageable(user: UserRecord, id: number): Promise<InvitationRecord> {
    const invitation = await this.deps.tokens.findInvitation(id);
    if (!invitation) throw new AppError("NOT_FOUND", `There is no invitation with id ${id}.`);
    await this.authorize(user, invitation.entityName);
    return invitation;
  }

  private async found(id: number): Promise<InvitationRecord> {
    const invitation = await this.deps.tokens.findInvitation(id);
    if (!invitation) throw new AppError("NOT_FOUND", `There is no invitation with id ${id}.`);
    return invitation;
  }

  private async record(
    actor: MailActor,
    action: AuditEvent["action"],
    invitation: InvitationRecord,
    detail: AuditEvent["detail"],
    target: string = invitation.email,
  ): Promise<void> {
    await this.deps.audit.record({
      action,
      actor: { id: actor.user.id, username: actor.user.username },
      ...(invitation.entityName === null ? {} : { entity: invitation.entityName }),
      target,
      ...(detail === undefined ? {} : { detail }),
      ...(actor.address === undefined ? {} : { address: actor.address }),
    });
  }
}

/** The role of a new invitation: admin, member (default) or viewer of a team; only member without one. */
export function parseInvitedRole(role: string | undefined, team: string | undefined): MemberRole {
  if (role === undefined || role === "") return "member";
  if (!(MEMBER_ROLES as readonly string[]).includes(role)) {
    throw new AppError("INVALID_ARGUMENT", `role must be one of ${MEMBER_ROLES.join(", ")}.`);
  }
  if (team === undefined && role !== "member") {
    throw new AppError("INVALID_ARGUMENT", "A role other than member needs a team: roles are per team.");
  }
  return role as MemberRole;
}

export function isPending(invitation: InvitationRecord, now: number): boolean {
  return invitation.acceptedAt === null && invitation.revokedAt === null && invitation.expiresAt > now;
}

function invalidInvitation(): AppError {
  return new AppError(
    "INVITATION_INVALID",
    "This invitation link is not valid: it was already used, revoked, or has expired. Ask for a new invitation.",
  );
}

function notPending(id: number): AppError {
  return new AppError("FAILED_PRECONDITION", `Invitation ${id} was already accepted or revoked.`);
}
