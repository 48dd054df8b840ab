/**
 * Request bodies of Ballast's own JSON API: small JSON objects, sent as `application/json`. Requiring
 * that content type is also a CSRF defence for the routes that need no token (sign-in, setup): an
 * HTML form on another site cannot send it, and a cross-site fetch with it needs a CORS preflight
 * that this server never grants.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@ballast/core";
import { readJsonBody } from "../http/body.ts";
import { sendJson } from "../http/respond.ts";

const BODY_LIMIT = 64 * 1024;

export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      "Send the body as JSON with Content-Type: application/json.",
    );
  }
  const body = await readJsonBody(req, BODY_LIMIT);
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("BAD_REQUEST", "The body must be a JSON object.");
  }
  return body as Record<string, unknown>;
}

/** A string field of the body; missing or not a string → BAD_REQUEST naming it. */
export function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== "string") throw new AppError("BAD_REQUEST", `\`${name}\` must be a string.`);
  return value;
}

/**
 * Answers of the auth routes carry session tokens or keys: never stored by a browser or proxy cache.
 */
export function sendPrivateJson(res: ServerResponse, status: number, body: unknown): void {
  sendJson(res, status, body, { "cache-control": "no-store" });
}

/**
 * A stored float as JSON carries it: NaN (stored as null) stays null, ±Infinity become the strings
 * "Infinity" / "-Infinity" (JSON has no literal for them; the W&B presenters do the same).
 */
export const wireNumber = (value: number | null): number | string | null =>
  value === null || Number.isFinite(value) ? value : value > 0 ? "Infinity" : "-Infinity";
