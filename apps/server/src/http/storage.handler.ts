import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@ballast/core";
import type { Services } from "../domain/services.ts";
import { expectedMd5, objectStored } from "../domain/storage/uploads.ts";
import { isSafeObjectKey } from "../stores/objects/object-store.ts";
import type { UrlSigner } from "../stores/objects/url-signer.ts";
import { sendJson } from "./respond.ts";

/** The object key in a `/storage/<key>` path: each segment percent-decoded exactly once, then checked. */
function keyOf(encoded: string): string {
  let key: string;
  try {
    key = encoded.split("/").map(decodeURIComponent).join("/");
  } catch {
    throw new AppError("INVALID_PATH", "Malformed storage path.");
  }
  if (!isSafeObjectKey(key)) throw new AppError("INVALID_PATH", "Invalid storage path.");
  return key;
}

/**
 * CORS for `/storage/*`: the web app (and any browser client) fetches signed URLs from another origin
 * when a public URL or CDN fronts them. A signed URL carries its own authorisation and no cookies,
 * so any origin may use it; `wandb verify` checks for this header on OPTIONS (wandb/sdk/verify/verify.py).
 */
const STORAGE_CORS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "ETag, Content-Length, Content-Range, Accept-Ranges",
} as const;

function allowCors(res: ServerResponse): void {
  for (const [name, value] of Object.entries(STORAGE_CORS)) res.setHeader(name, value);
}

/** OPTIONS /storage/<key>: the browser's preflight before a GET or PUT of a signed URL. */
export function storageOptionsHandler() {
  return async (req: IncomingMessage, res: ServerResponse) => {
    allowCors(res);
    const requested = req.headers["access-control-request-headers"];
    res.writeHead(204, {
      "access-control-allow-methods": "GET, HEAD, PUT",
      "access-control-allow-headers": typeof requested === "string" && requested !== "" ? requested : "*",
      "access-control-max-age": "3000",
      "content-length": 0,
    });
    res.end();
  };
}

/** PUT /storage/<key>: a signed upload, streamed to disk, never buffered whole. */
export function storagePutHandler(services: Services, signer: UrlSigner) {
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    params: Readonly<Record<string, string>>,
    url: URL,
  ) => {
    allowCors(res);
    const key = keyOf(params.key ?? "");
    signer.verify("PUT", key, url.searchParams);
    const contentMd5 = req.headers["content-md5"];
    const expected = expectedMd5(services, key);
    if (typeof contentMd5 === "string" && expected !== undefined && contentMd5 !== expected) {
      throw new AppError("DIGEST_MISMATCH", `Content-MD5 ${contentMd5} does not match this object's digest.`);
    }
    const stored = await services.stores.objects.put(key, req, {
      expectedMd5Base64: typeof contentMd5 === "string" ? contentMd5 : expected,
    });
    await objectStored(services, key, stored);
    // Multipart part uploads need the ETag back (hex MD5, quoted as S3 does).
    res.writeHead(200, { etag: `"${stored.md5Hex}"`, "content-length": 0 });
    res.end();
  };
}

/** GET /storage/<key>: a signed download, with single-range support for resumable clients. */
export function storageGetHandler(services: Services, signer: UrlSigner) {
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    params: Readonly<Record<string, string>>,
    url: URL,
  ) => {
    allowCors(res);
    const key = keyOf(params.key ?? "");
    signer.verify("GET", key, url.searchParams);
    await sendObject(services, key, req, res);
  };
}

/**
 * Stored objects are user uploads (run files, media, artifact files) served from the app's origin, so
 * an answer must never be a live document there: an uploaded `.html` or `.svg` opened from a signed
 * link would otherwise run script as Ballast. Every answer is an opaque-origin sandbox that may load
 * nothing (`sandbox; default-src 'none'`), is never sniffed into an active type (`nosniff`), and is
 * typed `application/octet-stream` except for raster images, which get their own type so `<img>`
 * previews and an opened image tab show the picture. The W&B clients read the bytes and ignore all
 * of these headers.
 */
const INERT_HEADERS = {
  "content-security-policy": "sandbox; default-src 'none'",
  "x-content-type-options": "nosniff",
} as const;

const RASTER_IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
};

/** `image/*` for raster images by the key's extension (never SVG: it is a script-capable document). */
export function inertContentType(key: string): string {
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(key)?.[1]?.toLowerCase() ?? "";
  return RASTER_IMAGE_TYPES[extension] ?? "application/octet-stream";
}

/** Streams a stored object, with single-range support for resumable clients. */
export async function sendObject(
  services: Services,
  key: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const info = await services.stores.objects.stat(key);
  if (!info) throw new AppError("OBJECT_NOT_FOUND", "The object does not exist.");
  const range = parseRange(req.headers.range, info.size);
  if (range === "invalid") {
    res.writeHead(416, { "content-range": `bytes */${info.size}` });
    res.end();
    return;
  }
  const object = await services.stores.objects.get(key, range ?? undefined);
  if (!object) throw new AppError("OBJECT_NOT_FOUND", "The object does not exist.");
  const headers: Record<string, string | number> = {
    "content-type": inertContentType(key),
    "accept-ranges": "bytes",
    "cache-control": "private, max-age=0",
    ...INERT_HEADERS,
  };
  if (range) {
    headers["content-range"] = `bytes ${range.start}-${range.end}/${info.size}`;
    headers["content-length"] = range.end - range.start + 1;
  } else {
    headers["content-length"] = info.size;
  }
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === "HEAD") {
    object.body.destroy();
    res.end();
    return;
  }
  object.body.pipe(res);
  await new Promise<void>((resolve, reject) => {
    res.on("finish", resolve);
    res.on("close", resolve);
    object.body.on("error", reject);
  });
}

function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "invalid" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return "invalid";
  let start: number;
  let end: number;
  if (match[1] === "") {
    start = Math.max(size - Number(match[2]), 0);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return "invalid";
  return { start, end };
}

export function notFoundJson(res: ServerResponse, message: string): void {
  sendJson(res, 404, { error: { code: "NOT_FOUND", message }, errors: [{ message }] });
}
