import type { ServerResponse } from "node:http";

/**
 * The Content-Security-Policy of every page of the web app. Scripts only from our own origin (no
 * inline script, no eval), so nothing a user logs or types can run script in the app even if it
 * reached the DOM; no plugins; no framing of the app by anyone (clickjacking); no `<base>` to
 * redirect relative URLs. Images may also be `data:`/`blob:` URLs (charts exported as images, media
 * previews). User HTML media is shown in sandboxed iframes from our origin, which `default-src 'self'`
 * covers.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/**
 * Security headers for an HTML page (and the app's static assets): set before the response is
 * written. The web-asset handler calls this on every answer it serves.
 */
export function setPageSecurityHeaders(res: ServerResponse): void {
  res.setHeader("content-security-policy", PAGE_CSP);
  res.setHeader("x-content-type-options", "nosniff");
  // Older browsers ignore frame-ancestors; X-Frame-Options says the same to them.
  res.setHeader("x-frame-options", "DENY");
  // Run and project names in our URLs are nobody else's business.
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("cross-origin-opener-policy", "same-origin");
}
