/**
 * Ballast's own JSON API: `GET /api/v1/runs/{entity}/{project}/{run}/series` — the bucketed chart
 * series of one metric (domain/runs/chart-series.ts) that the web UI draws.
 *
 * Query: `metric` (required), `buckets` (2..10000, default 1000), `minStep` / `maxStep` (inclusive,
 * optional: the metric's first / last step). Answer: `{ exact, points: [{ step, min, max, last,
 * lastStep }] }`; NaN is stored as null and stays null, ±Infinity go out as the strings "Infinity" /
 * "-Infinity" (JSON has no literal for them, as in the W&B presenters).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@ballast/core";
import { MAX_BUCKETS } from "../domain/runs/chart-series.ts";
import type { Services } from "../domain/services.ts";
import { sendJson } from "../http/respond.ts";
import type { Params } from "../http/router.ts";
import { requireCaller } from "./caller.ts";
import { wireNumber } from "./json-request.ts";

function integerParam(url: URL, name: string): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return undefined;
  const value = /^-?\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new AppError("INVALID_ARGUMENT", `${name} must be an integer.`);
  return value;
}

export function seriesHandler(services: Services) {
  return async (req: IncomingMessage, res: ServerResponse, params: Params, url: URL): Promise<void> => {
    // The web UI calls this with its session cookie; scripts with an API key.
    const { user } = await requireCaller(req, services);
    const metric = url.searchParams.get("metric");
    if (!metric) throw new AppError("INVALID_ARGUMENT", "`metric` is required.");
    const buckets = integerParam(url, "buckets") ?? 1000;
    if (buckets < 2 || buckets > MAX_BUCKETS)
      throw new AppError("INVALID_ARGUMENT", `buckets must be from 2 to ${MAX_BUCKETS}.`);
    const minStep = integerParam(url, "minStep");
    const maxStep = integerParam(url, "maxStep");
    if (minStep !== undefined && maxStep !== undefined && minStep > maxStep)
      throw new AppError("INVALID_ARGUMENT", "minStep must not be above maxStep.");
    const series = await services.runReads.series(
      user,
      { entity: params.entity ?? "", project: params.project ?? "", run: params.run ?? "" },
      { metric, buckets, minStep, maxStep },
    );
    sendJson(res, 200, {
      exact: series.exact,
      points: series.points.map((p) => ({
        step: p.step,
        min: wireNumber(p.min),
        max: wireNumber(p.max),
        last: wireNumber(p.last),
        lastStep: p.lastStep,
      })),
    });
  };
}
