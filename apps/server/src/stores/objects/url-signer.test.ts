import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { AppError, type ErrorCode } from "@ballast/core";
import { type SignedMethod, UrlSigner } from "./url-signer.ts";

const PUBLIC_URL = "http://ballast.test:8080";
const NOW = 1_760_000_000_000; // a whole second, so expiry boundaries are exact
const signer = new UrlSigner(randomBytes(32), PUBLIC_URL);

function queryOf(url: string): URLSearchParams {
  return new URL(url).searchParams;
}

function assertCode(fn: () => void, code: ErrorCode): void {
  assert.throws(fn, (error: unknown) => error instanceof AppError && error.code === code, `expected ${code}`);
}

describe("UrlSigner", () => {
  for (const method of ["GET", "PUT"] as const) {
    it(`verifies its own ${method} URL for the same key`, () => {
      const url = signer.sign(method, "runs/1/files/a.txt", 60, NOW);
      assert.ok(url.startsWith(`${PUBLIC_URL}/storage/runs/1/files/a.txt?`));
      const query = queryOf(url);
      assert.equal(query.get("expires"), String(NOW / 1000 + 60));
      assert.match(query.get("signature") ?? "", /^[0-9a-f]{64}$/);
      signer.verify(method, "runs/1/files/a.txt", query, NOW);
      signer.verify(method, "runs/1/files/a.txt", query, NOW + 59_999);
    });
  }

  it("binds the method: a GET URL does not authorize a PUT and vice versa", () => {
    const key = "runs/1/files/a.txt";
    const other: Record<SignedMethod, SignedMethod> = { GET: "PUT", PUT: "GET" };
    for (const method of ["GET", "PUT"] as const) {
      const query = queryOf(signer.sign(method, key, 60, NOW));
      assertCode(() => signer.verify(other[method], key, query, NOW), "SIGNATURE_INVALID");
    }
  });

  it("binds the key", () => {
    const query = queryOf(signer.sign("GET", "runs/1/files/a.txt", 60, NOW));
    assertCode(() => signer.verify("GET", "runs/1/files/b.txt", query, NOW), "SIGNATURE_INVALID");
    assertCode(() => signer.verify("GET", "runs/1/files/a.txt/x", query, NOW), "SIGNATURE_INVALID");
    assertCode(() => signer.verify("GET", "runs/2/files/a.txt", query, NOW), "SIGNATURE_INVALID");
  });

  it("binds the secret: another signer's URL is refused", () => {
    const other = new UrlSigner(randomBytes(32), PUBLIC_URL);
    const query = queryOf(other.sign("GET", "k", 60, NOW));
    assertCode(() => signer.verify("GET", "k", query, NOW), "SIGNATURE_INVALID");
  });

  it("refuses a tampered signature", () => {
    const query = queryOf(signer.sign("GET", "k", 60, NOW));
    const signature = query.get("signature") ?? "";
    const last = signature.at(-1) === "0" ? "1" : "0";
    query.set("signature", `${signature.slice(0, -1)}${last}`);
    assertCode(() => signer.verify("GET", "k", query, NOW), "SIGNATURE_INVALID");
  });

  it("refuses an extended expiry (the expiry is signed)", () => {
    const query = queryOf(signer.sign("GET", "k", 60, NOW));
    query.set("expires", String(Number(query.get("expires")) + 3600));
    assertCode(() => signer.verify("GET", "k", query, NOW), "SIGNATURE_INVALID");
  });

  it("refuses missing or malformed parameters", () => {
    const good = queryOf(signer.sign("GET", "k", 60, NOW));
    const cases: URLSearchParams[] = [
      new URLSearchParams(),
      new URLSearchParams({ expires: good.get("expires") ?? "" }),
      new URLSearchParams({ signature: good.get("signature") ?? "" }),
      new URLSearchParams({ expires: "-1", signature: good.get("signature") ?? "" }),
      new URLSearchParams({ expires: "1e12", signature: good.get("signature") ?? "" }),
      new URLSearchParams({
        expires: good.get("expires") ?? "",
        signature: (good.get("signature") ?? "").toUpperCase(),
      }),
      new URLSearchParams({
        expires: good.get("expires") ?? "",
        signature: (good.get("signature") ?? "").slice(2),
      }),
    ];
    for (const query of cases) assertCode(() => signer.verify("GET", "k", query, NOW), "SIGNATURE_INVALID");
  });

  it("refuses an expired URL with SIGNATURE_EXPIRED, valid up to the expiry second", () => {
    const query = queryOf(signer.sign("PUT", "k", 60, NOW));
    signer.verify("PUT", "k", query, NOW + 60_000);
    assertCode(() => signer.verify("PUT", "k", query, NOW + 60_001), "SIGNATURE_EXPIRED");
    assertCode(() => signer.verify("PUT", "k", query, NOW + 86_400_000), "SIGNATURE_EXPIRED");
  });

  it("uses the current time when no nowMs is given", () => {
    const fresh = queryOf(signer.sign("GET", "k", 60));
    signer.verify("GET", "k", fresh);
    const stale = queryOf(signer.sign("GET", "k", 60, Date.now() - 3_600_000));
    assertCode(() => signer.verify("GET", "k", stale), "SIGNATURE_EXPIRED");
  });

  it("percent-encodes each key segment and keeps the slashes", () => {
    const key = "my dir/ünï cøde/a+b?c#d&e=f%g.txt";
    const url = signer.sign("GET", key, 60, NOW);
    const path = new URL(url).pathname;
    assert.equal(path, "/storage/my%20dir/%C3%BCn%C3%AF%20c%C3%B8de/a%2Bb%3Fc%23d%26e%3Df%25g.txt");
    // Decoding each segment of the path gives the key back, and the query still verifies for it.
    const decoded = path.slice("/storage/".length).split("/").map(decodeURIComponent).join("/");
    assert.equal(decoded, key);
    signer.verify("GET", decoded, new URL(url).searchParams, NOW);
  });

  it("refuses secrets shorter than 32 bytes", () => {
    assert.throws(() => new UrlSigner(randomBytes(31), PUBLIC_URL), /at least 32 bytes/);
    assert.throws(() => new UrlSigner(Buffer.alloc(0), PUBLIC_URL), /at least 32 bytes/);
    assert.ok(new UrlSigner(randomBytes(32), PUBLIC_URL));
  });
});
