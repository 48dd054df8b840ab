/** Builds the invitation and password-reset services, with an SMTP mailer when SMTP_HOST is set. */
import type { ServerConfig } from "../../config.ts";
import type { Stores } from "../services.ts";
import { type InvitationDeps, InvitationService } from "./invitation.service.ts";
import { SmtpMailer } from "./mailer.ts";
import { PasswordResetService } from "./password-reset.service.ts";

export function createMailServices(
  config: ServerConfig,
  stores: Pick<Stores, "emailTokens">,
  deps: Pick<InvitationDeps, "identity" | "auth" | "teams" | "audit" | "publicUrl">,
): { invitations: InvitationService; passwordResets: PasswordResetService } {
  const smtp = config.identity.smtp;
  const mailer = smtp ? new SmtpMailer(smtp, deps.publicUrl) : undefined;
  return {
    invitations: new InvitationService({ ...deps, tokens: stores.emailTokens, mailer }),
    passwordResets: new PasswordResetService({
      tokens: stores.emailTokens,
      auth: deps.auth,
      audit: deps.audit,
      mailer,
      publicUrl: deps.publicUrl,
    }),
  };
}
