import type { Services } from "../domain/services.ts";
import type { Router } from "../http/router.ts";
import { chartSeriesHandler, metricKeysHandler, systemMetricsHandler } from "./charts.handler.ts";

/** The web UI's chart data (docs/web-api.md, "Charts"). */
export function registerChartRoutes(router: Router, services: Services): void {
  router
    .on("GET", "/api/v1/projects/:entity/:project/metric-keys", metricKeysHandler(services))
    .on("GET", "/api/v1/projects/:entity/:project/chart-series", chartSeriesHandler(services))
    .on("GET", "/api/v1/runs/:entity/:project/:run/system-metrics", systemMetricsHandler(services));
}
