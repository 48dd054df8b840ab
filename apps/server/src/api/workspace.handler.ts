/**
 * The workspace's JSON API (docs/web-api.md, "Workspace"): a project's runs table in windows, its
 * config/summary keys, value groups, and the home page's recent runs. Thin: parse the query, let
 * the domain check access and read (domain/runs/run-table.ts), present.
 */
import { AppError } from "@ballast/core";
import { recentRuns, runGroups, runKeys, runWindow } from "../domain/runs/run-table.ts";
import type { Services } from "../domain/services.ts";
import type { Handler, Params } from "../http/router.ts";
import { requireCaller } from "./caller.ts";
import { sendPrivateJson } from "./json-request.ts";

function integerParam(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return fallback;
  const value = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value))
    throw new AppError("INVALID_ARGUMENT", `${name} must be a non-negative integer.`);
  return value;
}

const projectPath = (params: Params) => ({ entity: params.entity ?? "", project: params.project ?? "" });

/** `GET /api/v1/projects/:entity/:project/runs?filters=&order=&offset=&limit=&column=config.lr&column=…` */
export function runWindowHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const window = await runWindow(services, user, projectPath(params), {
      filters: url.searchParams.get("filters"),
      order: url.searchParams.get("order"),
      offset: integerParam(url, "offset", 0),
      limit: integerParam(url, "limit", 100),
      columns: url.searchParams.getAll("column"),
    });
    sendPrivateJson(res, 200, window);
  };
}

/** `GET /api/v1/projects/:entity/:project/run-keys` → `{config: [...], summary: [...]}` */
export function runKeysHandler(services: Services): Handler {
  return async (req, res, params) => {
    const { user } = await requireCaller(req, services);
    sendPrivateJson(res, 200, await runKeys(services, user, projectPath(params)));
  };
}

/** `GET /api/v1/projects/:entity/:project/run-groups?by=config.batch&filters=` */
export function runGroupsHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const by = url.searchParams.get("by");
    if (!by) throw new AppError("INVALID_ARGUMENT", "`by` is required.");
    const { groups, truncated } = await runGroups(services, user, projectPath(params), {
      by,
      filters: url.searchParams.get("filters"),
    });
    sendPrivateJson(res, 200, {
      groups: groups.map((g) => ({ value: groupValue(g.value, g.type), count: g.count })),
      truncated,
    });
  };
}

/**
 * A group's value as the JSON the filter language compares with: true/false for JSON booleans,
 * numbers (a big integer stays decimal text), objects and lists parsed back.
 */
function groupValue(value: number | string | null, type: string): unknown {
  if (type === "true") return true;
  if (type === "false") return false;
  if (type === "null" || value === null) return null;
  if ((type === "integer" || type === "real") && typeof value === "string") {
    const n = Number(value);
    return Number.isSafeInteger(n) || type === "real" ? n : value;
  }
  if ((type === "object" || type === "array") && typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** `GET /api/v1/recent-runs?limit=20` → `{runs: [...]}` across the caller's projects. */
export function recentRunsHandler(services: Services): Handler {
  return async (req, res, _params, url) => {
    const { user } = await requireCaller(req, services);
    const limit = integerParam(url, "limit", 20);
    if (limit < 1 || limit > 100) throw new AppError("INVALID_ARGUMENT", "limit must be from 1 to 100.");
    sendPrivateJson(res, 200, { runs: await recentRuns(services, user, limit) });
  };
}
