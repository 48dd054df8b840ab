import type { ServerResponse } from "node:http";
import { AppError, isAppError } from "@ballast/core";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * Turns any thrown value into a response. Catalogued errors keep their status and message; anything
 * else is logged with its stack and answered as a bare 500 (retryable) without details.
 * The body carries both shapes the W&B client extracts for display (`error` and `errors[]`).
 */
export function sendError(res: ServerResponse, error: unknown, requestId: string): void {
  const appError = toAppError(error, requestId);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  const retryAfter = appError.details?.retryAfterSeconds;
  if (typeof retryAfter === "number") headers["retry-after"] = String(retryAfter);
  else if (appError.code === "OVERLOADED" || appError.code === "UNAVAILABLE") headers["retry-after"] = "5";
  sendJson(
    res,
    appError.status,
    { error: { code: appError.code, message: appError.message }, errors: [{ message: appError.message }] },
    headers,
  );
}

export function toAppError(error: unknown, requestId: string): AppError {
  if (isAppError(error)) return error;
  console.error(`[${requestId}] unexpected error:`, error);
  return new AppError("INTERNAL", `Internal error (request ${requestId}); the server log has the details.`);
}
