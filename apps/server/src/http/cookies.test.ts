import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { readCookie, setCookieHeader } from "./cookies.ts";
import { PAGE_CSP, setPageSecurityHeaders } from "./security-headers.ts";

const withCookie = (cookie: string | undefined) => ({ headers: { cookie } }) as unknown as IncomingMessage;

describe("cookies", () => {
  it("reads one cookie by exact name", () => {
    const req = withCookie('other=1; ballast_session_x=no; ballast_session=abc-123_; q="quoted"');
    assert.equal(readCookie(req, "ballast_session"), "abc-123_");
    assert.equal(readCookie(req, "q"), "quoted");
    assert.equal(readCookie(req, "missing"), undefined);
    assert.equal(readCookie(withCookie(undefined), "ballast_session"), undefined);
  });

  it("writes HttpOnly, SameSite=Lax, Path=/ cookies, Secure on request", () => {
    assert.equal(
      setCookieHeader("s", "v", { maxAgeSeconds: 90.7, secure: false }),
      "s=v; Max-Age=90; Path=/; HttpOnly; SameSite=Lax",
    );
    assert.equal(
      setCookieHeader("s", "", { maxAgeSeconds: -5, secure: true }),
      "s=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax; Secure",
    );
  });
});

describe("page security headers", () => {
  it("sets a CSP that allows only our own scripts, and the other headers", () => {
    const headers = new Map<string, string>();
    const res = { setHeader: (name: string, value: string) => headers.set(name, value) };
    setPageSecurityHeaders(res as unknown as ServerResponse);
    assert.equal(headers.get("content-security-policy"), PAGE_CSP);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "object-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      assert.ok(PAGE_CSP.split("; ").includes(directive), directive);
    }
    assert.doesNotMatch(PAGE_CSP, /unsafe-inline|unsafe-eval/);
    assert.equal(headers.get("x-content-type-options"), "nosniff");
    assert.equal(headers.get("referrer-policy"), "no-referrer");
    assert.equal(headers.get("x-frame-options"), "DENY");
  });
});
