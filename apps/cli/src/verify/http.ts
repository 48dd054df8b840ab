/**
 * The tiny HTTP client `ballast verify` speaks to the server with, as any W&B client would: every
 * request has a timeout, and a connection failure becomes a `NetworkError` with a sentence a person
 * can act on, never a stack trace.
 */

export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface HttpOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly timeoutMs: number;
}

/** The request never got an HTTP answer (refused, unresolvable, reset, timed out). */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
}

/** A check step that went wrong; the message is shown under the check line as its hint. */
export class CheckFailure extends Error {
  override readonly name = "CheckFailure";
}

export async function request(url: string, options: HttpOptions): Promise<HttpReply> {
  const { method = "GET", headers = {}, body, timeoutMs } = options;
  try {
    const response = await fetch(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "manual",
    });
    return {
      status: response.status,
      headers: response.headers,
      body: Buffer.from(await response.arrayBuffer()),
    };
  } catch (error) {
    throw new NetworkError(describeNetworkError(method, url, error, timeoutMs));
  }
}

function describeNetworkError(method: string, url: string, error: unknown, timeoutMs: number): string {
  const where = `${method} ${originOf(url)}`;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `${where}: no answer within ${timeoutMs / 1000} s.`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code ?? "";
  const reasons: Record<string, string> = {
    ECONNREFUSED: "connection refused (nothing listens there)",
    ENOTFOUND: "the host name does not resolve",
    EAI_AGAIN: "the host name could not be resolved right now",
    ECONNRESET: "the connection was reset",
    EHOSTUNREACH: "the host is unreachable",
    ETIMEDOUT: "the connection timed out",
  };
  const reason = reasons[code] ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return `${where}: ${reason}${code && !(code in reasons) ? ` (${code})` : ""}.`;
}

export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/** The first error message of a W&B-style JSON error body (`errors[]` or `error`), if any. */
export function errorMessageOf(reply: HttpReply): string {
  try {
    const parsed = JSON.parse(reply.body.toString("utf8")) as {
      errors?: { message?: string }[];
      error?: { message?: string } | string;
    };
    const message =
      parsed.errors?.[0]?.message ??
      (typeof parsed.error === "string" ? parsed.error : parsed.error?.message);
    // Callers end the sentence themselves.
    if (message) return message.replace(/\.$/, "");
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = reply.body.toString("utf8").trim().replace(/\s+/g, " ");
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || "(empty body)";
}

/** `HTTP 500: message` for a reply that was not what a step expected. */
export function describeReply(reply: HttpReply): string {
  return `HTTP ${reply.status}: ${errorMessageOf(reply)}`;
}
