/**
 * The audit log, for instance admins (session or API key; docs/auth.md "Audit log"):
 *   GET  /api/v1/audit-log?action=&actor=&entity=&since=&until=&cursor=&limit=
 *        → {entries: [{id, at, action, actor, entity, target, detail, address}], nextCursor, actions}
 *        newest first; `since`/`until` ISO 8601; `limit` 1–1000 (default 100); `nextCursor` null on
 *        the last page
 *   POST /api/v1/audit-log/export → {ran, objects: [{key, entries, firstId, lastId}]}: writes the
 *        entries not yet exported to the bucket now (ran: false while another replica exports)
 */
import { AppError } from "@ballast/core";
import { auditActions } from "../domain/audit/audit-event.ts";
import { auditEntryJson } from "../domain/audit/audit-json.ts";
import type { Services } from "../domain/services.ts";
import type { Handler, Router } from "../http/router.ts";
import type { UserRecord } from "../stores/records.ts";
import { requireCaller } from "./caller.ts";
import { sendPrivateJson } from "./json-request.ts";

const FILTERS = ["action", "actor", "entity"] as const;

async function requireAdmin(req: Parameters<Handler>[0], services: Services): Promise<UserRecord> {
  const { user } = await requireCaller(req, services);
  if (!user.isAdmin) throw new AppError("PERMISSION_DENIED", "Only instance admins can read the audit log.");
  return user;
}

/** An ISO 8601 time parameter in ms, or undefined when absent or empty. */
function timeParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null || text === "") return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new AppError("INVALID_ARGUMENT", `${name} must be an ISO 8601 time, e.g. 2025-01-31T12:00:00Z.`);
  }
  return ms;
}

export function registerAuditRoutes(router: Router, services: Services): void {
  router
    .on("GET", "/api/v1/audit-log", async (req, res, _params, url) => {
      await requireAdmin(req, services);
      const params = url.searchParams;
      const query: { -readonly [K in (typeof FILTERS)[number]]?: string } = {};
      for (const name of FILTERS) {
        const value = params.get(name);
        if (value !== null && value !== "") query[name] = value;
      }
      const since = timeParam(params, "since");
      const until = timeParam(params, "until");
      const cursor = params.get("cursor");
      const limitText = params.get("limit");
      let limit: number | undefined;
      if (limitText !== null && limitText !== "") {
        limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : Number.NaN;
        if (Number.isNaN(limit))
          throw new AppError("INVALID_ARGUMENT", "limit must be a whole number from 1 to 1000.");
      }
      const page = await services.audit.list({
        ...query,
        ...(since === undefined ? {} : { since }),
        ...(until === undefined ? {} : { until }),
        ...(cursor === null || cursor === "" ? {} : { cursor }),
        ...(limit === undefined ? {} : { limit }),
      });
      sendPrivateJson(res, 200, {
        entries: page.entries.map(auditEntryJson),
        nextCursor: page.nextCursor,
        // Every action this version records: the web UI's filter suggests them.
        actions: auditActions,
      });
    })
    .on("POST", "/api/v1/audit-log/export", async (req, res) => {
      await requireAdmin(req, services);
      sendPrivateJson(res, 200, await services.auditExport.exportNow());
    });
}
