import type { Services } from "../domain/services.ts";
import type { Router } from "../http/router.ts";
import {
  collectionsHandler,
  runArtifactsHandler,
  versionFilesHandler,
  versionHandler,
  versionsHandler,
} from "./artifacts.handler.ts";
import { htmlMediaHandler, mediaHandler, tableMediaHandler } from "./media.handler.ts";

/** The web UI's artifact pages and the run page's Artifacts and Media tabs (docs/web-api.md). */
export function registerArtifactRoutes(router: Router, services: Services): void {
  router
    .on("GET", "/api/v1/artifacts/:entity/:project", collectionsHandler(services))
    .on("GET", "/api/v1/artifacts/:entity/:project/:type/:collection", versionsHandler(services))
    .on("GET", "/api/v1/artifacts/:entity/:project/:type/:collection/:version", versionHandler(services))
    .on(
      "GET",
      "/api/v1/artifacts/:entity/:project/:type/:collection/:version/files",
      versionFilesHandler(services),
    )
    .on("GET", "/api/v1/runs/:entity/:project/:run/artifacts", runArtifactsHandler(services))
    .on("GET", "/api/v1/runs/:entity/:project/:run/media", mediaHandler(services))
    .on("GET", "/api/v1/runs/:entity/:project/:run/media/table", tableMediaHandler(services))
    .on("GET", "/api/v1/runs/:entity/:project/:run/media/html", htmlMediaHandler(services));
}
