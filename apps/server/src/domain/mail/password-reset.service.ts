/**
 * Password resets by email (docs/auth.md "Invitations and password resets").
 *
 * A request always gets the same answer, whether or not an account has that email, so the form does
 * not reveal who has an account: the caller answers 202 at once and the mail goes out in the
 * background (its failure is logged, never shown). Only local users get a link: not service accounts,
 * and not users who sign in only through OIDC or LDAP (linked to an identity, no password) — a
 * password would let them in without the identity provider. Requests are limited per email and per
 * client address. The link (one hour) sets a new password once and ends the user's sessions.
 */
import { AppError } from "@ballast/core";
import type { EmailTokenRepository } from "../../stores/email-token-repository.ts";
import type { UserRecord } from "../../stores/records.ts";
import type { AuditEvent } from "../audit/audit-event.ts";
import { checkPasswordRules } from "../auth/password.ts";
import { isLinkToken, linkTokenHash, linkUrl, newLinkToken } from "./email-link.ts";
import { passwordResetMessage } from "./mail-messages.ts";
import type { Mailer } from "./mailer.ts";
import { RequestLimiter } from "./request-limiter.ts";

export const RESET_LIFETIME_MS = 3600 * 1000;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export interface PasswordResetDeps {
  readonly tokens: EmailTokenRepository;
  readonly auth: { setPassword(username: string, password: string): Promise<UserRecord> };
  readonly audit: { record(event: AuditEvent): Promise<unknown> };
  readonly mailer: Mailer | undefined;
  readonly publicUrl: string;
  readonly now?: () => number;
  /** Where a failed background send is reported (the server log). */
  readonly log?: (line: string) => void;
  readonly limiter?: RequestLimiter;
}

export class PasswordResetService {
  private readonly deps: PasswordResetDeps;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly limiter: RequestLimiter;
  /** Background sends still running (tests and shutdown can wait for them). */
  private readonly sending = new Set<Promise<void>>();

  constructor(deps: PasswordResetDeps) {
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? ((line) => console.error(line));
    this.limiter = deps.limiter ?? new RequestLimiter();
  }

  /**
   * Stores a link for each local user with this email and mails it in the background. Resolves the
   * same way for unknown emails; TOO_MANY_ATTEMPTS past the limits (counted whether or not the email
   * exists, so the limit reveals nothing either).
   */
  async request(emailText: string, address?: string): Promise<void> {
    const email = emailText.trim().toLowerCase();
    if (!EMAIL.test(email) || email.length > 320) {
      throw new AppError("INVALID_ARGUMENT", "email must look like name@example.com.");
    }
    this.limiter.take(email, address, this.now());
    const candidates = await this.deps.tokens.findResetCandidates(email);
    for (const candidate of candidates) {
      const { token, hash } = newLinkToken();
      const now = this.now();
      await this.deps.tokens.insertPasswordReset({
        tokenHash: hash,
        userId: candidate.userId,
        now,
        expiresAt: now + RESET_LIFETIME_MS,
      });
      await this.deps.audit.record({
        action: "password_reset.requested",
        actor: null,
        target: candidate.username,
        ...(address === undefined ? {} : { address }),
      });
      const mailer = this.deps.mailer;
      if (!mailer) {
        this.log(
          `password reset for ${candidate.username} requested, but SMTP_HOST is not set: no mail sent (an admin can run ballast admin set-password)`,
        );
        continue;
      }
      const message = passwordResetMessage({
        to: email,
        username: candidate.username,
        link: linkUrl(this.deps.publicUrl, "reset-password", token),
      });
      const sent = mailer.send(message).catch((error: unknown) => {
        this.log(`password reset mail for ${candidate.username} failed: ${(error as Error).message}`);
      });
      this.sending.add(sent);
      void sent.finally(() => this.sending.delete(sent));
    }
  }

  /** Sets the new password with a link (once); the user's sessions end. RESET_LINK_INVALID otherwise. */
  async complete(token: string, password: string, address?: string): Promise<UserRecord> {
    checkPasswordRules(password);
    const candidate = isLinkToken(token)
      ? await this.deps.tokens.consumePasswordReset(linkTokenHash(token), this.now())
      : undefined;
    if (!candidate) {
      throw new AppError(
        "RESET_LINK_INVALID",
        "This password reset link is not valid: it was already used or has expired. Ask for a new one.",
      );
    }
    const user = await this.deps.auth.setPassword(candidate.username, password);
    await this.deps.audit.record({
      action: "password_reset.completed",
      actor: { id: user.id, username: user.username },
      target: user.username,
      ...(address === undefined ? {} : { address }),
    });
    return user;
  }

  /** Waits for the mails being sent in the background. */
  async settled(): Promise<void> {
    await Promise.all([...this.sending]);
  }
}
