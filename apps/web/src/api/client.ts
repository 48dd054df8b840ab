/**
 * The web UI's only door to the server: same-origin JSON requests to `/api/v1`, with the session
 * cookie, and the session's CSRF token on every state-changing request (the server refuses a
 * cookie-authenticated POST/PUT/PATCH/DELETE without it).
 */

/** An error answer from the server, carrying its catalogued code (docs/errors.md). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

let csrfToken: string | null = null;
const unauthenticatedListeners = new Set<() => void>();

/** Set from `GET /api/v1/session` (and sign-in/setup answers); cleared on sign-out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request answers 401: the session ended (expired, revoked, signed out elsewhere). */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, "NETWORK", "The server could not be reached. Check your connection and retry.");
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) {
    const error = errorOf(parsed);
    if (response.status === 401) for (const listener of unauthenticatedListeners) listener();
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
    );
  }
  if (parsed === undefined)
    throw new ApiError(response.status, "BAD_RESPONSE", "The server's answer was not JSON.");
  return parsed as T;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The server's error body: `{ error: { code, message } }` (apps/server/src/http/respond.ts). */
function errorOf(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== "object" || body === null || !("error" in body)) return undefined;
  const error = body.error;
  if (typeof error !== "object" || error === null) return undefined;
  const code = "code" in error && typeof error.code === "string" ? error.code : "ERROR";
  const message = "message" in error && typeof error.message === "string" ? error.message : code;
  return { code, message };
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
