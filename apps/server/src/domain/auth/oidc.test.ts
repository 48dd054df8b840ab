/**
 * The OIDC relying party against a small provider served over real HTTP on port 0: discovery, JWKS,
 * a token endpoint that checks the client's authentication and PKCE, and userinfo. ID tokens are
 * signed here with node:crypto keys (RS256, PS256, ES256), so each check can be broken on purpose.
 */
import assert from "node:assert/strict";
import { constants, createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { AppError } from "@ballast/core";
import type { OidcSettings } from "../../identity-config.ts";
import { OidcClient } from "./oidc.ts";

interface SigningKey {
  readonly kid: string;
  readonly alg: "RS256" | "PS256" | "ES256";
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

function makeKey(kid: string, alg: SigningKey["alg"]): SigningKey {
  const { privateKey, publicKey } =
    alg === "ES256"
      ? generateKeyPairSync("ec", { namedCurve: "P-256" })
      : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: "jwk" }), kid, use: "sig" } };
}

function jwt(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const input = `${encode({ alg: key.alg, kid: key.kid, typ: "JWT", ...header })}.${encode(claims)}`;
  const signature =
    key.alg === "ES256"
      ? sign("sha256", Buffer.from(input), { key: key.privateKey, dsaEncoding: "ieee-p1363" })
      : key.alg === "PS256"
        ? sign("sha256", Buffer.from(input), {
            key: key.privateKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: 32,
          })
        : sign("sha256", Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString("base64url")}`;
}

/** What the provider does on its next token request; reset before each test. */
interface Script {
  key: SigningKey;
  claims: (nonce: string) => Record<string, unknown>;
  tokenStatus?: number | undefined;
  tokenError?: string | undefined;
  userinfo?: Record<string, unknown> | undefined;
  discoveryStatus?: number | undefined;
  authMethods?: string[] | undefined;
}

const RSA = makeKey("rsa-1", "RS256");
const PSS = makeKey("pss-1", "PS256");
const EC = makeKey("ec-1", "ES256");
const ROTATED = makeKey("rsa-2", "RS256");

describe("OIDC relying party (domain/auth/oidc.ts)", () => {
  let server: Server;
  let issuer: string;
  let published: SigningKey[];
  let script: Script;
  let jwksFetches = 0;
  let discoveryFetches = 0;
  /** The token requests received: headers and form. */
  const tokenRequests: { authorization: string | undefined; form: URLSearchParams }[] = [];
  /** code → the PKCE challenge and nonce of the authorization request it answers. */
  const codes = new Map<string, { challenge: string; nonce: string }>();

  const read = async (req: IncomingMessage) => {
    let text = "";
    for await (const chunk of req) text += String(chunk);
    return text;
  };

  before(async () => {
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? "/", issuer);
      const json = (status: number, body: unknown): void => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (url.pathname.endsWith("/.well-known/openid-configuration")) {
        discoveryFetches++;
        if (script.discoveryStatus) return json(script.discoveryStatus, { error: "down" });
        return json(200, {
          issuer,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          userinfo_endpoint: `${issuer}/me`,
          ...(script.authMethods ? { token_endpoint_auth_methods_supported: script.authMethods } : {}),
        });
      }
      if (url.pathname === "/jwks") {
        jwksFetches++;
        return json(200, { keys: published.map((key) => key.jwk) });
      }
      if (url.pathname === "/token") {
        const form = new URLSearchParams(await read(req));
        tokenRequests.push({ authorization: req.headers.authorization, form });
        if (script.tokenStatus) return json(script.tokenStatus, { error: script.tokenError });
        const issued = codes.get(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        if (!issued || createHash("sha256").update(verifier).digest("base64url") !== issued.challenge) {
          return json(400, { error: "invalid_grant", error_description: "PKCE verification failed" });
        }
        return json(200, { id_token: jwt(script.key, script.claims(issued.nonce)), access_token: "at-1" });
      }
      if (url.pathname === "/me") {
        if (req.headers.authorization !== "Bearer at-1") return json(401, {});
        return json(200, script.userinfo ?? {});
      }
      json(404, {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const now = () => Math.floor(Date.now() / 1000);
  const good = (nonce: string): Record<string, unknown> => ({
    iss: issuer,
    aud: "ballast",
    sub: "user-1",
    nonce,
    iat: now(),
    exp: now() + 300,
    email: "ada@allowed.example",
    email_verified: true,
    preferred_username: "ada",
  });

  beforeEach(() => {
    published = [RSA, PSS, EC];
    script = { key: RSA, claims: good };
    tokenRequests.length = 0;
  });

  const settings = (more: Partial<OidcSettings> = {}): OidcSettings => ({
    issuer,
    clientId: "ballast",
    clientSecret: "s3cret p@ss",
    authMethod: undefined,
    allowedDomains: [],
    ...more,
  });

  /** begin, then the provider "redirects back" with a code for that request; then complete. */
  async function signIn(client: OidcClient) {
    const attempt = await client.begin("https://ballast.example/oidc/callback");
    const request = new URL(attempt.url).searchParams;
    const code = `code-${codes.size}`;
    codes.set(code, { challenge: request.get("code_challenge") ?? "", nonce: request.get("nonce") ?? "" });
    return client.complete({
      code,
      redirectUri: "https://ballast.example/oidc/callback",
      codeVerifier: attempt.codeVerifier,
      nonce: attempt.nonce,
    });
  }

  const failsWith = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof AppError, String(error));
      assert.equal(error.code, code, error.message);
      if (message) assert.match(error.message, message);
      return true;
    });
  };

  it("asks for the code flow with PKCE S256, state and nonce", async () => {
    const attempt = await new OidcClient(settings()).begin("https://ballast.example/oidc/callback");
    const url = new URL(attempt.url);
    assert.equal(`${url.origin}${url.pathname}`, `${issuer}/auth`);
    const params = Object.fromEntries(url.searchParams);
    assert.equal(params.response_type, "code");
    assert.equal(params.scope, "openid email profile");
    assert.equal(params.client_id, "ballast");
    assert.equal(params.redirect_uri, "https://ballast.example/oidc/callback");
    assert.equal(params.code_challenge_method, "S256");
    assert.equal(
      params.code_challenge,
      createHash("sha256").update(attempt.codeVerifier).digest("base64url"),
    );
    assert.equal(params.state, attempt.state);
    assert.equal(params.nonce, attempt.nonce);
    assert.ok(attempt.state.length >= 43 && attempt.codeVerifier.length >= 43);
  });

  it("signs in with RS256, PS256 and ES256 ID tokens, authenticating with client_secret_basic", async () => {
    const client = new OidcClient(settings());
    for (const key of [RSA, PSS, EC]) {
      script.key = key;
      const identity = await signIn(client);
      assert.deepEqual(identity, {
        provider: `oidc:${issuer}`,
        subject: "user-1",
        email: "ada@allowed.example",
        username: "ada",
      });
    }
    const basic = Buffer.from("ballast:s3cret+p%40ss").toString("base64");
    assert.equal(
      tokenRequests[0]?.authorization,
      `Basic ${basic}`,
      "RFC 6749 §2.3.1 form-encodes both parts",
    );
    assert.equal(tokenRequests[0]?.form.get("client_secret"), null);
    assert.equal(tokenRequests[0]?.form.get("grant_type"), "authorization_code");
  });

  it("sends the secret in the form when OIDC_AUTH_METHOD or the provider says so, and none without one", async () => {
    await signIn(new OidcClient(settings({ authMethod: "client_secret_post" })));
    script.authMethods = ["client_secret_post", "private_key_jwt"];
    await signIn(new OidcClient(settings({ authMethod: "pkce" })));
    await signIn(new OidcClient(settings({ clientSecret: undefined, authMethod: "implicit" })));
    const [post, onlyPost, publicClient] = tokenRequests;
    for (const request of [post, onlyPost]) {
      assert.equal(request?.authorization, undefined);
      assert.equal(request?.form.get("client_secret"), "s3cret p@ss");
      assert.equal(request?.form.get("client_id"), "ballast");
    }
    assert.equal(publicClient?.authorization, undefined);
    assert.equal(publicClient?.form.get("client_secret"), null);
    assert.equal(publicClient?.form.get("client_id"), "ballast");
    assert.ok(publicClient?.form.get("code_verifier"));
  });

  it("fetches the keys again, once, for a kid it does not know (key rotation)", async () => {
    const client = new OidcClient(settings());
    await signIn(client);
    const before = jwksFetches;
    await signIn(client);
    assert.equal(jwksFetches, before, "known kid: the cached keys");
    published = [ROTATED];
    script.key = ROTATED;
    await signIn(client);
    assert.equal(jwksFetches, before + 1);
    script.key = makeKey("rsa-unknown", "RS256");
    await failsWith(signIn(client), "SSO_FAILED", /publishes no key "rsa-unknown"/);
    assert.equal(jwksFetches, before + 2, "one more fetch for the unknown kid, no more");
  });

  it("refuses ID tokens that fail any check", async () => {
    const client = new OidcClient(settings());
    const cases: [string, (nonce: string) => Record<string, unknown>, RegExp][] = [
      ["issuer", (n) => ({ ...good(n), iss: "https://evil.example" }), /issued by/],
      ["audience", (n) => ({ ...good(n), aud: "other" }), /another client/],
      ["azp", (n) => ({ ...good(n), aud: ["ballast", "other"] }), /another party/],
      ["expired", (n) => ({ ...good(n), exp: now() - 600 }), /expired/],
      ["future", (n) => ({ ...good(n), iat: now() + 600 }), /in the future/],
      ["nonce", (n) => ({ ...good(n), nonce: `${n}x` }), /nonce/],
      ["subject", (n) => ({ ...good(n), sub: "" }), /subject/],
    ];
    for (const [label, claims, message] of cases) {
      script.claims = claims;
      await failsWith(signIn(client), "SSO_FAILED", message).catch((error: unknown) => {
        throw new Error(`${label}: ${String(error)}`);
      });
    }
    // Several audiences with azp = us is fine.
    script.claims = (n) => ({ ...good(n), aud: ["ballast", "other"], azp: "ballast" });
    assert.equal((await signIn(client)).subject, "user-1");
    // A signature by a key that is not the provider's, under the provider's kid.
    script.claims = good;
    script.key = { ...makeKey("rsa-1", "RS256"), kid: "rsa-1" };
    await failsWith(signIn(client), "SSO_FAILED", /signature does not verify/);
    // alg "none" and HMAC are never accepted.
    script.key = { ...RSA, alg: "none" as "RS256" };
    await failsWith(signIn(client), "SSO_FAILED", /algorithm "none"/);
  });

  it("applies the email rules: present, not unverified, of an allowed domain", async () => {
    const client = new OidcClient(settings({ allowedDomains: ["allowed.example"] }));
    const refused = async (claims: Record<string, unknown>, reason: string) => {
      script.claims = (n) => ({ ...good(n), ...claims });
      await assert.rejects(signIn(client), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, "SSO_REFUSED");
        assert.equal(error.status, 403);
        assert.equal(error.details?.reason, reason);
        return true;
      });
    };
    await refused({ email: "bob@other.example" }, "domain_not_allowed");
    await refused({ email: "eve@sub.allowed.example" }, "domain_not_allowed");
    await refused({ email_verified: false }, "email_not_verified");
    await refused({ email_verified: "false" }, "email_not_verified");
    script.userinfo = { sub: "user-1" };
    await refused({ email: undefined }, "no_email");
    script.claims = (n) => ({ ...good(n), email: "Ada@ALLOWED.example", email_verified: undefined });
    assert.equal((await signIn(client)).email, "Ada@ALLOWED.example", "domains compare case-insensitively");
  });

  it("reads the email from userinfo when the ID token has none, for the same subject only", async () => {
    const client = new OidcClient(settings());
    script.claims = (n) => ({
      ...good(n),
      email: undefined,
      email_verified: undefined,
      preferred_username: undefined,
    });
    script.userinfo = {
      sub: "user-1",
      email: "grace@allowed.example",
      email_verified: true,
      preferred_username: "grace",
    };
    assert.deepEqual(await signIn(client), {
      provider: `oidc:${issuer}`,
      subject: "user-1",
      email: "grace@allowed.example",
      username: "grace",
    });
    script.userinfo = { sub: "someone-else", email: "mallory@allowed.example" };
    await failsWith(signIn(client), "SSO_FAILED", /another user/);
  });

  it("tells the user's failures (401) from the provider's and the configuration's (503)", async () => {
    const client = new OidcClient(settings());
    script.tokenStatus = 400;
    script.tokenError = "invalid_grant";
    await failsWith(signIn(client), "SSO_FAILED", /invalid_grant/);
    script.tokenStatus = 401;
    script.tokenError = "invalid_client";
    await failsWith(signIn(client), "UNAVAILABLE", /OIDC_SECRET/);
    script.tokenStatus = 502;
    await failsWith(signIn(client), "UNAVAILABLE", /HTTP 502/);
  });

  it("discovers again after a failed discovery, and answers 503 when the provider is unreachable", async () => {
    const client = new OidcClient(settings());
    script.discoveryStatus = 500;
    await failsWith(client.begin("https://b/oidc/callback"), "UNAVAILABLE", /HTTP 500/);
    script.discoveryStatus = undefined;
    const before = discoveryFetches;
    await client.begin("https://b/oidc/callback");
    await client.begin("https://b/oidc/callback");
    assert.equal(discoveryFetches, before + 1, "retried after the failure, then cached");

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = new OidcClient(settings({ issuer: `http://127.0.0.1:${port}` }));
    await failsWith(down.begin("https://b/oidc/callback"), "UNAVAILABLE", /unreachable/);
  });

  it("refuses a provider whose discovery names another issuer", async () => {
    const client = new OidcClient(settings({ issuer: `${issuer}/realms/x` }));
    // The test provider answers discovery under any path prefix with its own issuer.
    await failsWith(client.begin("https://b/oidc/callback"), "UNAVAILABLE", /says its issuer is/);
  });
});
