/**
 * Teams, members and service accounts (docs/teams.md). Authorization is the domain's policy table
 * (TeamService); handlers parse, call and present.
 *
 *   GET    /api/v1/teams                                   → {teams: [{name, role}]}
 *   POST   /api/v1/teams                                   {name, admin?} → 201 {name}
 *   GET    /api/v1/teams/:team                             → {name, role, canManage, members, serviceAccounts}
 *   DELETE /api/v1/teams/:team                             → 204 (empty teams only)
 *   POST   /api/v1/teams/:team/members                     {username, role} → 201
 *   PATCH  /api/v1/teams/:team/members/:username           {role} → 204
 *   DELETE /api/v1/teams/:team/members/:username           → 204
 *   POST   /api/v1/teams/:team/service-accounts            {name, role} → 201 {username, role, key: {id, key}}
 *   DELETE /api/v1/teams/:team/service-accounts/:username  → 204 (its keys stop working)
 *   GET    /api/v1/teams/:team/service-accounts/:username/api-keys         → {keys}
 *   POST   /api/v1/teams/:team/service-accounts/:username/api-keys         {name} → 201 {id, name, key}
 *   DELETE /api/v1/teams/:team/service-accounts/:username/api-keys/:id     → 204
 */
import type { IncomingMessage } from "node:http";
import { AppError } from "@ballast/core";
import type { Services } from "../domain/services.ts";
import { type Actor, parseRole } from "../domain/teams/team.service.ts";
import { clientAddress } from "../http/client-address.ts";
import type { Handler, Router } from "../http/router.ts";
import type { ApiKeyRecord, UserRecord } from "../stores/records.ts";
import { requireCaller } from "./caller.ts";
import { readJsonObject, sendPrivateJson, stringField } from "./json-request.ts";

const MAX_KEY_NAME_LENGTH = 100;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function registerTeamRoutes(router: Router, services: Services): void {
  const teams = services.teams;
  const base = "/api/v1/teams/:team";
  const sa = `${base}/service-accounts/:username`;
  router
    .on("GET", "/api/v1/teams", async (req, res) => {
      const { user } = await requireCaller(req, services);
      const list = await teams.list(user);
      sendPrivateJson(res, 200, { teams: list.map((t) => ({ name: t.team.name, role: t.role ?? null })) });
    })
    .on("POST", "/api/v1/teams", async (req, res) => {
      const actor = await actorOf(req, services);
      const body = await readJsonObject(req);
      const admin = body.admin === undefined || body.admin === null ? undefined : stringField(body, "admin");
      const team = await teams.create(actor, { name: stringField(body, "name"), adminUsername: admin });
      sendPrivateJson(res, 201, { name: team.name });
    })
    .on("GET", base, async (req, res, params) => {
      const { user } = await requireCaller(req, services);
      const detail = await teams.get(user, param(params, "team"));
      sendPrivateJson(res, 200, {
        name: detail.team.name,
        role: detail.role ?? null,
        canManage: detail.canManage,
        members: detail.members.map((m) => ({ ...presentPerson(m.user), role: m.role })),
        serviceAccounts: detail.serviceAccounts.map((s) => ({
          username: s.user.username,
          role: s.role,
          createdBy: s.createdBy,
          createdAt: iso(s.createdAt),
        })),
      });
    })
    .on("DELETE", base, async (req, res, params) => {
      await teams.delete(await actorOf(req, services), param(params, "team"));
      noContent(res);
    })
    .on("POST", `${base}/members`, async (req, res, params) => {
      const actor = await actorOf(req, services);
      const body = await readJsonObject(req);
      await teams.addMember(
        actor,
        param(params, "team"),
        stringField(body, "username"),
        parseRole(body.role),
      );
      sendPrivateJson(res, 201, { username: body.username, role: body.role });
    })
    .on("PATCH", `${base}/members/:username`, async (req, res, params) => {
      const actor = await actorOf(req, services);
      const body = await readJsonObject(req);
      await teams.changeRole(actor, param(params, "team"), param(params, "username"), parseRole(body.role));
      noContent(res);
    })
    .on("DELETE", `${base}/members/:username`, async (req, res, params) => {
      await teams.removeMember(
        await actorOf(req, services),
        param(params, "team"),
        param(params, "username"),
      );
      noContent(res);
    })
    .on("POST", `${base}/service-accounts`, async (req, res, params) => {
      const actor = await actorOf(req, services);
      const body = await readJsonObject(req);
      const role = body.role === undefined ? "member" : parseRole(body.role);
      const created = await teams.createServiceAccount(actor, param(params, "team"), {
        name: stringField(body, "name"),
        role,
      });
      sendPrivateJson(res, 201, { username: created.account.username, role, key: created.key });
    })
    .on("DELETE", sa, async (req, res, params) => {
      const actor = await actorOf(req, services);
      await teams.deleteServiceAccount(actor, param(params, "team"), param(params, "username"));
      noContent(res);
    })
    .on("GET", `${sa}/api-keys`, async (req, res, params) => {
      const { user } = await requireCaller(req, services);
      const keys = await teams.serviceAccountKeys(user, param(params, "team"), param(params, "username"));
      sendPrivateJson(res, 200, { keys: keys.map(presentKey) });
    })
    .on("POST", `${sa}/api-keys`, async (req, res, params) => {
      const actor = await actorOf(req, services);
      const name = keyName(await readJsonObject(req));
      const created = await teams.createServiceAccountKey(
        actor,
        param(params, "team"),
        param(params, "username"),
        name,
      );
      sendPrivateJson(res, 201, { id: created.id, name, key: created.key });
    })
    .on("DELETE", `${sa}/api-keys/:id`, async (req, res, params) => {
      const actor = await actorOf(req, services);
      const id = keyId(params.id);
      await teams.revokeServiceAccountKey(actor, param(params, "team"), param(params, "username"), id);
      noContent(res);
    });
}

/** The signed-in caller as the domain's actor (with the client address, for the audit log). */
export async function actorOf(req: IncomingMessage, services: Services): Promise<Actor> {
  const { user } = await requireCaller(req, services);
  return { user, address: clientAddress(req) };
}

export function presentPerson(user: UserRecord) {
  return { username: user.username, email: user.email, isAdmin: user.isAdmin };
}

export function presentKey(key: ApiKeyRecord) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: iso(key.createdAt),
    lastUsedAt: iso(key.lastUsedAt),
  };
}

export function keyName(body: Record<string, unknown>): string {
  const name = stringField(body, "name").trim();
  if (name === "" || name.length > MAX_KEY_NAME_LENGTH) {
    throw new AppError("INVALID_ARGUMENT", `name must be 1–${MAX_KEY_NAME_LENGTH} characters.`);
  }
  return name;
}

export function keyId(text: string | undefined): number {
  const id = /^\d{1,15}$/.test(text ?? "") ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw new AppError("INVALID_ARGUMENT", "The key id must be an integer.");
  return id;
}

function param(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name];
  if (value === undefined || value === "") throw new AppError("INVALID_PATH", `The path lacks ${name}.`);
  return value;
}

function noContent(res: Parameters<Handler>[1]): void {
  res.writeHead(204, { "cache-control": "no-store" }).end();
}
