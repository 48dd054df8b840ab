/**
 * Serves the web UI that Vite builds into apps/web/dist, for GET/HEAD requests no other route took:
 * files as they are; `index.html` for any other path that is not an API path and does not name a
 * file, so client-side routes survive a reload. Vite's hashed files under /assets/ never change and
 * are cached for a year; everything else (index.html first) is revalidated on every load, so a new
 * build shows up at once. Every answer carries the page security headers (security-headers.ts).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { AppError } from "@ballast/core";
import { setPageSecurityHeaders } from "./security-headers.ts";

/** Where `npm run build -w apps/web` writes, found from this file so the server's cwd does not matter. */
export const DEFAULT_WEB_DIST = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

/** Paths that belong to the APIs: an unknown one is a JSON 404, never the app's index.html. */
const API_PREFIXES = ["/api/", "/graphql", "/files/", "/storage/", "/artifacts/", "/artifactsV2/", "/sdk/"];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

export function isApiPath(pathname: string): boolean {
  return API_PREFIXES.some((prefix) => pathname === prefix.replace(/\/$/, "") || pathname.startsWith(prefix));
}

/**
 * The handler for a GET/HEAD with no route; `distDir` is the built app (tests point it elsewhere).
 * Throws NOT_FOUND for API paths and missing files, so errors keep the server's one JSON shape.
 */
export function webAssetsHandler(distDir: string = DEFAULT_WEB_DIST) {
  const root = resolve(distDir);
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const pathname = url.pathname;
    if (isApiPath(pathname)) throw new AppError("NOT_FOUND", `No route for ${req.method} ${pathname}.`);
    const index = join(root, "index.html");
    if (!(await isFile(index))) {
      sendNotBuilt(req, res);
      return;
    }
    const relative = decodedPath(pathname);
    // A path whose last segment has an extension names a file; anything else is a client-side route.
    const namesFile = /\.[^/]+$/.test(relative);
    let file = index;
    if (relative !== "/" && relative !== "/index.html") {
      const candidate = resolve(root, `.${relative}`);
      // resolve() has collapsed any `..`: what is left must still be inside the dist directory.
      if (!candidate.startsWith(root + sep)) throw new AppError("NOT_FOUND", "No such file.");
      if (await isFile(candidate)) file = candidate;
      else if (namesFile || relative.startsWith("/assets/")) {
        throw new AppError("NOT_FOUND", `No file ${pathname} in the web app.`);
      }
    }
    await sendFile(
      req,
      res,
      file,
      file !== index && relative.startsWith("/assets/") ? IMMUTABLE : REVALIDATE,
    );
  };
}

/** The percent-decoded path; NUL bytes, backslashes and undecodable escapes are refused. */
function decodedPath(pathname: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    throw new AppError("NOT_FOUND", "No such file.");
  }
  if (decoded.includes("\0") || decoded.includes("\\")) throw new AppError("NOT_FOUND", "No such file.");
  return decoded;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string) {
  const info = await stat(file);
  const etag = `W/"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  setPageSecurityHeaders(res);
  res.setHeader("cache-control", cacheControl);
  res.setHeader("etag", etag);
  res.setHeader("content-type", CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream");
  if (req.headers["if-none-match"] === etag) {
    res.writeHead(304).end();
    return;
  }
  res.setHeader("content-length", info.size);
  if (req.method === "HEAD") {
    res.writeHead(200).end();
    return;
  }
  res.writeHead(200);
  // A client that goes away mid-file is no server error: just stop sending.
  await pipeline(createReadStream(file), res).catch(() => res.destroy());
}

/** A fresh checkout that skipped the build: say how to build rather than answering a bare 404. */
function sendNotBuilt(req: IncomingMessage, res: ServerResponse): void {
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ballast: web UI not built</title></head>
<body><h1>The web UI is not built</h1>
<p>This Ballast server runs, but its web assets are missing. Build them in the repository and reload:</p>
<pre>npm run build -w apps/web</pre>
<p>The API and the <code>wandb</code> clients work without them.</p></body></html>
`;
  setPageSecurityHeaders(res);
  res.writeHead(503, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}
