import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@ballast/core";
import { registerArtifactRoutes } from "./api/artifacts.routes.ts";
import { registerAuditRoutes } from "./api/audit.handler.ts";
import { registerAuthRoutes } from "./api/auth.routes.ts";
import { registerChartRoutes } from "./api/charts.routes.ts";
import { registerConsoleRoutes } from "./api/console.handler.ts";
import { registerMailRoutes } from "./api/mail.routes.ts";
import { projectsHandler } from "./api/projects.handler.ts";
import { registerRunRoutes } from "./api/runs.routes.ts";
import { seriesHandler } from "./api/series.handler.ts";
import { registerSystemAdminRoutes } from "./api/system-admin.handler.ts";
import { registerTeamRoutes } from "./api/teams.handler.ts";
import { registerUserRoutes } from "./api/users.handler.ts";
import { registerWorkspaceRoutes } from "./api/workspace.routes.ts";
import { ConsoleService } from "./domain/console/console.service.ts";
import type { Services } from "./domain/services.ts";
import { sendError, sendJson } from "./http/respond.ts";
import { type Handler, Router } from "./http/router.ts";
import { storageGetHandler, storageOptionsHandler, storagePutHandler } from "./http/storage.handler.ts";
import { webAssetsHandler } from "./http/web-assets.handler.ts";
import { OPS_PATHS, type Ops, registerOpsRoutes } from "./ops/ops.routes.ts";
import { UNMATCHED_ROUTE, WEB_ROUTE } from "./ops/server-metrics.ts";
import type { UrlSigner } from "./stores/objects/url-signer.ts";
import { artifactFileHandler } from "./wandb/artifact-file.handler.ts";
import { fileStreamHandler } from "./wandb/file-stream.handler.ts";
import { graphqlHandler } from "./wandb/graphql.handler.ts";

/** The HTTP application: every route Ballast serves, and the one place errors become responses. */
export function createApp(services: Services, signer: UrlSigner, ops: Ops) {
  const graphql = graphqlHandler(services);
  const { metrics } = ops;
  const router = new Router()
    .on("POST", "/graphql", (req, res) => graphql(req, res, requestIdOf(res)))
    .on(
      "POST",
      "/files/:entity/:project/:run/file_stream",
      fileStreamHandler(services, (applied) =>
        metrics.fileStreamApplied(applied.historyLines, applied.metricPoints),
      ),
    )
    .on("GET", "/api/v1/runs/:entity/:project/:run/series", seriesHandler(services))
    .on("GET", "/api/v1/projects", projectsHandler(services))
    .on("PUT", "/storage/*key", storagePutHandler(services, signer))
    .on("GET", "/storage/*key", storageGetHandler(services, signer))
    .on("OPTIONS", "/storage/*key", storageOptionsHandler())
    .on("GET", "/artifactsV2/*rest", artifactFileHandler(services, "V2"))
    .on("GET", "/artifacts/*rest", artifactFileHandler(services, "V1"));
  // The client probes for an OpenTelemetry proxy; 404 switches its telemetry export off (reference §2).
  const noTelemetry: Handler = async (_req, res) =>
    sendJson(res, 404, { error: "telemetry is not collected here" });
  router.on("POST", "/sdk/otel/v1/metrics", noTelemetry).on("POST", "/sdk/otel/v1/logs", noTelemetry);
  registerOpsRoutes(router, ops);
  registerAuthRoutes(router, services);
  registerArtifactRoutes(router, services);
  registerChartRoutes(router, services);
  registerRunRoutes(router, services);
  registerWorkspaceRoutes(router, services);
  registerSystemAdminRoutes(router, services);
  registerAuditRoutes(router, services);
  registerTeamRoutes(router, services);
  registerUserRoutes(router, services);
  registerMailRoutes(router, services);
  registerConsoleRoutes(router, services, new ConsoleService(services.config, services.stores.identity));

  const webAssets = webAssetsHandler();

  let inFlight = 0;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomBytes(6).toString("hex");
    requestIds.set(res, requestId);
    res.setHeader("x-request-id", requestId);
    res.setHeader("x-content-type-options", "nosniff");
    const started = performance.now();
    let route = UNMATCHED_ROUTE;
    metrics.requestStarted();
    // "close" comes once the response has ended, or when the connection dropped before it did.
    res.once("close", () => {
      const status = res.writableFinished ? String(res.statusCode) : "aborted";
      metrics.requestEnded(req.method ?? "GET", route, status, (performance.now() - started) / 1000);
    });
    inFlight++;
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const found = router.match(req.method ?? "GET", url.pathname);
      if (typeof found === "object") route = found.route;
      else if (found === undefined && (req.method === "GET" || req.method === "HEAD")) route = WEB_ROUTE;
      if (inFlight > services.config.maxConcurrentRequests && !OPS_PATHS.has(url.pathname)) {
        metrics.rejectedOverloaded();
        throw new AppError("OVERLOADED", "The server is busy; retry shortly.");
      }
      // Any other GET is the web UI's: a built file, or index.html for its client-side routes.
      if (found === undefined && (req.method === "GET" || req.method === "HEAD")) {
        await webAssets(req, res, url);
        return;
      }
      if (found === undefined) throw new AppError("NOT_FOUND", `No route for ${req.method} ${url.pathname}.`);
      if (found === "method")
        throw new AppError("METHOD_NOT_ALLOWED", `${req.method} is not allowed on ${url.pathname}.`);
      await found.handler(req, res, found.params, url);
    } catch (error) {
      sendError(res, error, requestId);
      // Leave no unread request body behind a response (a refused upload, say).
      if (!req.complete) req.resume();
    } finally {
      inFlight--;
    }
  };
}

const requestIds = new WeakMap<ServerResponse, string>();
function requestIdOf(res: ServerResponse): string {
  return requestIds.get(res) ?? "-";
}
