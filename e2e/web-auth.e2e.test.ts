/**
 * Web sign-in over HTTP as the browser app uses it (docs/auth.md): the one-time setup token, sign-in
 * and the session cookie's flags, CSRF on cookie-authenticated writes, API keys made through the JSON
 * API used by the real `wandb` client and revoked, and `ballast admin set-password` from stdin.
 *
 * Real: the server (in-process, port 0), SQLite, the `ballast` CLI process, the wandb client. Mocked:
 * nothing.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { graphql, startTestServer, type TestServer } from "./support/api.ts";
import { runScript, setupPython } from "./support/python.ts";
import { CLI_MAIN, makeDir, makeWorkspace, REPO_ROOT, type Workspace } from "./support/server.ts";

interface Answer {
  status: number;
  body: Record<string, unknown> | undefined;
  setCookie: string | null;
  headers: Headers;
}

interface Call {
  cookie?: string;
  csrf?: string;
  auth?: string;
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
}

async function call(test: TestServer, method: string, path: string, options: Call = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json";
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  if (options.csrf !== undefined) headers["x-csrf-token"] = options.csrf;
  if (options.auth !== undefined) headers.authorization = options.auth;
  const response = await fetch(`${test.server.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
    setCookie: response.headers.get("set-cookie"),
    headers: response.headers,
  };
}

function keysOf(answer: Answer): Record<string, unknown>[] {
  const keys = answer.body?.keys;
  assert.ok(Array.isArray(keys), JSON.stringify(answer.body));
  return keys as Record<string, unknown>[];
}

const errorCode = (answer: Answer): unknown => (answer.body?.error as { code?: string } | undefined)?.code;
const errorMessage = (answer: Answer): unknown =>
  (answer.body?.error as { message?: string } | undefined)?.message;

/** `ballast_session=<value>` from a Set-Cookie header, for the Cookie header of later requests. */
function cookieOf(answer: Answer): string {
  const match = /^ballast_session=([^;]*)/.exec(answer.setCookie ?? "");
  assert.ok(match?.[1], `no session cookie in ${answer.setCookie}`);
  return `ballast_session=${match[1]}`;
}

function cookieFlags(setCookie: string | null): string[] {
  return (setCookie ?? "")
    .split(";")
    .slice(1)
    .map((part) => part.trim().toLowerCase());
}

/** `ballast admin set-password` with `stdin` piped in. */
function setPasswordCli(
  dataDir: string,
  username: string,
  stdin: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [CLI_MAIN, "admin", "set-password", "--username", username, "--data-dir", dataDir],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "" }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

const viewerQuery = "query Viewer { viewer { username } }";
const basic = (key: string) => `Basic ${Buffer.from(`api:${key}`).toString("base64")}`;

describe("web sign-in, sessions, CSRF and API keys", { timeout: 300_000 }, () => {
  let test: TestServer;
  let workspace: Workspace;
  let adminCookie = "";
  let adminCsrf = "";

  before(async () => {
    await setupPython();
    workspace = await makeWorkspace("web-auth");
    test = await startTestServer();
  });

  after(async () => {
    await test?.close();
    await workspace?.dispose();
  });

  it("offers setup to anonymous visitors and prints a one-time token at start", async () => {
    assert.match(test.server.setupToken ?? "", /^[0-9a-f]{32}$/);
    const session = await call(test, "GET", "/api/v1/session");
    assert.equal(session.status, 200);
    assert.deepEqual(session.body, {
      user: null,
      csrfToken: null,
      setupRequired: true,
      signIn: { password: true, oidc: false, ldap: false },
    });
    assert.equal(session.headers.get("cache-control"), "no-store");
  });

  it("refuses setup with a wrong token or a non-JSON body, then creates the first admin", async () => {
    const form = {
      token: test.server.setupToken,
      username: "admin",
      email: "ops@example.com",
      password: "admin pass 1",
    };
    const wrong = await call(test, "POST", "/api/v1/setup", { body: { ...form, token: "f".repeat(32) } });
    assert.equal(wrong.status, 403);
    assert.equal(errorCode(wrong), "SETUP_TOKEN_INVALID");
    assert.equal(wrong.setCookie, null);
    // A cross-site HTML form can only send form types; a JSON body under another type is refused.
    const asForm = await call(test, "POST", "/api/v1/setup", { body: form, contentType: "text/plain" });
    assert.equal(asForm.status, 415);
    const short = await call(test, "POST", "/api/v1/setup", { body: { ...form, password: "short" } });
    assert.equal(short.status, 400);

    const done = await call(test, "POST", "/api/v1/setup", { body: form });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const user = done.body?.user as Record<string, unknown>;
    assert.equal(user.username, "admin");
    assert.equal(user.email, "ops@example.com");
    assert.equal(user.isAdmin, true);
    assert.equal(typeof done.body?.csrfToken, "string");
    adminCookie = cookieOf(done);
    adminCsrf = String(done.body?.csrfToken);
    // "admin" is the user the first start made: its API key (the wandb client's) still works as it.
    const viaKey = await graphql(test, viewerQuery);
    assert.equal((viaKey.data?.viewer as { username?: string } | undefined)?.username, "admin");

    const again = await call(test, "POST", "/api/v1/setup", {
      body: { ...form, username: "intruder", email: "x@example.com" },
    });
    assert.equal(again.status, 409, "the used token (or any other) no longer creates admins");
    assert.equal(errorCode(again), "SETUP_COMPLETE");

    const session = await call(test, "GET", "/api/v1/session", { cookie: adminCookie });
    assert.deepEqual(session.body, {
      user: { id: user.id, username: "admin", email: "ops@example.com", isAdmin: true },
      csrfToken: adminCsrf,
      setupRequired: false,
      signIn: { password: true, oidc: false, ldap: false },
    });
  });

  it("signs in with the password; wrong password and unknown user get one 401; the cookie is locked down", async () => {
    const wrong = await call(test, "POST", "/api/v1/session", {
      body: { username: "admin", password: "nope nope" },
    });
    const unknown = await call(test, "POST", "/api/v1/session", {
      body: { username: "nobody", password: "admin pass 1" },
    });
    for (const answer of [wrong, unknown]) {
      assert.equal(answer.status, 401);
      assert.equal(errorCode(answer), "INVALID_CREDENTIALS");
      assert.equal(answer.setCookie, null);
    }
    assert.equal(errorMessage(wrong), errorMessage(unknown));

    const ok = await call(test, "POST", "/api/v1/session", {
      body: { username: "admin", password: "admin pass 1" },
    });
    assert.equal(ok.status, 200);
    const flags = cookieFlags(ok.setCookie);
    assert.ok(flags.includes("httponly"), ok.setCookie ?? "");
    assert.ok(flags.includes("samesite=lax"), ok.setCookie ?? "");
    assert.ok(flags.includes("path=/"), ok.setCookie ?? "");
    assert.ok(!flags.includes("secure"), "HOST is http here, so no Secure flag");
    const maxAge = Number(flags.find((f) => f.startsWith("max-age="))?.slice(8));
    assert.ok(Math.abs(maxAge - 720 * 3600) < 60, `Max-Age ${maxAge} is the default 720 h`);
    assert.match(cookieOf(ok), /^ballast_session=[A-Za-z0-9_-]{43}$/);
    assert.notEqual(cookieOf(ok), adminCookie, "every sign-in gets a new session id");
  });

  it("requires the session's CSRF token on cookie-authenticated writes, not on API-key ones", async () => {
    const body = { name: "laptop" };
    const none = await call(test, "POST", "/api/v1/api-keys", { cookie: adminCookie, body });
    assert.equal(none.status, 403);
    assert.equal(errorCode(none), "CSRF_TOKEN_INVALID");
    const wrong = await call(test, "POST", "/api/v1/api-keys", {
      cookie: adminCookie,
      csrf: "x".repeat(43),
      body,
    });
    assert.equal(wrong.status, 403);
    assert.equal(errorCode(wrong), "CSRF_TOKEN_INVALID");
    const listed = await call(test, "GET", "/api/v1/api-keys", { cookie: adminCookie });
    assert.equal(listed.status, 200, "reads need no token");
    assert.equal(keysOf(listed).length, 1, "nothing was created by the refused writes");

    const viaKey = await call(test, "POST", "/api/v1/api-keys", { auth: test.auth, body: { name: "ci" } });
    assert.equal(viaKey.status, 201, "an API key is not a browser credential: no CSRF token needed");
    const noCredential = await call(test, "GET", "/api/v1/api-keys");
    assert.equal(noCredential.status, 401);
    const badKey = await call(test, "GET", "/api/v1/api-keys", {
      auth: basic(`local-${"A".repeat(40)}`),
      cookie: adminCookie,
    });
    assert.equal(badKey.status, 401, "a bad Authorization header never falls back to the cookie");
  });

  it("creates an API key shown once, which the real wandb client uses, and revokes it", async () => {
    const created = await call(test, "POST", "/api/v1/api-keys", {
      cookie: adminCookie,
      csrf: adminCsrf,
      body: { name: "  notebook  " },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const key = String(created.body?.key);
    assert.match(key, /^local-[A-Za-z0-9]{40}$/);
    assert.equal(created.body?.name, "notebook");
    const id = created.body?.id;

    const client = { baseUrl: test.server.url, apiKey: key, dir: await makeDir(workspace, "viewer") };
    const used = await runScript<{ username?: string; error?: string; message?: string }>(
      "api_viewer.py",
      [],
      client,
      120_000,
    );
    assert.equal(used.result.username, "admin", JSON.stringify(used.result));

    const listed = await call(test, "GET", "/api/v1/api-keys", { cookie: adminCookie });
    const keys = keysOf(listed);
    const mine = keys.find((k) => k.id === id);
    assert.ok(mine, JSON.stringify(keys));
    assert.equal(mine.name, "notebook");
    assert.equal(mine.prefix, key.slice(0, 10));
    assert.match(String(mine.createdAt), /^\d{4}-\d\d-\d\dT/);
    assert.match(String(mine.lastUsedAt), /^\d{4}-\d\d-\d\dT/, "the client's use is recorded");
    assert.ok(!JSON.stringify(listed.body).includes(key), "the key itself is never shown again");
    assert.deepEqual(
      keys.map((k) => k.name).sort(),
      ["ci", "first start", "notebook"],
      "the viewer's keys, newest first",
    );

    const noToken = await call(test, "DELETE", `/api/v1/api-keys/${id}`, { cookie: adminCookie });
    assert.equal(noToken.status, 403);
    const revoked = await call(test, "DELETE", `/api/v1/api-keys/${id}`, {
      cookie: adminCookie,
      csrf: adminCsrf,
    });
    assert.equal(revoked.status, 204);
    const viewer = await fetch(`${test.server.url}/graphql`, {
      method: "POST",
      headers: { authorization: basic(key), "content-type": "application/json" },
      body: JSON.stringify({ query: viewerQuery }),
    });
    assert.equal(viewer.status, 401, "a revoked key stops working at once");
    const refused = await runScript<{ username?: string; error?: string; message?: string }>(
      "api_viewer.py",
      [],
      client,
      120_000,
    );
    assert.equal(refused.result.username, undefined, JSON.stringify(refused.result));
    // wandb.Api raises AuthenticationError with the server's message on the 401.
    assert.equal(refused.result.error, "AuthenticationError", JSON.stringify(refused.result));
    assert.match(String(refused.result.message), /revoked/);

    const twice = await call(test, "DELETE", `/api/v1/api-keys/${id}`, {
      cookie: adminCookie,
      csrf: adminCsrf,
    });
    assert.equal(twice.status, 404);
    const listedAfter = await call(test, "GET", "/api/v1/api-keys", { cookie: adminCookie });
    assert.ok(!keysOf(listedAfter).some((k) => k.id === id));
  });

  it("accepts the session cookie on the other JSON routes (chart series)", async () => {
    const series = await call(test, "GET", "/api/v1/runs/admin/none/none/series?metric=loss", {
      cookie: adminCookie,
    });
    assert.equal(series.status, 404, "authenticated: the project is missing, not the credential");
    const anonymous = await call(test, "GET", "/api/v1/runs/admin/none/none/series?metric=loss");
    assert.equal(anonymous.status, 401);
  });

  it("signs out only with the CSRF token, and the cookie then stops working", async () => {
    const noToken = await call(test, "DELETE", "/api/v1/session", { cookie: adminCookie });
    assert.equal(noToken.status, 403);
    const out = await call(test, "DELETE", "/api/v1/session", { cookie: adminCookie, csrf: adminCsrf });
    assert.equal(out.status, 204);
    assert.ok(cookieFlags(out.setCookie).includes("max-age=0"), out.setCookie ?? "");
    const after = await call(test, "GET", "/api/v1/session", { cookie: adminCookie });
    assert.equal(after.body?.user, null);
    const write = await call(test, "POST", "/api/v1/api-keys", {
      cookie: adminCookie,
      csrf: adminCsrf,
      body: { name: "x" },
    });
    assert.equal(write.status, 401);
  });

  it("`ballast admin set-password` reads stdin, ends the user's sessions and changes the password", async () => {
    const signedIn = await call(test, "POST", "/api/v1/session", {
      body: { username: "admin", password: "admin pass 1" },
    });
    const cookie = cookieOf(signedIn);
    const changed = await setPasswordCli(test.dataDir, "admin", "a brand new passphrase\n");
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(changed.stdout, "");
    assert.equal((await call(test, "GET", "/api/v1/session", { cookie })).body?.user, null);
    const old = await call(test, "POST", "/api/v1/session", {
      body: { username: "admin", password: "admin pass 1" },
    });
    assert.equal(old.status, 401);
    const fresh = await call(test, "POST", "/api/v1/session", {
      body: { username: "admin", password: "a brand new passphrase" },
    });
    assert.equal(fresh.status, 200);

    const tooShort = await setPasswordCli(test.dataDir, "admin", "short\n");
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.stderr, /at least 8 characters/);
    const unknown = await setPasswordCli(test.dataDir, "nobody", "long enough\n");
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No user named "nobody"/);
    const empty = await setPasswordCli(test.dataDir, "admin", "");
    assert.equal(empty.code, 2);
  });

  it("answers 429 with Retry-After after ten wrong passwords for one user, even to the right one", async () => {
    for (let i = 0; i < 10; i++) {
      const wrong = await call(test, "POST", "/api/v1/session", {
        body: { username: "locked", password: `guess number ${i}` },
      });
      assert.equal(wrong.status, 401);
    }
    const refused = await call(test, "POST", "/api/v1/session", {
      body: { username: "locked", password: "any password" },
    });
    assert.equal(refused.status, 429);
    assert.equal(errorCode(refused), "TOO_MANY_ATTEMPTS");
    const retryAfter = Number(refused.headers.get("retry-after"));
    assert.ok(retryAfter > 800 && retryAfter <= 900, `Retry-After ${retryAfter} s`);
    // Other usernames are not affected: a wrong password there is still just wrong.
    const other = await call(test, "POST", "/api/v1/session", {
      body: { username: "someone-else", password: "any password" },
    });
    assert.equal(other.status, 401);
  });

  it("marks the cookie Secure when HOST is https", async () => {
    const secure = await startTestServer({ HOST: "https://ballast.example.test" });
    try {
      const set = await setPasswordCli(secure.dataDir, "admin", "secure passphrase\n");
      assert.equal(set.code, 0, set.stderr);
      assert.equal(
        secure.server.setupToken !== undefined,
        true,
        "the token was printed before the password was set",
      );
      const state = await call(secure, "GET", "/api/v1/session");
      assert.equal(state.body?.setupRequired, false, "a password set from the CLI ends setup");
      const ok = await call(secure, "POST", "/api/v1/session", {
        body: { username: "admin", password: "secure passphrase" },
      });
      assert.equal(ok.status, 200);
      const flags = cookieFlags(ok.setCookie);
      assert.ok(flags.includes("secure"), ok.setCookie ?? "");
      assert.ok(flags.includes("httponly") && flags.includes("samesite=lax"), ok.setCookie ?? "");
      const setup = await call(secure, "POST", "/api/v1/setup", {
        body: {
          token: secure.server.setupToken,
          username: "late",
          email: "l@example.com",
          password: "late pass 1",
        },
      });
      assert.equal(setup.status, 409, "the printed token is dead once any password exists");
    } finally {
      await secure.close();
    }
  });
});
