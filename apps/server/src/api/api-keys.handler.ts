/**
 * The caller's own API keys (docs/auth.md):
 *   GET    /api/v1/api-keys      → {keys: [{id, name, prefix, createdAt, lastUsedAt}], canCreate}
 *                                   (ISO 8601 times; canCreate: whether POST would be allowed)
 *   POST   /api/v1/api-keys      {name} → 201 {id, name, key}: the full key, shown this once
 *   DELETE /api/v1/api-keys/:id  → 204; the key stops authenticating with the next request
 */
import { AppError, apiKeyDisplayPrefix } from "@ballast/core";
import { actorOf } from "../domain/audit/audit-event.ts";
import type { Services } from "../domain/services.ts";
import { clientAddress } from "../http/client-address.ts";
import type { Handler } from "../http/router.ts";
import { requireCaller } from "./caller.ts";
import { readJsonObject, sendPrivateJson, stringField } from "./json-request.ts";

const MAX_NAME_LENGTH = 100;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function listApiKeysHandler(services: Services): Handler {
  return async (req, res) => {
    const { user } = await requireCaller(req, services);
    const keys = await services.identity.listApiKeys(user.id);
    sendPrivateJson(res, 200, {
      keys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        createdAt: iso(k.createdAt),
        lastUsedAt: iso(k.lastUsedAt),
      })),
      // The page hides its create form instead of letting the POST be refused.
      canCreate: await services.identity.mayIssueOwnApiKey(user),
    });
  };
}

export function createApiKeyHandler(services: Services): Handler {
  return async (req, res) => {
    const { user } = await requireCaller(req, services);
    const name = stringField(await readJsonObject(req), "name").trim();
    if (name === "" || name.length > MAX_NAME_LENGTH) {
      throw new AppError("INVALID_ARGUMENT", `name must be 1–${MAX_NAME_LENGTH} characters.`);
    }
    const created = await services.identity.issueOwnApiKey(user, name);
    const address = clientAddress(req);
    await services.audit.record({
      action: "api_key.created",
      actor: actorOf(user),
      target: user.username,
      // Never the key itself: its id, name and the prefix shown in the key list.
      detail: { keyId: created.id, name, prefix: apiKeyDisplayPrefix(created.key) },
      ...(address === undefined ? {} : { address }),
    });
    sendPrivateJson(res, 201, { id: created.id, name, key: created.key });
  };
}

export function revokeApiKeyHandler(services: Services): Handler {
  return async (req, res, params) => {
    const { user } = await requireCaller(req, services);
    const text = params.id ?? "";
    const id = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(id)) throw new AppError("INVALID_ARGUMENT", "The key id must be an integer.");
    const revoked = (await services.identity.listApiKeys(user.id)).find((key) => key.id === id);
    await services.identity.revokeApiKey(user.id, id);
    const address = clientAddress(req);
    await services.audit.record({
      action: "api_key.revoked",
      actor: actorOf(user),
      target: user.username,
      detail: { keyId: id, name: revoked?.name ?? null, prefix: revoked?.prefix ?? null },
      ...(address === undefined ? {} : { address }),
    });
    res.writeHead(204, { "cache-control": "no-store" }).end();
  };
}
