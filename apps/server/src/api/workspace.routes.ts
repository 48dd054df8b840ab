import type { Services } from "../domain/services.ts";
import type { Router } from "../http/router.ts";
import {
  recentRunsHandler,
  runGroupsHandler,
  runKeysHandler,
  runWindowHandler,
} from "./workspace.handler.ts";

/** The workspace's runs table and the home page's recent runs (docs/web-api.md, "Workspace"). */
export function registerWorkspaceRoutes(router: Router, services: Services): void {
  router
    .on("GET", "/api/v1/projects/:entity/:project/runs", runWindowHandler(services))
    .on("GET", "/api/v1/projects/:entity/:project/run-keys", runKeysHandler(services))
    .on("GET", "/api/v1/projects/:entity/:project/run-groups", runGroupsHandler(services))
    .on("GET", "/api/v1/recent-runs", recentRunsHandler(services));
}
