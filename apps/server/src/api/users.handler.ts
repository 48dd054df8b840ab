/**
 * The instance's people and its key policy, for instance admins (docs/teams.md):
 *
 *   GET   /api/v1/users                       → {users: [{username, email, isAdmin, active, signIn: [providers]}]}
 *   PATCH /api/v1/users/:username             {isAdmin?, active?} → 204 (`active: false` deactivates: keys,
 *                                             sessions and sign-ins refused until reactivated)
 *   GET   /api/v1/users/:username/api-keys    → {keys}
 *   POST  /api/v1/users/:username/api-keys    {name} → 201 {id, name, key} (the way people get keys while
 *                                             self-service is off)
 *   DELETE /api/v1/users/:username/api-keys/:id → 204
 *   GET   /api/v1/instance-settings           → {apiKeySelfService}
 *   PUT   /api/v1/instance-settings           {apiKeySelfService} → the settings
 */
import { AppError, apiKeyDisplayPrefix } from "@ballast/core";
import { actorOf as auditActor } from "../domain/audit/audit-event.ts";
import type { Services } from "../domain/services.ts";
import type { Actor } from "../domain/teams/team.service.ts";
import type { Router } from "../http/router.ts";
import type { UserRecord } from "../stores/records.ts";
import { readJsonObject, sendPrivateJson } from "./json-request.ts";
import { actorOf, keyId, keyName, presentKey, presentPerson } from "./teams.handler.ts";

export function registerUserRoutes(router: Router, services: Services): void {
  const admin = async (req: Parameters<typeof actorOf>[0]): Promise<Actor> => {
    const actor = await actorOf(req, services);
    if (!actor.user.isAdmin)
      throw new AppError("PERMISSION_DENIED", "Only instance admins manage users and settings.");
    return actor;
  };
  const person = async (username: string | undefined): Promise<UserRecord> => {
    const user = await services.identity.userByUsername(username ?? "");
    if (user.accountType === "service") {
      throw new AppError("NOT_FOUND", `"${username}" is a service account: its team's admins manage it.`);
    }
    return user;
  };
  const record = (
    actor: Actor,
    event: Omit<Parameters<Services["audit"]["record"]>[0], "actor" | "address">,
  ) =>
    services.audit.record({
      ...event,
      actor: auditActor(actor.user),
      ...(actor.address === undefined ? {} : { address: actor.address }),
    });

  router
    .on("GET", "/api/v1/users", async (req, res) => {
      await admin(req);
      const users = await services.stores.teams.listUsers();
      const listed = [];
      for (const user of users) {
        listed.push({
          ...presentPerson(user),
          active: !user.deactivated,
          signIn: await services.stores.teams.identityProvidersOf(user.id),
        });
      }
      sendPrivateJson(res, 200, { users: listed });
    })
    .on("PATCH", "/api/v1/users/:username", async (req, res, params) => {
      const actor = await admin(req);
      const body = await readJsonObject(req);
      for (const field of ["isAdmin", "active"] as const) {
        if (body[field] !== undefined && typeof body[field] !== "boolean") {
          throw new AppError("BAD_REQUEST", `\`${field}\` must be true or false.`);
        }
      }
      const user = await person(params.username);
      if (user.id === actor.user.id && (body.isAdmin === false || body.active === false)) {
        throw new AppError(
          "FAILED_PRECONDITION",
          "You cannot remove your own admin rights or deactivate yourself; ask another admin.",
        );
      }
      if (typeof body.isAdmin === "boolean" && user.isAdmin !== body.isAdmin) {
        await services.stores.teams.setInstanceAdmin(user.id, body.isAdmin);
        await services.identity.forgetKeyLookups();
        await record(actor, {
          action: "user.admin_changed",
          target: user.username,
          detail: { isAdmin: body.isAdmin },
        });
      }
      if (typeof body.active === "boolean") {
        const changed = await services.stores.teams.setDeactivated({
          userId: user.id,
          deactivated: !body.active,
          by: actor.user.id,
          now: Date.now(),
        });
        if (changed) {
          // Cached key look-ups hold the user as it was: its keys must stop (or start) working now.
          await services.identity.forgetKeyLookups();
          await record(actor, {
            action: body.active ? "user.reactivated" : "user.deactivated",
            target: user.username,
          });
        }
      }
      res.writeHead(204, { "cache-control": "no-store" }).end();
    })
    .on("GET", "/api/v1/users/:username/api-keys", async (req, res, params) => {
      await admin(req);
      const user = await person(params.username);
      sendPrivateJson(res, 200, { keys: (await services.identity.listApiKeys(user.id)).map(presentKey) });
    })
    .on("POST", "/api/v1/users/:username/api-keys", async (req, res, params) => {
      const actor = await admin(req);
      const user = await person(params.username);
      const name = keyName(await readJsonObject(req));
      const created = await services.identity.issueApiKey(user.id, name);
      await record(actor, {
        action: "api_key.created",
        target: user.username,
        detail: { keyId: created.id, name, prefix: apiKeyDisplayPrefix(created.key) },
      });
      sendPrivateJson(res, 201, { id: created.id, name, key: created.key });
    })
    .on("DELETE", "/api/v1/users/:username/api-keys/:id", async (req, res, params) => {
      const actor = await admin(req);
      const user = await person(params.username);
      const id = keyId(params.id);
      await services.identity.revokeApiKey(user.id, id);
      await record(actor, { action: "api_key.revoked", target: user.username, detail: { keyId: id } });
      res.writeHead(204, { "cache-control": "no-store" }).end();
    })
    .on("GET", "/api/v1/instance-settings", async (req, res) => {
      await admin(req);
      sendPrivateJson(res, 200, { apiKeySelfService: await services.identity.apiKeySelfService() });
    })
    .on("PUT", "/api/v1/instance-settings", async (req, res) => {
      const actor = await admin(req);
      const body = await readJsonObject(req);
      if (typeof body.apiKeySelfService !== "boolean") {
        throw new AppError("BAD_REQUEST", "`apiKeySelfService` must be true or false.");
      }
      if ((await services.identity.apiKeySelfService()) !== body.apiKeySelfService) {
        await services.identity.setApiKeySelfService(body.apiKeySelfService);
        await record(actor, {
          action: "settings.changed",
          target: "apiKeySelfService",
          detail: { apiKeySelfService: body.apiKeySelfService },
        });
      }
      sendPrivateJson(res, 200, { apiKeySelfService: body.apiKeySelfService });
    });
}
