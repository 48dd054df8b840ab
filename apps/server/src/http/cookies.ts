import type { IncomingMessage } from "node:http";

/** The value of one cookie the request carries, or undefined (RFC 6265 `Cookie` header syntax). */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
  }
  return undefined;
}

export interface CookieOptions {
  /** Seconds until the browser drops it; 0 deletes it now. */
  readonly maxAgeSeconds: number;
  /** Sent over https only (set when the public URL is https). */
  readonly secure: boolean;
}

/**
 * A `Set-Cookie` value that scripts cannot read (HttpOnly), that other sites' forms and fetches do not
 * carry (SameSite=Lax; top-level navigations to us still do, so links into the app work), for the
 * whole origin (Path=/).
 */
export function setCookieHeader(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${value}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}
