/**
 * `GET /api/v1/projects` → `{projects: [{entity, name, runCount, updatedAt}]}` (updatedAt in ISO
 * 8601): the caller's projects across their entities, for the web UI's home page.
 */
import { projectsOfUser } from "../domain/projects/project-list.ts";
import type { Services } from "../domain/services.ts";
import type { Handler } from "../http/router.ts";
import { requireCaller } from "./caller.ts";
import { sendPrivateJson } from "./json-request.ts";

export function projectsHandler(services: Services): Handler {
  return async (req, res) => {
    const { user } = await requireCaller(req, services);
    const projects = await projectsOfUser(services.stores, user);
    sendPrivateJson(res, 200, {
      projects: projects.map((p) => ({ ...p, updatedAt: new Date(p.updatedAt).toISOString() })),
    });
  };
}
