/**
 * Single sign-on with OpenID Connect (docs/auth.md, "Single sign-on"), in a real browser: "Sign in
 * with SSO" on the sign-in page, the provider's own login and consent pages, and back to Ballast
 * signed in as a user created just in time; the session's length; users of other email domains
 * refused; state checks; a public client (no secret, PKCE alone); the provider down (503).
 *
 * Real: two Ballast servers (in-process, port 0, SQLite), `oidc-provider` (a certified OpenID
 * provider) on 127.0.0.1, Debian's Chromium. Ballast is opened as `localhost` and the provider as
 * `127.0.0.1`, so the round trip crosses sites as it does in production (SameSite=Lax cookies).
 * Mocked: nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { startTestServer, type TestServer } from "./support/api.ts";
import { buildWebApp, launchBrowser, type TestBrowser } from "./support/browser.ts";
import { type OidcTestProvider, startOidcProvider } from "./support/oidc-provider.ts";
import { freePort } from "./support/ports.ts";
import { sleep } from "./support/server.ts";
import { ADMIN, basicAuth } from "./support/web.ts";

const SECRET = "a-long-client-secret-for-the-e2e-test";
/** 10.8 s: long enough to look around, short enough to watch it end. */
const SESSION_HOURS = 0.003;

interface Ballast {
  readonly test: TestServer;
  /** `http://localhost:<port>`: what the browser opens (another site than the provider's 127.0.0.1). */
  readonly url: string;
  readonly apiKey: string;
}

async function startBallast(env: Record<string, string>): Promise<Ballast> {
  const test = await startTestServer(env);
  // The first admin gets a password, so the web UI offers sign-in rather than first-run setup.
  const setup = await fetch(`${test.server.url}/api/v1/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: test.server.setupToken, ...ADMIN }),
  });
  assert.equal(setup.status, 200, await setup.text());
  return { test, url: `http://localhost:${test.server.port}`, apiKey: test.server.firstLogin ?? "" };
}

async function adminGet(ballast: Ballast, path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${ballast.test.server.url}${path}`, {
    headers: { authorization: basicAuth(ballast.apiKey) },
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${path}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

interface AuditEntry {
  action: string;
  actor: { username: string } | null;
  target: string | null;
  detail: Record<string, unknown>;
}

async function auditEntries(ballast: Ballast, action: string): Promise<AuditEntry[]> {
  const body = await adminGet(ballast, `/api/v1/audit-log?action=${action}`);
  return body.entries as AuditEntry[];
}

/** Does an entity (user or team) of this name exist? Through the W&B GraphQL API, as admin. */
async function entityExists(ballast: Ballast, name: string): Promise<boolean> {
  const response = await fetch(`${ballast.test.server.url}/graphql`, {
    method: "POST",
    headers: { authorization: basicAuth(ballast.apiKey), "content-type": "application/json" },
    body: JSON.stringify({
      query: "query($n: String) { entity(name: $n) { name } }",
      variables: { n: name },
    }),
  });
  const body = (await response.json()) as { data?: { entity: { name: string } | null } };
  assert.ok(body.data, JSON.stringify(body));
  return body.data.entity !== null;
}

/** From the sign-in page through the provider's login and consent; the callback's response. */
async function signInWithSso(page: Page, ballast: Ballast, login: string, path: string) {
  await page.goto(`${ballast.url}${path}`);
  await page.getByRole("link", { name: "Sign in with SSO" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password: the provider's dev login");
  await page.getByRole("button", { name: "Sign-in" }).click();
  const callback = page.waitForResponse((r) => r.url().startsWith(`${ballast.url}/oidc/callback`));
  await page.getByRole("button", { name: "Continue" }).click();
  return callback;
}

describe("OIDC single sign-on (authorization code + PKCE)", () => {
  let confidential: Ballast;
  let publicClient: Ballast;
  let provider: OidcTestProvider | undefined;
  let downAnswer: { status: number; retryAfter: string | null; type: string | null; text: string };
  const browsers: TestBrowser[] = [];
  const newBrowser = async () => {
    const browser = await launchBrowser();
    browsers.push(browser);
    return browser;
  };

  before(async () => {
    await buildWebApp();
    const providerPort = await freePort();
    const issuer = `http://127.0.0.1:${providerPort}`;
    confidential = await startBallast({
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: "ballast",
      OIDC_SECRET: SECRET,
      BALLAST_OIDC_ALLOWED_DOMAINS: "allowed.example",
      BALLAST_SESSION_LENGTH_HOURS: String(SESSION_HOURS),
    });
    publicClient = await startBallast({
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: "ballast-public",
      OIDC_AUTH_METHOD: "pkce",
    });
    // Before the provider runs: Ballast cannot discover it.
    const down = await fetch(`${publicClient.url}/oidc/login?next=/`, { redirect: "manual" });
    downAnswer = {
      status: down.status,
      retryAfter: down.headers.get("retry-after"),
      type: down.headers.get("content-type"),
      text: await down.text(),
    };
    provider = await startOidcProvider({
      port: providerPort,
      clients: [
        {
          client_id: "ballast",
          client_secret: SECRET,
          redirect_uris: [`${confidential.url}/oidc/callback`],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
        },
        {
          client_id: "ballast-public",
          redirect_uris: [`${publicClient.url}/oidc/callback`],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "none",
        },
      ],
      accounts: {
        alice: { email: "alice@allowed.example", preferredUsername: "alice" },
        bob: { email: "bob@other.example", preferredUsername: "bob" },
        carol: { email: "carol@allowed.example" },
      },
    });
  });

  after(async () => {
    for (const browser of browsers) await browser.close();
    await provider?.close();
    await confidential?.test.close();
    await publicClient?.test.close();
  });

  it("answers 503 with a readable page while the provider cannot be reached", () => {
    assert.equal(downAnswer.status, 503, downAnswer.text);
    assert.equal(downAnswer.retryAfter, "5");
    assert.match(downAnswer.type ?? "", /^text\/html/);
    assert.match(downAnswer.text, /Single sign-on is unavailable/);
    assert.match(downAnswer.text, /unreachable/);
  });

  it("signs a new user in through the provider, creates them just in time, and ends the session on time", async () => {
    const session = (await adminGet(confidential, "/api/v1/session")) as {
      signIn?: { password?: boolean; oidc?: boolean };
    };
    assert.equal(session.signIn?.oidc, true, "the sign-in page offers SSO");
    assert.equal(session.signIn?.password, true);
    assert.equal(await entityExists(confidential, "alice"), false);

    const { page, context } = await newBrowser();
    const callback = await signInWithSso(page, confidential, "alice", "/?from=sso");
    const signedInAt = Date.now();
    assert.equal(callback.status(), 302);
    const setCookie = (await callback.headersArray())
      .filter((h) => h.name.toLowerCase() === "set-cookie")
      .map((h) => h.value);
    const sessionCookie = setCookie.find((c) => c.startsWith("ballast_session="));
    assert.ok(sessionCookie, setCookie.join("\n"));
    const maxAge = Number(/Max-Age=(\d+)/.exec(sessionCookie)?.[1]);
    assert.ok(maxAge >= 9 && maxAge <= 10, `Max-Age ${maxAge} is BALLAST_SESSION_LENGTH_HOURS (10.8 s)`);
    assert.match(sessionCookie, /HttpOnly/);
    assert.ok(
      setCookie.some((c) => /^ballast_oidc=;.*Max-Age=0/.test(c)),
      "the attempt cookie is cleared",
    );

    await page.waitForURL(`${confidential.url}/?from=sso`);
    await page.getByRole("button", { name: "alice" }).waitFor();
    const answer = await context.request.get(`${confidential.url}/api/v1/session`);
    const body = (await answer.json()) as { user: { username: string; email: string; isAdmin: boolean } };
    assert.deepEqual(
      { username: body.user.username, email: body.user.email, isAdmin: body.user.isAdmin },
      { username: "alice", email: "alice@allowed.example", isAdmin: false },
    );
    assert.equal(await entityExists(confidential, "alice"), true, "created at the first sign-in");
    const signIns = await auditEntries(confidential, "user.sign_in");
    assert.ok(
      signIns.some((e) => e.actor?.username === "alice" && e.detail.method === "oidc"),
      JSON.stringify(signIns),
    );

    // The session lasts BALLAST_SESSION_LENGTH_HOURS and no longer.
    await sleep(Math.max(0, signedInAt + SESSION_HOURS * 3600 * 1000 + 1000 - Date.now()));
    const expired = await fetch(`${confidential.test.server.url}/api/v1/session`, {
      headers: { cookie: sessionCookie.split(";")[0] ?? "" },
    });
    assert.equal(((await expired.json()) as { user: unknown }).user, null, "the server ended the session");
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to Ballast" }).waitFor();
  });

  it("refuses a user of another email domain, and does not create them", async () => {
    const { page } = await newBrowser();
    const callback = await signInWithSso(page, confidential, "bob", "/");
    assert.equal(callback.status(), 403);
    await page.getByRole("heading", { name: "Sign-in failed" }).waitFor();
    assert.match(
      (await page.locator("#sso-error").textContent()) ?? "",
      /Accounts of other\.example may not sign in/,
    );
    assert.equal(await entityExists(confidential, "bob"), false);
    const failures = await auditEntries(confidential, "user.sign_in_failed");
    assert.ok(
      failures.some((e) => e.target === "bob@other.example" && e.detail.reason === "domain_not_allowed"),
      JSON.stringify(failures),
    );
  });

  it("refuses an answer whose state is not the browser's, and one without an attempt", async () => {
    const login = await fetch(`${confidential.url}/oidc/login?next=/`, { redirect: "manual" });
    assert.equal(login.status, 302);
    const location = new URL(login.headers.get("location") ?? "");
    assert.equal(location.origin, provider?.issuer);
    assert.equal(location.searchParams.get("code_challenge_method"), "S256");
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    assert.match(cookie, /^ballast_oidc=.+/);
    const state = location.searchParams.get("state") ?? "";

    const callback = (query: string, withCookie: string) =>
      fetch(`${confidential.url}/oidc/callback?${query}`, {
        redirect: "manual",
        headers: withCookie ? { cookie: withCookie } : {},
      });
    const tampered = await callback(`code=stolen&state=${state}x`, cookie);
    assert.equal(tampered.status, 401);
    assert.match(await tampered.text(), /state mismatch/);
    const forged = await callback(
      `code=stolen&state=${state}`,
      cookie.replace(/=(.)/, (_, c) => `=${c === "A" ? "B" : "A"}`),
    );
    assert.equal(forged.status, 401, "a cookie altered by one character is no attempt");
    assert.match(await forged.text(), /expired or was started in another browser/);
    const none = await callback(`code=stolen&state=${state}`, "");
    assert.equal(none.status, 401);
    const denied = await callback(`error=access_denied&error_description=no+thanks&state=${state}`, cookie);
    assert.equal(denied.status, 401);
    assert.match(await denied.text(), /did not sign you in \(access_denied: no thanks\)/);
  });

  it("signs in as a public client (no secret, PKCE alone)", async () => {
    const { page } = await newBrowser();
    const callback = await signInWithSso(page, publicClient, "alice", "/");
    assert.equal(callback.status(), 302, await callback.text().catch(() => ""));
    await page.getByRole("button", { name: "alice" }).waitFor();
    assert.equal(await entityExists(publicClient, "alice"), true);
  });

  it("answers 503 when the provider goes down during the sign-in", async () => {
    const { page } = await newBrowser();
    // The provider drops Ballast's code exchange: the browser got its code, the provider is "down".
    provider?.setTokenEndpointDown(true);
    const callback = await signInWithSso(page, confidential, "carol", "/");
    assert.equal(callback.status(), 503);
    await page.getByRole("heading", { name: "Single sign-on is unavailable" }).waitFor();
    assert.match((await page.locator("#sso-error").textContent()) ?? "", /unreachable/);
    assert.equal(await entityExists(confidential, "carol"), false);
    provider?.setTokenEndpointDown(false);
  });
});
