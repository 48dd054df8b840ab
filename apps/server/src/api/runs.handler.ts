/**
 * The run page's JSON API (docs/web-api.md § Runs): the run's overview and edits, its console lines
 * and its files. Thin handlers: parse, call domain/runs/run-page.ts (which applies the access
 * policy), present. JSON values leave as in api/series.handler.ts: NaN → null, ±Infinity → the
 * strings "Infinity"/"-Infinity", integers beyond 2^53 → their exact digits as a string.
 */
import { AppError, type JsonValue, parseLenientJson } from "@ballast/core";
import {
  editRun,
  MAX_LOG_PAGE,
  type RunPath,
  runFileList,
  runFileUrl,
  runLogLines,
  runMetadata,
  runView,
} from "../domain/runs/run-page.ts";
import type { Services } from "../domain/services.ts";
import type { Handler, Params } from "../http/router.ts";
import { requireCaller } from "./caller.ts";
import { readJsonObject, sendPrivateJson } from "./json-request.ts";

/** What the JSON answer carries for a lenient JSON value (see the module comment). */
export type WireJson = null | boolean | number | string | WireJson[] | { [key: string]: WireJson };

export function toWire(value: JsonValue): WireJson {
  switch (typeof value) {
    case "number":
      if (Number.isFinite(value)) return value;
      return Number.isNaN(value) ? null : value > 0 ? "Infinity" : "-Infinity";
    case "bigint":
      return value.toString();
    case "object":
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(toWire);
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
    default:
      return value;
  }
}

function parseObject(text: string): { [key: string]: JsonValue } {
  try {
    const value = parseLenientJson(text, { exactIntegers: true });
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}

/** The client stores config as `{key: {value, desc}}` plus its own `_wandb` entry; people see key → value. */
export function configValues(text: string): { [key: string]: WireJson } {
  const out: { [key: string]: WireJson } = {};
  for (const [key, entry] of Object.entries(parseObject(text))) {
    if (key === "_wandb") continue;
    const wrapped = entry !== null && typeof entry === "object" && !Array.isArray(entry) && "value" in entry;
    out[key] = toWire(wrapped ? (entry.value ?? null) : entry);
  }
  return out;
}

function pathOf(params: Params): RunPath {
  return { entity: params.entity ?? "", project: params.project ?? "", run: params.run ?? "" };
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

async function overview(services: Services, user: Parameters<typeof runView>[1], path: RunPath) {
  const view = await runView(services, user, path);
  const { run, project } = view;
  const meta = await runMetadata(services, run);
  const end = run.finishedAt ?? (run.state === "running" ? Date.now() : run.heartbeatAt);
  return {
    entity: project.entityName,
    project: project.name,
    name: run.name,
    displayName: run.displayName ?? run.name,
    state: run.state,
    user: view.user?.username ?? null,
    group: run.groupName,
    jobType: run.jobType,
    sweep: run.sweepName,
    tags: JSON.parse(run.tags) as string[],
    notes: run.notes ?? "",
    config: configValues(run.config),
    summary: toWire(parseObject(run.summary)),
    host: meta.host,
    program: meta.program,
    codePath: meta.codePath,
    git:
      meta.gitRemote === null && meta.gitCommit === null
        ? null
        : { remote: meta.gitRemote, commit: meta.gitCommit },
    args: meta.args,
    python: meta.python,
    os: meta.os,
    executable: meta.executable,
    exitCode: run.exitCode,
    createdAt: iso(run.createdAt),
    heartbeatAt: iso(run.heartbeatAt),
    finishedAt: iso(run.finishedAt),
    runtime: Math.max(0, Math.round((end - run.createdAt) / 1000)),
    logLineCount: run.logLineCount,
    canWrite: view.canWrite,
  };
}

/** `GET /api/v1/runs/:entity/:project/:run`. */
export function getRunHandler(services: Services): Handler {
  return async (req, res, params) => {
    const { user } = await requireCaller(req, services);
    sendPrivateJson(res, 200, await overview(services, user, pathOf(params)));
  };
}

const EDITABLE = ["displayName", "notes", "tags"] as const;

/** `PATCH /api/v1/runs/:entity/:project/:run` with any of `{displayName, notes, tags}`; answers the overview. */
export function patchRunHandler(services: Services): Handler {
  return async (req, res, params) => {
    const { user } = await requireCaller(req, services);
    const body = await readJsonObject(req);
    const unknown = Object.keys(body).filter((key) => !(EDITABLE as readonly string[]).includes(key));
    if (unknown.length > 0)
      throw new AppError(
        "BAD_REQUEST",
        `Unknown field ${JSON.stringify(unknown[0])}: a run edit takes ${EDITABLE.join(", ")}.`,
      );
    const text = (name: string): string | undefined => {
      const value = body[name];
      if (value === undefined) return undefined;
      if (typeof value !== "string") throw new AppError("BAD_REQUEST", `\`${name}\` must be a string.`);
      return value;
    };
    let tags: string[] | undefined;
    if (body.tags !== undefined) {
      if (!Array.isArray(body.tags) || !body.tags.every((t) => typeof t === "string"))
        throw new AppError("BAD_REQUEST", "`tags` must be a list of strings.");
      tags = body.tags;
    }
    const path = pathOf(params);
    await editRun(services, user, path, { displayName: text("displayName"), notes: text("notes"), tags });
    sendPrivateJson(res, 200, await overview(services, user, path));
  };
}

function integerParam(url: URL, name: string): number | null {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return null;
  const value = /^-?\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new AppError("INVALID_ARGUMENT", `${name} must be an integer.`);
  return value;
}

/**
 * `GET …/logs?after=N&limit=M`: console lines numbered above N (from the first without `after`),
 * at most M (default 1000); `next` is the cursor for the following page, `more` whether there is one.
 */
export function runLogsHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const page = await runLogLines(
      services,
      user,
      pathOf(params),
      integerParam(url, "after"),
      integerParam(url, "limit") ?? Math.min(1000, MAX_LOG_PAGE),
    );
    sendPrivateJson(res, 200, { lines: page.lines, next: page.lines.at(-1)?.line ?? null, more: page.more });
  };
}

/** `GET …/files`: every file of the run by name, with size and MD5 (base64). */
export function runFilesHandler(services: Services): Handler {
  return async (req, res, params) => {
    const { user } = await requireCaller(req, services);
    const { files, truncated } = await runFileList(services, user, pathOf(params));
    sendPrivateJson(res, 200, {
      files: files.map((f) => ({ name: f.name, size: f.size, md5: f.md5, updatedAt: iso(f.updatedAt) })),
      truncated,
    });
  };
}

/** `GET …/files/url?name=…`: a short-lived signed download URL (what the Download button opens). */
export function runFileUrlHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const name = url.searchParams.get("name");
    if (!name) throw new AppError("BAD_REQUEST", "`name` (the file's path in the run) is required.");
    sendPrivateJson(res, 200, { url: await runFileUrl(services, user, pathOf(params), name) });
  };
}
