/**
 * `/system-admin` for instance admins (domain/admin/system-admin.ts, docs/backends.md):
 *   GET /api/v1/system-admin          → the instance overview (version, license, storage, database, queue)
 *   PUT /api/v1/system-admin/storage  {bucket, region, kmsKeyId, queue} → the overview after the
 *       change; 400 listing every problem (nothing changes), 409 when the environment owns the storage
 */
import { AppError } from "@ballast/core";
import type { SystemAdmin } from "../domain/admin/system-admin.ts";
import { actorOf } from "../domain/audit/audit-event.ts";
import type { Services } from "../domain/services.ts";
import { clientAddress } from "../http/client-address.ts";
import type { Handler, Router } from "../http/router.ts";
import type { UserRecord } from "../stores/records.ts";
import { requireCaller } from "./caller.ts";
import { readJsonObject, sendPrivateJson, stringField } from "./json-request.ts";

async function requireAdmin(
  req: Parameters<Handler>[0],
  services: Services,
): Promise<{ user: UserRecord; system: SystemAdmin }> {
  const { user } = await requireCaller(req, services);
  if (!user.isAdmin) throw new AppError("PERMISSION_DENIED", "Only instance admins can see /system-admin.");
  if (!services.system) throw new AppError("NOT_FOUND", "This server has no /system-admin.");
  return { user, system: services.system };
}

export function registerSystemAdminRoutes(router: Router, services: Services): void {
  router
    .on("GET", "/api/v1/system-admin", async (req, res) => {
      const { system } = await requireAdmin(req, services);
      sendPrivateJson(res, 200, await system.overview());
    })
    .on("PUT", "/api/v1/system-admin/storage", async (req, res) => {
      const { user, system } = await requireAdmin(req, services);
      const body = await readJsonObject(req);
      const optional = (name: string) => (body[name] === undefined ? "" : stringField(body, name));
      const input = {
        bucket: optional("bucket"),
        region: optional("region"),
        kmsKeyId: optional("kmsKeyId"),
        queue: optional("queue"),
      };
      for (const [name, value] of Object.entries(input)) {
        if (value.length > 2048) throw new AppError("INVALID_ARGUMENT", `${name} is too long.`);
      }
      const overview = await system.updateStorage(input, user);
      const address = clientAddress(req);
      await services.audit.record({
        action: "settings.changed",
        actor: actorOf(user),
        target: "storage",
        // The names of the settings sent, never their values (a bucket URL may carry a secret key).
        detail: {
          settings: Object.entries(input)
            .filter(([, value]) => value !== "")
            .map(([name]) => name)
            .join(","),
        },
        ...(address === undefined ? {} : { address }),
      });
      sendPrivateJson(res, 200, overview);
    });
}
