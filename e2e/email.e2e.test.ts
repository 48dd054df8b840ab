/**
 * Invitations and password resets by email (docs/auth.md "Invitations and password resets"): an
 * admin invites to a team, the mail arrives, and its link makes a signed-in viewer of the team in a
 * real browser, once; password reset links set a password once and reveal nothing about unknown
 * emails; a mail server that is down makes an invitation answer 503 and keep the invitation, which
 * is resent once mail works; a team admin invites only to their own team.
 *
 * Real: the server (in-process, port 0) with SQLite, an SMTP server (`smtp-server`, AUTH PLAIN, on
 * 127.0.0.1) receiving what nodemailer sends, Chromium. Mocked: nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startTestServer } from "./support/api.ts";
import { launchBrowser } from "./support/browser.ts";
import { SMTP_PASSWORD, SMTP_USER, type SmtpSink, startSmtpSink } from "./support/smtp-sink.ts";
import { ADMIN, basicAuth, startWebFixture, type WebFixture } from "./support/web.ts";

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly setCookie: string | null;
}

interface As {
  /** An API key (Basic auth), or a session cookie with its CSRF token. */
  readonly key?: string;
  readonly cookie?: string;
  readonly csrf?: string;
}

let fx: WebFixture;
let sink: SmtpSink;
let smtpPort: number;

async function call(method: string, path: string, body?: unknown, as: As | null = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (as !== null) {
    if (as.cookie !== undefined) {
      headers.cookie = as.cookie;
      if (as.csrf !== undefined) headers["x-csrf-token"] = as.csrf;
    } else headers.authorization = basicAuth(as.key ?? fx.apiKey);
  }
  const response = await fetch(`${fx.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
    setCookie: response.headers.get("set-cookie"),
  };
}

const codeOf = (answer: Answer): unknown => (answer.body.error as { code?: unknown } | undefined)?.code;
const messageOf = (answer: Answer): string =>
  String((answer.body.error as { message?: unknown } | undefined)?.message ?? "");

/** Signs in over the API: the cookie and CSRF token for later calls. */
async function signIn(username: string, password: string): Promise<{ status: number; as: As }> {
  const answer = await call("POST", "/api/v1/session", { username, password }, null);
  const cookie = /^ballast_session=[^;]*/.exec(answer.setCookie ?? "")?.[0];
  return { status: answer.status, as: { cookie: cookie ?? "", csrf: String(answer.body.csrfToken ?? "") } };
}

/** The one link in a mail's text that points into this server. */
function linkIn(text: string, page: "invite" | "reset-password"): string {
  const links = text.match(new RegExp(`\\S+/${page}/[A-Za-z0-9_-]{43}`, "g")) ?? [];
  assert.equal(links.length, 1, text);
  return links[0] ?? "";
}

const tokenOf = (link: string): string => link.slice(link.lastIndexOf("/") + 1);

async function membersOf(team: string): Promise<Record<string, unknown>> {
  const answer = await call("GET", `/api/v1/teams/${team}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const members = answer.body.members as { username: string; role: string }[];
  return Object.fromEntries(members.map((m) => [m.username, m.role]));
}

describe("email: invitations and password resets", () => {
  before(async () => {
    sink = await startSmtpSink();
    smtpPort = sink.port;
    fx = await startWebFixture({
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtpPort),
      SMTP_USER,
      SMTP_PASSWORD,
      SMTP_FROM: "Ballast <ballast@example.com>",
    });
    for (const name of ["vision", "audio", "speech"]) {
      const created = await call("POST", "/api/v1/teams", { name });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  });
  after(async () => {
    await fx?.close();
    await sink?.close();
  });

  it("an admin invites to a team as viewer; the emailed link makes a signed-in viewer, once", async () => {
    const invited = await call("POST", "/api/v1/invitations", {
      email: "vera@example.com",
      team: "vision",
      role: "viewer",
    });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    assert.equal(invited.body.emailed, true);
    assert.equal(invited.body.team, "vision");
    assert.equal(invited.body.role, "viewer");
    assert.equal(invited.body.link, undefined, "a mailed link is not shown to the admin");

    const mail = await sink.next("vera@example.com");
    assert.equal(mail.from, "ballast@example.com");
    assert.match(mail.headers.from ?? "", /ballast@example\.com/);
    assert.match(mail.headers.to ?? "", /vera@example\.com/);
    assert.equal(mail.subject, "You are invited to join vision on Ballast");
    assert.match(mail.text, /admin has invited you to the team vision on Ballast \(as viewer\)/);
    const link = linkIn(mail.text, "invite");
    assert.ok(link.startsWith(`${fx.server.server.publicUrl}/invite/`), link);

    // A browser of its own: nobody signed in there.
    const browser = await launchBrowser();
    try {
      const { page } = browser;
      await page.goto(link);
      await page.getByRole("heading", { name: "Join the team vision" }).waitFor();
      assert.match(
        (await page.locator(".auth-card").textContent()) ?? "",
        /admin invited vera@example\.com to the team vision as viewer/,
      );
      await page.getByLabel("Username").fill("vera");
      await page.getByLabel("Password", { exact: true }).fill("vera's long password");
      await page.getByLabel("Confirm password").fill("vera's long password");
      await page.getByRole("button", { name: "Create account and join" }).click();
      await page.getByRole("button", { name: "vera" }).waitFor();

      const cookie = (await browser.context.cookies()).find((c) => c.name === "ballast_session");
      assert.ok(cookie, "the browser holds a session");
      const session = await call("GET", "/api/v1/session", undefined, {
        cookie: `ballast_session=${cookie.value}`,
      });
      assert.deepEqual(
        {
          username: (session.body.user as { username?: unknown }).username,
          email: (session.body.user as { email?: unknown }).email,
        },
        { username: "vera", email: "vera@example.com" },
      );
      assert.equal((await membersOf("vision")).vera, "viewer");

      // The same link again: refused, in the browser and over the API.
      await page.goto(link);
      await page.getByRole("heading", { name: "Invitation not valid" }).waitFor();
      assert.match(
        (await page.getByRole("alert").textContent()) ?? "",
        /already used, revoked, or has expired/,
      );
      const again = await call(
        "POST",
        `/api/v1/invitations/by-token/${tokenOf(link)}/accept`,
        {
          username: "vera2",
          password: "another long password",
        },
        null,
      );
      assert.equal(again.status, 404);
      assert.equal(codeOf(again), "INVITATION_INVALID");
      assert.deepEqual(browser.pageErrors, []);
    } finally {
      await browser.close();
    }
    const pending = await call("GET", "/api/v1/invitations?team=vision");
    assert.deepEqual(pending.body.invitations, []);
  });

  it("a signed-in user accepts as themselves; a team admin invites only to their own team", async () => {
    const vera = await signIn("vera", "vera's long password");
    assert.equal(vera.status, 200);
    const invited = await call("POST", "/api/v1/invitations", { email: "vera@example.com", team: "speech" });
    assert.equal(invited.status, 201);
    const link = linkIn((await sink.next("vera@example.com")).text, "invite");
    const joined = await call("POST", `/api/v1/invitations/by-token/${tokenOf(link)}/accept`, {}, vera.as);
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.equal((await membersOf("speech")).vera, "member");

    // vera administers audio (made so by the instance admin), not vision.
    const promoted = await call("POST", "/api/v1/teams/audio/members", { username: "vera", role: "admin" });
    assert.equal(promoted.status, 201, JSON.stringify(promoted.body));
    const foreign = await call(
      "POST",
      "/api/v1/invitations",
      { email: "x@example.com", team: "vision" },
      vera.as,
    );
    assert.equal(foreign.status, 403, JSON.stringify(foreign.body));
    assert.equal(codeOf(foreign), "PERMISSION_DENIED");
    const instance = await call("POST", "/api/v1/invitations", { email: "x@example.com" }, vera.as);
    assert.equal(instance.status, 403);
    const own = await call(
      "POST",
      "/api/v1/invitations",
      { email: "otto@example.com", team: "audio", role: "admin" },
      vera.as,
    );
    assert.equal(own.status, 201, JSON.stringify(own.body));
    assert.match((await sink.next("otto@example.com")).text, /vera has invited you to the team audio/);
    const list = await call("GET", "/api/v1/invitations?team=audio", undefined, vera.as);
    assert.deepEqual(
      (list.body.invitations as { email: string }[]).map((i) => i.email),
      ["otto@example.com"],
    );
    assert.equal((await call("GET", "/api/v1/invitations?team=vision", undefined, vera.as)).status, 403);
  });

  it("a password reset link sets the password once; unknown emails get the same answer and no mail", async () => {
    const unknown = await call("POST", "/api/v1/password-reset", { email: "nobody@example.com" }, null);
    const known = await call("POST", "/api/v1/password-reset", { email: "Vera@Example.com" }, null);
    assert.equal(unknown.status, 202);
    assert.deepEqual([known.status, known.body], [unknown.status, unknown.body]);
    const mail = await sink.next("vera@example.com");
    assert.equal(mail.subject, "Reset your Ballast password");
    assert.ok(!sink.messages.some((m) => m.to.includes("nobody@example.com")));
    const link = linkIn(mail.text, "reset-password");
    assert.ok(link.startsWith(`${fx.server.server.publicUrl}/reset-password/`), link);

    const browser = await launchBrowser();
    try {
      const { page } = browser;
      await page.goto(link);
      await page.getByLabel("New password", { exact: true }).fill("a brand new password");
      await page.getByLabel("Confirm password").fill("a brand new password");
      await page.getByRole("button", { name: "Set password" }).click();
      await page.getByRole("heading", { name: "Password changed" }).waitFor();
      assert.deepEqual(browser.pageErrors, []);
    } finally {
      await browser.close();
    }
    assert.equal((await signIn("vera", "vera's long password")).status, 401);
    assert.equal((await signIn("vera", "a brand new password")).status, 200);
    const again = await call(
      "POST",
      `/api/v1/password-reset/${tokenOf(link)}`,
      { password: "yet another password" },
      null,
    );
    assert.equal(again.status, 404);
    assert.equal(codeOf(again), "RESET_LINK_INVALID");
    assert.equal((await signIn("vera", "yet another password")).status, 401);
  });

  it("the sign-in page asks for a reset link by email", async () => {
    const browser = await launchBrowser();
    try {
      const { page } = browser;
      await page.goto(`${fx.url}/`);
      await page.getByRole("button", { name: "Forgot password?" }).click();
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByRole("button", { name: "Email me a reset link" }).click();
      await page.getByRole("status").filter({ hasText: "a link to reset it is on its way" }).waitFor();
    } finally {
      await browser.close();
    }
    assert.match((await sink.next(ADMIN.email)).text, /user admin/);
  });

  it("with the mail server down an invitation answers 503 and is kept; resend works once it is back", async () => {
    await sink.close();
    const down = await call("POST", "/api/v1/invitations", { email: "dora@example.com", team: "vision" });
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.equal(codeOf(down), "UNAVAILABLE");
    assert.match(messageOf(down), /is saved: resend it/);
    const pending = await call("GET", "/api/v1/invitations?team=vision");
    const kept = (pending.body.invitations as { id: number; email: string }[]).find(
      (i) => i.email === "dora@example.com",
    );
    assert.ok(kept, JSON.stringify(pending.body));

    sink = await startSmtpSink(smtpPort);
    const resent = await call("POST", `/api/v1/invitations/${kept.id}/resend`);
    assert.equal(resent.status, 200, JSON.stringify(resent.body));
    assert.equal(resent.body.emailed, true);
    const link = linkIn((await sink.next("dora@example.com")).text, "invite");
    const preview = await call("GET", `/api/v1/invitations/by-token/${tokenOf(link)}`, undefined, null);
    assert.equal(preview.status, 200);
    assert.deepEqual(
      { team: preview.body.team, inviter: preview.body.inviter, email: preview.body.email },
      { team: "vision", inviter: "admin", email: "dora@example.com" },
    );

    // Revoked: the link stops working.
    assert.equal((await call("DELETE", `/api/v1/invitations/${kept.id}`)).status, 204);
    const revoked = await call("GET", `/api/v1/invitations/by-token/${tokenOf(link)}`, undefined, null);
    assert.equal(revoked.status, 404);
    assert.equal(codeOf(revoked), "INVITATION_INVALID");
  });
});

describe("email: without SMTP", () => {
  it("makes the invitation and hands its link to the admin; reset requests still answer 202", async () => {
    const test = await startTestServer();
    try {
      const post = (path: string, body: unknown, auth: boolean) =>
        fetch(`${test.server.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(auth ? { authorization: test.auth } : {}) },
          body: JSON.stringify(body),
        });
      const invited = await post("/api/v1/invitations", { email: "solo@example.com" }, true);
      const body = (await invited.json()) as Record<string, unknown>;
      assert.equal(invited.status, 201, JSON.stringify(body));
      assert.equal(body.emailed, false);
      assert.equal(body.team, null);
      const link = String(body.link);
      assert.ok(link.startsWith(`${test.server.publicUrl}/invite/`), link);
      const accepted = await post(
        `/api/v1/invitations/by-token/${tokenOf(link)}/accept`,
        { username: "solo", password: "solo's long password" },
        false,
      );
      assert.equal(accepted.status, 200, await accepted.text());
      assert.match(accepted.headers.get("set-cookie") ?? "", /^ballast_session=/);
      assert.equal((await post("/api/v1/password-reset", { email: "solo@example.com" }, false)).status, 202);

      // What the audit log holds of it.
      const audit = await fetch(`${test.server.url}/api/v1/audit-log?limit=50`, {
        headers: { authorization: test.auth },
      });
      const entries = ((await audit.json()) as { entries: { action: string; target: string | null }[] })
        .entries;
      const actions = entries.map((e) => `${e.action} ${e.target}`);
      for (const expected of [
        "invitation.created solo@example.com",
        "user.created solo",
        "invitation.accepted solo@example.com",
        "password_reset.requested solo",
      ]) {
        assert.ok(actions.includes(expected), `${expected} in ${actions.join(", ")}`);
      }
    } finally {
      await test.close();
    }
  });
});
