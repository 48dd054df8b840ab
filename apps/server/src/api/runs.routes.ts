import type { Services } from "../domain/services.ts";
import type { Router } from "../http/router.ts";
import {
  getRunHandler,
  patchRunHandler,
  runFilesHandler,
  runFileUrlHandler,
  runLogsHandler,
} from "./runs.handler.ts";

/** The web UI's run page (docs/web-api.md § Runs). */
export function registerRunRoutes(router: Router, services: Services): void {
  router
    .on("GET", "/api/v1/runs/:entity/:project/:run", getRunHandler(services))
    .on("PATCH", "/api/v1/runs/:entity/:project/:run", patchRunHandler(services))
    .on("GET", "/api/v1/runs/:entity/:project/:run/logs", runLogsHandler(services))
    .on("GET", "/api/v1/runs/:entity/:project/:run/files", runFilesHandler(services))
    .on("GET", "/api/v1/runs/:entity/:project/:run/files/url", runFileUrlHandler(services));
}
