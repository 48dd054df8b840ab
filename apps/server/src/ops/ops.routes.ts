/**
 * The operational endpoints (docs/operations.md): liveness, readiness and Prometheus metrics.
 * All three are unauthenticated, as probes and scrapers expect, and answer nothing about users' data.
 */
import { AppError } from "@ballast/core";
import { sendJson } from "../http/respond.ts";
import type { Router } from "../http/router.ts";
import { EXPOSITION_CONTENT_TYPE } from "./exposition.ts";
import type { Readiness } from "./readiness.ts";
import type { ServerMetrics } from "./server-metrics.ts";

export interface Ops {
  readonly readiness: Readiness;
  readonly metrics: ServerMetrics;
  /** BALLAST_METRICS: when false, /metrics answers 404. */
  readonly metricsEnabled: boolean;
}

/** Paths the concurrency limit never refuses: a probe answered 429 under load would get the pod restarted. */
export const OPS_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"]);

export function registerOpsRoutes(router: Router, ops: Ops): void {
  router
    // Alive: the event loop runs and answers. No store access, so a slow database never gets the process killed.
    .on("GET", "/healthz", async (_req, res) => sendJson(res, 200, { status: "ok" }))
    .on("GET", "/readyz", async (_req, res) => {
      const report = await ops.readiness.evaluate();
      sendJson(res, report.ready ? 200 : 503, report.body, { "cache-control": "no-store" });
    })
    .on("GET", "/metrics", async (_req, res) => {
      if (!ops.metricsEnabled)
        throw new AppError("NOT_FOUND", "Metrics are switched off (BALLAST_METRICS=off).");
      const text = ops.metrics.render();
      res.writeHead(200, {
        "content-type": EXPOSITION_CONTENT_TYPE,
        "content-length": Buffer.byteLength(text),
        "cache-control": "no-store",
      });
      res.end(text);
    });
}
