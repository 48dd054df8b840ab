import type { Services } from "../domain/services.ts";
import type { Router } from "../http/router.ts";
import { createApiKeyHandler, listApiKeysHandler, revokeApiKeyHandler } from "./api-keys.handler.ts";
import { oidcCallbackHandler, oidcLoginHandler } from "./oidc.handler.ts";
import { getSessionHandler, setupHandler, signInHandler, signOutHandler } from "./session.handler.ts";

/** Sign-in, first-admin setup and API-key management for the web UI (docs/auth.md). */
export function registerAuthRoutes(router: Router, services: Services): void {
  router
    .on("GET", "/api/v1/session", getSessionHandler(services))
    .on("POST", "/api/v1/session", signInHandler(services))
    .on("DELETE", "/api/v1/session", signOutHandler(services))
    .on("POST", "/api/v1/setup", setupHandler(services))
    .on("GET", "/oidc/login", oidcLoginHandler(services))
    .on("GET", "/oidc/callback", oidcCallbackHandler(services))
    .on("GET", "/api/v1/api-keys", listApiKeysHandler(services))
    .on("POST", "/api/v1/api-keys", createApiKeyHandler(services))
    .on("DELETE", "/api/v1/api-keys/:id", revokeApiKeyHandler(services));
}
