import type { Services } from "../domain/services.ts";
import type { Router } from "../http/router.ts";
import {
  acceptInvitationHandler,
  createInvitationHandler,
  listInvitationsHandler,
  previewInvitationHandler,
  resendInvitationHandler,
  revokeInvitationHandler,
} from "./invitations.handler.ts";
import { completePasswordResetHandler, requestPasswordResetHandler } from "./password-reset.handler.ts";

/** Invitations and password resets, sent by email (docs/auth.md "Invitations and password resets"). */
export function registerMailRoutes(router: Router, services: Services): void {
  router
    .on("POST", "/api/v1/invitations", createInvitationHandler(services))
    .on("GET", "/api/v1/invitations", listInvitationsHandler(services))
    .on("DELETE", "/api/v1/invitations/:id", revokeInvitationHandler(services))
    .on("POST", "/api/v1/invitations/:id/resend", resendInvitationHandler(services))
    .on("GET", "/api/v1/invitations/by-token/:token", previewInvitationHandler(services))
    .on("POST", "/api/v1/invitations/by-token/:token/accept", acceptInvitationHandler(services))
    .on("POST", "/api/v1/password-reset", requestPasswordResetHandler(services))
    .on("POST", "/api/v1/password-reset/:token", completePasswordResetHandler(services));
}
