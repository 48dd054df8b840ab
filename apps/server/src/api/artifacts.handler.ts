/**
 * Ballast's own JSON API for the web UI's artifact pages (docs/web-api.md, "Artifacts and media").
 * Thin handlers: resolve the caller, parse the query, call domain/artifacts/artifact-browse.ts.
 */
import { AppError } from "@ballast/core";
import {
  collectionsByType,
  collectionVersions,
  runArtifacts,
  versionDetail,
  versionFiles,
} from "../domain/artifacts/artifact-browse.ts";
import type { Services } from "../domain/services.ts";
import type { Handler, Params } from "../http/router.ts";
import { requireCaller } from "./caller.ts";
import { sendPrivateJson } from "./json-request.ts";

/** An optional non-negative integer query parameter. */
export function intParam(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return fallback;
  if (!/^\d{1,15}$/.test(text))
    throw new AppError("INVALID_ARGUMENT", `${name} must be a non-negative integer.`);
  return Number(text);
}

const collectionPath = (params: Params) => ({
  entity: params.entity ?? "",
  project: params.project ?? "",
  type: params.type ?? "",
  collection: params.collection ?? "",
});

/** `GET /api/v1/artifacts/:entity/:project` → `{types: [{name, totalCollections, collections}]}`. */
export function collectionsHandler(services: Services): Handler {
  return async (req, res, params) => {
    const { user } = await requireCaller(req, services);
    const types = await collectionsByType(services, user, params.entity ?? "", params.project ?? "");
    sendPrivateJson(res, 200, { types });
  };
}

/** `GET /api/v1/artifacts/:entity/:project/:type/:collection?offset=&limit=` → versions, newest first. */
export function versionsHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const page = { offset: intParam(url, "offset", 0), limit: intParam(url, "limit", 100) };
    sendPrivateJson(res, 200, await collectionVersions(services, user, collectionPath(params), page));
  };
}

/** `GET /api/v1/artifacts/:entity/:project/:type/:collection/:version` (vN or an alias). */
export function versionHandler(services: Services): Handler {
  return async (req, res, params) => {
    const { user } = await requireCaller(req, services);
    const path = { ...collectionPath(params), version: params.version ?? "" };
    sendPrivateJson(res, 200, await versionDetail(services, user, path));
  };
}

/** `GET …/:version/files?after=<path>&limit=` → `{total, files: [{path, size, digest, url, ref}], next}`. */
export function versionFilesHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const path = { ...collectionPath(params), version: params.version ?? "" };
    const page = { after: url.searchParams.get("after") ?? "", limit: intParam(url, "limit", 100) };
    sendPrivateJson(res, 200, await versionFiles(services, user, path, page));
  };
}

/** `GET /api/v1/runs/:entity/:project/:run/artifacts` → `{logged: [...], used: [...]}`. */
export function runArtifactsHandler(services: Services): Handler {
  return async (req, res, params) => {
    const { user } = await requireCaller(req, services);
    const path = { entity: params.entity ?? "", project: params.project ?? "", run: params.run ?? "" };
    sendPrivateJson(res, 200, await runArtifacts(services, user, path));
  };
}
