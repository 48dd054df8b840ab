/**
 * The web UI's Media tab: `GET /api/v1/runs/:entity/:project/:run/media[?key=K]`, `…/media/table`
 * and `…/media/html` (docs/web-api.md, "Artifacts and media").
 *
 * HTML media is the one place the UI shows a user's markup. It is served here, from our origin,
 * with `Content-Security-Policy: sandbox` (an opaque origin, no script, no forms, no popups — even
 * when someone opens the URL directly rather than in the UI's `<iframe sandbox="">`) and
 * `default-src 'none'` (nothing loads but inline styles and images from data: and our origin).
 */
import { AppError } from "@ballast/core";
import { htmlMedia, mediaKeys, mediaSteps, tableMedia } from "../domain/runs/run-media.ts";
import type { Services } from "../domain/services.ts";
import type { Handler, Params } from "../http/router.ts";
import { intParam } from "./artifacts.handler.ts";
import { requireCaller } from "./caller.ts";
import { sendPrivateJson } from "./json-request.ts";

export const HTML_MEDIA_CSP =
  "sandbox; default-src 'none'; img-src data: 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'";

const runPath = (params: Params) => ({
  entity: params.entity ?? "",
  project: params.project ?? "",
  run: params.run ?? "",
});

function requiredParam(url: URL, name: string): string {
  const value = url.searchParams.get(name);
  if (!value) throw new AppError("INVALID_ARGUMENT", `\`${name}\` is required.`);
  return value;
}

/** Without `key`: `{keys: [{key, kind}]}`; with `key`: `{key, steps: [{step, items}]}`. */
export function mediaHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const key = url.searchParams.get("key");
    if (key === null) {
      sendPrivateJson(res, 200, { keys: await mediaKeys(services, user, runPath(params)) });
      return;
    }
    sendPrivateJson(res, 200, { key, steps: await mediaSteps(services, user, runPath(params), key) });
  };
}

/** `?path=media/table/…table.json&offset=&limit=` → `{columns, rows, total, offset}`. */
export function tableMediaHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const page = await tableMedia(
      services,
      user,
      runPath(params),
      requiredParam(url, "path"),
      intParam(url, "offset", 0),
      intParam(url, "limit", 50),
    );
    sendPrivateJson(res, 200, page);
  };
}

/** `?path=media/html/….html` → the page itself, sandboxed by its CSP. */
export function htmlMediaHandler(services: Services): Handler {
  return async (req, res, params, url) => {
    const { user } = await requireCaller(req, services);
    const bytes = await htmlMedia(services, user, runPath(params), requiredParam(url, "path"));
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-length": bytes.length,
      "content-security-policy": HTML_MEDIA_CSP,
      "x-content-type-options": "nosniff",
      "cache-control": "private, no-store",
      "referrer-policy": "no-referrer",
      "cross-origin-resource-policy": "same-origin",
    });
    res.end(req.method === "HEAD" ? undefined : bytes);
  };
}
