/**
 * The web UI's foundation in a real browser (Debian's Chromium through playwright-core) against a
 * real server: first-run setup with the printed token, the app shell, API keys created in the UI
 * that then authenticate the W&B GraphQL API, revocation, sign-out and sign-in, the home page's
 * projects, the security headers of `/`, and no JavaScript error on any page.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { at, graphqlData, startTestServer, type TestServer } from "../support/api.ts";
import { buildWebApp, launchBrowser, type TestBrowser } from "../support/browser.ts";

const USERNAME = "ada";
const PASSWORD = "correct horse battery";

function basic(key: string): string {
  return `Basic ${Buffer.from(`api:${key}`).toString("base64")}`;
}

async function viewerWith(test: TestServer, key: string): Promise<{ status: number; username: unknown }> {
  const response = await fetch(`${test.server.url}/graphql`, {
    method: "POST",
    headers: { authorization: basic(key), "content-type": "application/json" },
    body: JSON.stringify({ query: "query Viewer { viewer { username } }" }),
  });
  const body: unknown = await response.json().catch(() => null);
  return { status: response.status, username: at(body, "data", "viewer", "username") };
}

async function logRun(test: TestServer, auth: string, project: string, run: string): Promise<void> {
  const response = await fetch(`${test.server.url}/graphql`, {
    method: "POST",
    headers: { authorization: auth, "content-type": "application/json" },
    body: JSON.stringify({
      query:
        "mutation($n: String, $p: String) { upsertBucket(input: {name: $n, modelName: $p}) { bucket { id } } }",
      variables: { n: run, p: project },
    }),
  });
  const body: unknown = await response.json();
  assert.ok(at(body, "data", "upsertBucket", "bucket", "id"), JSON.stringify(body));
}

describe("web UI: setup, sign-in, API keys", () => {
  let server: TestServer;
  let browser: TestBrowser;

  before(async () => {
    await buildWebApp();
    server = await startTestServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test("`/` serves the app with the security headers; hashed assets are cached for good", async () => {
    const response = await fetch(`${server.server.url}/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    const csp = response.headers.get("content-security-policy") ?? "";
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "object-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]) {
      assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
    }
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.ok(response.headers.get("referrer-policy"), "Referrer-Policy is set");
    assert.equal(response.headers.get("cache-control"), "no-cache");
    const html = await response.text();
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, `index.html loads a hashed script: ${html}`);
    const asset = await fetch(`${server.server.url}${script}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(asset.headers.get("cache-control"), "public, max-age=31536000, immutable");
    await asset.arrayBuffer();
    // Client-side routes get the app too; unknown API paths stay JSON errors.
    const deep = await fetch(`${server.server.url}/settings/api-keys`);
    assert.equal(deep.status, 200);
    assert.equal(await deep.text(), html);
    const api = await fetch(`${server.server.url}/api/v1/no-such-route`);
    assert.equal(api.status, 404);
    assert.match(api.headers.get("content-type") ?? "", /application\/json/);
  });

  test("GET /api/v1/projects lists the caller's projects with run counts, newest first", async () => {
    const anonymous = await fetch(`${server.server.url}/api/v1/projects`);
    assert.equal(anonymous.status, 401);
    await logRun(server, server.auth, "alpha", "a1");
    await logRun(server, server.auth, "alpha", "a2");
    await new Promise((resolve) => setTimeout(resolve, 5));
    await logRun(server, server.auth, "beta", "b1");
    const response = await fetch(`${server.server.url}/api/v1/projects`, {
      headers: { authorization: server.auth },
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      projects: { entity: string; name: string; runCount: number; updatedAt: string }[];
    };
    const admin = (await graphqlData(server, "{ viewer { entity } }")) as { viewer: { entity: string } };
    assert.deepEqual(
      body.projects.map((p) => [p.entity, p.name, p.runCount]),
      [
        [admin.viewer.entity, "beta", 1],
        [admin.viewer.entity, "alpha", 2],
      ],
    );
    assert.ok(!Number.isNaN(Date.parse(body.projects[0]?.updatedAt ?? "")), "updatedAt is a date");
  });

  test("setup, API keys, sign-out and sign-in in the browser", async () => {
    const { page, context } = browser;
    const base = server.server.url;
    const token = server.server.setupToken;
    assert.ok(token, "the server prints a setup token while no user has a password");

    // A deep link on a fresh instance shows the first-run setup.
    await page.goto(`${base}/settings/api-keys`);
    await page.getByRole("heading", { name: "Set up Ballast" }).waitFor();
    await page.getByLabel("Setup token").fill("not-the-token");
    await page.getByLabel("Username").fill(USERNAME);
    await page.getByLabel("Email").fill("ada@example.com");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Confirm password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create administrator" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /setup token/i })
      .waitFor();

    await page.getByLabel("Setup token").fill(token);
    await page.getByRole("button", { name: "Create administrator" }).click();
    // Signed in, on the page the link asked for, inside the app shell.
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    await page.getByRole("button", { name: USERNAME }).waitFor();
    const cookie = (await context.cookies(base)).find((c) => c.name === "ballast_session");
    assert.ok(cookie, "the session cookie is set");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Lax");
    assert.equal(await page.evaluate("document.cookie.includes('ballast_session')"), false);

    // The session survives a reload.
    await page.reload();
    await page.getByRole("heading", { name: "API keys" }).waitFor();

    // Create a key; the page shows it once, and it works as a W&B API key.
    await page.getByLabel("New key name").fill("laptop");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByTestId("new-api-key");
    await shown.waitFor();
    const key = (await shown.textContent())?.trim() ?? "";
    assert.ok(key.length >= 40, `a full API key is shown: "${key}"`);
    assert.deepEqual(await viewerWith(server, key), { status: 200, username: USERNAME });
    await page.getByTestId("api-key-row").filter({ hasText: "laptop" }).waitFor();
    await logRun(server, basic(key), "web-e2e", "first-run");

    // Names are rendered as text, never as markup. (Page-side code is passed as text: this file is
    // type-checked without the DOM library.)
    const payload = `<img src=x onerror="window.__xss=1">`;
    await page.getByLabel("New key name").fill(payload);
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByTestId("api-key-row").filter({ hasText: payload }).waitFor();
    assert.equal(await page.evaluate("'__xss' in window"), false);

    // Revoke the first key in the UI: it stops authenticating at once.
    const row = page.getByTestId("api-key-row").filter({ hasText: "laptop" });
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke “laptop”" }).click();
    await row.waitFor({ state: "detached" });
    assert.equal((await viewerWith(server, key)).status, 401);

    // Home lists the user's project, with its run.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Projects" }).click();
    await page.getByRole("heading", { name: "Projects" }).waitFor();
    const project = page.getByTestId("project").filter({ hasText: "web-e2e" });
    await project.waitFor();
    assert.match((await project.textContent()) ?? "", /web-e2e1 run(?!s)/);

    // Sign out from the user menu: back to the sign-in page, and the session is gone server-side.
    await page.getByRole("button", { name: USERNAME }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Ballast" }).waitFor();
    const session = await page.evaluate(async () => (await fetch("/api/v1/session")).json());
    assert.equal(at(session, "user"), null);
    assert.equal(at(session, "setupRequired"), false);

    // A wrong password is refused; the right one signs in again.
    await page.getByLabel("Username").fill(USERNAME);
    await page.getByLabel("Password").fill("wrong password!");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("project").filter({ hasText: "web-e2e" }).waitFor();
    await page.getByRole("button", { name: USERNAME }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Ballast" }).waitFor();

    assert.deepEqual(browser.pageErrors, [], "no uncaught JavaScript error on any page");
    // Refused requests (the wrong token, the wrong password) log "Failed to load resource"; nothing
    // else may reach the console, CSP violations included.
    const unexpected = browser.consoleErrors.filter(
      (text) => !/Failed to load resource: the server responded with a status of 40[013]/.test(text),
    );
    assert.deepEqual(unexpected, [], "no console errors");
  });
});
