/**
 * Teams, service accounts and the API-key policy in a real browser (Debian's Chromium) against a real
 * server: the admin creates a team in the UI, adds bob as a viewer and makes him a member, creates a
 * service account whose key (shown once) authenticates the W&B API until the account is deleted,
 * invites carol by email (no SMTP: the page shows the link; Resend replaces it) — carol opens it in a
 * fresh browser, creates her account and is a viewer of the team —, turns self-service keys off —
 * bob, signed in in a second browser, sees a note instead of the create form, and the server refuses
 * his POST — and issues bob a key on the users page that works; there it invites someone to the
 * server (no team) and revokes the invitation.
 *
 * Real: the server (in-process, port 0), SQLite, the `ballast` CLI (which makes bob), Chromium.
 * Mocked: nothing.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { at } from "../support/api.ts";
import { launchBrowser, type TestBrowser } from "../support/browser.ts";
import { CLI_MAIN, createUser, REPO_ROOT } from "../support/server.ts";
import { apiGet, basicAuth, screenshot, startWebFixture, type WebFixture } from "../support/web.ts";

const BOB = { username: "bob", email: "bob@example.com", password: "bob's long passphrase" };
const CAROL = { username: "carol", email: "carol@example.com", password: "carol's long passphrase" };

/** `ballast admin set-password` against the server's data directory, the password on stdin. */
function setPassword(dataDir: string, username: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [CLI_MAIN, "admin", "set-password", "--username", username, "--data-dir", dataDir],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "" }, timeout: 60_000 },
      (error, _stdout, stderr) => (error ? reject(new Error(`set-password failed: ${stderr}`)) : resolve()),
    );
    child.stdin?.end(`${password}\n`);
  });
}

/** `{ viewer { username } }` with `key` as the W&B client sends it: the status and the username. */
async function viewerWith(fx: WebFixture, key: string): Promise<{ status: number; username: unknown }> {
  const response = await fetch(`${fx.url}/graphql`, {
    method: "POST",
    headers: { authorization: basicAuth(key), "content-type": "application/json" },
    body: JSON.stringify({ query: "query Viewer { viewer { username } }" }),
  });
  const body: unknown = await response.json().catch(() => null);
  return { status: response.status, username: at(body, "data", "viewer", "username") };
}

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

/** Polls `check` every 100 ms for up to 10 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The key a NewKey box shows, once it is there. */
async function shownKey(page: Page): Promise<string> {
  const secret = page.getByTestId("new-api-key");
  await secret.waitFor();
  return ((await secret.textContent()) ?? "").trim();
}

describe("web UI: teams, service accounts and the API-key policy", () => {
  let fx: WebFixture;
  let bobBrowser: TestBrowser | undefined;
  let carolBrowser: TestBrowser | undefined;
  let bobKey = "";

  before(
    async () => {
      fx = await startWebFixture();
      bobKey = await createUser(fx.server.dataDir, BOB.username, BOB.email);
      await setPassword(fx.server.dataDir, BOB.username, BOB.password);
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await bobBrowser?.close();
    await carolBrowser?.close();
    await fx?.close();
  });

  test("the admin creates a team, adds bob as a viewer and makes him a member", {
    timeout: 120_000,
  }, async () => {
    const { page } = fx;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
    await page.getByRole("heading", { name: "Teams", exact: true }).waitFor();
    const create = page.getByRole("form", { name: "Create team" });
    await create.getByLabel("Team name").fill("vision");
    await create.getByRole("button", { name: "Create team" }).click();
    await page.getByRole("heading", { name: "vision", exact: true }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/teams/vision");
    assert.match((await page.getByTestId("team-role").textContent()) ?? "", /Your role: admin/);

    const add = page.getByRole("form", { name: "Add member" });
    await add.getByLabel("Username").fill(BOB.username);
    await add.getByLabel("Role").selectOption("viewer");
    await add.getByRole("button", { name: "Add member" }).click();
    const bobRow = page.locator('[data-testid="member-row"][data-username="bob"]');
    await bobRow.waitFor();
    assert.match((await bobRow.textContent()) ?? "", /bob@example\.com/);
    const bobRole = bobRow.getByLabel("Role of bob");
    assert.equal(await bobRole.inputValue(), "viewer");

    // A user who does not exist is refused with the server's message, in the form.
    await add.getByLabel("Username").fill("nobody-here");
    await add.getByRole("button", { name: "Add member" }).click();
    await add.getByRole("alert").waitFor();

    await bobRole.selectOption("member");
    await until("bob is a member", async () => {
      const team = await json(await apiGet(fx, "/api/v1/teams/vision"));
      const bobNow = (at(team, "members") as { username: string; role: string }[]).find(
        (m) => m.username === "bob",
      );
      return bobNow?.role === "member";
    });
    const team = await json(await apiGet(fx, "/api/v1/teams/vision"));
    const members = at(team, "members") as { username: string; role: string }[];
    assert.deepEqual(
      members.map((m) => [m.username, m.role]),
      [
        ["admin", "admin"],
        ["bob", "member"],
      ],
    );
    await screenshot(page, "team-members");
  });

  test("a service account's key is shown once, works, and stops working when the account is deleted", {
    timeout: 120_000,
  }, async () => {
    const { page } = fx;
    const create = page.getByRole("form", { name: "Create service account" });
    await create.getByLabel("Account name").fill("vision-ci");
    await create.getByLabel("Account role").selectOption("member");
    await create.getByRole("button", { name: "Create service account" }).click();
    const key = await shownKey(page);
    assert.match(key, /^local-/);
    assert.match(
      (await page.getByRole("status", { name: "New API key" }).textContent()) ?? "",
      /shown only this once/,
    );
    assert.deepEqual(await viewerWith(fx, key), { status: 200, username: "vision-ci" });
    const account = page.locator('[data-testid="service-account"][data-username="vision-ci"]');
    await account.getByRole("table", { name: "Keys of vision-ci" }).getByText("default").waitFor();
    await screenshot(page, "team-service-account");

    // Once dismissed, the key is nowhere on the page, nor after a reload.
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByTestId("new-api-key").waitFor({ state: "detached" });
    await page.reload();
    await account.waitFor();
    assert.ok(!(await page.content()).includes(key), "the key is shown only once");

    // A team with a service account cannot be deleted: the server says why.
    const danger = page.getByRole("region", { name: "Delete team" });
    await danger.getByRole("button", { name: "Delete team" }).click();
    await danger.getByRole("button", { name: "Delete “vision”" }).click();
    await danger
      .getByRole("alert")
      .getByText(/only an empty team can be deleted/)
      .waitFor();

    await account.getByRole("button", { name: "Delete", exact: true }).click();
    await account.getByRole("button", { name: "Delete “vision-ci”" }).click();
    await account.waitFor({ state: "detached" });
    assert.equal((await viewerWith(fx, key)).status, 401);
  });

  test("an invitation without SMTP shows its link, which makes carol a viewer of the team", {
    timeout: 180_000,
  }, async () => {
    const { page } = fx;
    const invite = page.getByRole("form", { name: "Invite by email" });
    await invite.getByLabel("Email").fill(CAROL.email);
    await invite.getByLabel("Role").selectOption("viewer");
    await invite.getByRole("button", { name: "Invite" }).click();
    const shown = page.getByRole("status", { name: "Invitation link" });
    await shown.waitFor();
    assert.match((await shown.textContent()) ?? "", /No email was sent/);
    const linkOf = async () => ((await page.getByTestId("invitation-link").textContent()) ?? "").trim();
    const first = await linkOf();
    assert.ok(first.startsWith(`${fx.server.server.publicUrl}/invite/`), first);
    const pending = page.getByRole("table", { name: "Pending invitations" });
    const row = pending.locator(`[data-testid="invitation-row"][data-email="${CAROL.email}"]`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? "", /viewer/);
    await screenshot(page, "team-invitation-link");

    // Resend without SMTP: a new link is shown, and the first one stops working.
    await row.getByRole("button", { name: "Resend" }).click();
    let link = first;
    await until("a new link is shown", async () => {
      link = await linkOf().catch(() => first);
      return link !== first && link.startsWith(`${fx.server.server.publicUrl}/invite/`);
    });
    const preview = (url: string) =>
      fetch(`${fx.url}/api/v1/invitations/by-token/${new URL(url).pathname.split("/").pop() ?? ""}`);
    assert.equal((await preview(first)).status, 404, "the first link stopped working");
    assert.equal((await preview(link)).status, 200);

    carolBrowser = await launchBrowser();
    const carol = carolBrowser.page;
    await carol.goto(link);
    await carol.getByRole("heading", { name: "Join the team vision" }).waitFor();
    assert.match((await carol.locator("main").textContent()) ?? "", /admin invited carol@example\.com/);
    await carol.getByLabel("Username").fill(CAROL.username);
    await carol.getByLabel("Password", { exact: true }).fill(CAROL.password);
    await carol.getByLabel("Confirm password").fill(CAROL.password);
    await carol.getByRole("button", { name: "Create account and join" }).click();
    await carol.getByRole("button", { name: CAROL.username }).waitFor();
    await carol.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
    const visionRow = carol.getByTestId("team-row").filter({ hasText: "vision" });
    await visionRow.waitFor();
    assert.match((await visionRow.textContent()) ?? "", /viewer/);

    await page.reload();
    const carolRow = page.locator(`[data-testid="member-row"][data-username="${CAROL.username}"]`);
    await carolRow.waitFor();
    assert.match((await carolRow.textContent()) ?? "", /carol@example\.com/);
    assert.equal(await carolRow.getByLabel(`Role of ${CAROL.username}`).inputValue(), "viewer");
    await page.getByRole("region", { name: "Invitations" }).getByText("No pending invitations.").waitFor();
    assert.equal(await row.count(), 0, "the accepted invitation is no longer pending");
    assert.deepEqual(await json(await apiGet(fx, "/api/v1/invitations?team=vision")), { invitations: [] });

    // Deactivated on the users page, carol's open session ends; reactivated, she can sign in again.
    await page.goto(`${fx.url}/system-admin/users`);
    const active = page.getByLabel(`${CAROL.username} is active`);
    const switched = async (expected: boolean) => {
      for (let i = 0; i < 50 && (await active.isChecked()) !== expected; i++) await page.waitForTimeout(100);
      assert.equal(await active.isChecked(), expected);
    };
    await active.click();
    await switched(false);
    const users = (await json(await apiGet(fx, "/api/v1/users"))) as {
      users: { username: string; active: boolean }[];
    };
    assert.equal(users.users.find((u) => u.username === CAROL.username)?.active, false);
    await carol.reload();
    await carol.getByRole("button", { name: "Sign in" }).waitFor();
    await active.click();
    await switched(true);
    assert.deepEqual(carolBrowser.pageErrors, [], "no uncaught JavaScript error (carol)");
  });

  test("with self-service off bob sees a note instead of the create form; the admin issues him a key", {
    timeout: 180_000,
  }, async () => {
    const { page } = fx;
    await page.getByRole("button", { name: "admin" }).click();
    await page.getByRole("menuitem", { name: "System admin" }).click();
    await page.getByRole("link", { name: "Users", exact: true }).click();
    await page.getByRole("heading", { name: "Users", exact: true }).waitFor();
    const selfService = page.getByRole("switch", { name: "Users may create their own API keys" });
    assert.equal(await selfService.isChecked(), true);
    await selfService.click();
    await until("the switch shows self-service off", async () => !(await selfService.isChecked()));
    assert.deepEqual(await json(await apiGet(fx, "/api/v1/instance-settings")), { apiKeySelfService: false });

    // The refusal bob's browser must show is the server's own message.
    const refused = await fetch(`${fx.url}/api/v1/api-keys`, {
      method: "POST",
      headers: { authorization: basicAuth(bobKey), "content-type": "application/json" },
      body: JSON.stringify({ name: "probe" }),
    });
    assert.equal(refused.status, 403);
    const message = String(at(await refused.json(), "error", "message"));

    bobBrowser = await launchBrowser();
    const bob = bobBrowser.page;
    await bob.goto(`${fx.url}/`);
    await bob.getByLabel("Username").fill(BOB.username);
    await bob.getByLabel("Password").fill(BOB.password);
    await bob.getByRole("button", { name: "Sign in" }).click();
    await bob.getByRole("button", { name: BOB.username }).waitFor();
    await bob.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Teams" }).click();
    const visionRow = bob.getByTestId("team-row").filter({ hasText: "vision" });
    await visionRow.waitFor();
    assert.match((await visionRow.textContent()) ?? "", /member/);
    assert.equal(await bob.getByRole("form", { name: "Create team" }).count(), 0, "only admins create teams");

    // The page asks the server whether bob may create keys, and shows a note instead of the form.
    assert.equal(at(await json(await apiGet(fx, "/api/v1/api-keys", bobKey)), "canCreate"), false);
    assert.equal(at(await json(await apiGet(fx, "/api/v1/api-keys")), "canCreate"), true, "admins still may");
    await bob.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
    await bob.getByRole("heading", { name: "API keys" }).waitFor();
    const note = bob.getByTestId("api-keys-self-service-off");
    await note.waitFor();
    assert.equal(
      (await note.textContent())?.trim(),
      "An admin has turned off creating your own API keys; ask an admin for one.",
    );
    assert.equal(await bob.getByRole("form", { name: "Create an API key" }).count(), 0, "no create form");
    assert.match(message, /turned off creating your own API keys/, "the server refuses a POST all the same");
    await screenshot(bob, "api-keys-self-service-off");

    const row = page.locator('[data-testid="user-row"][data-username="bob"]');
    await row.getByRole("button", { name: "API keys" }).click();
    const issue = page.getByRole("form", { name: "Create an API key for bob" });
    await issue.getByLabel("New key name for bob").fill("issued by admin");
    await issue.getByRole("button", { name: "Create API key" }).click();
    const key = await shownKey(page);
    assert.deepEqual(await viewerWith(fx, key), { status: 200, username: "bob" });
    await page.getByRole("table", { name: "Keys of bob" }).getByText("issued by admin").waitFor();
    await screenshot(page, "system-admin-users");

    assert.deepEqual(bobBrowser.pageErrors, [], "no uncaught JavaScript error (bob)");
  });

  test("the users page invites to the server without a team, and revokes the invitation", {
    timeout: 120_000,
  }, async () => {
    const { page } = fx;
    const invite = page.getByRole("form", { name: "Invite by email" });
    assert.equal(await invite.getByLabel("Role").count(), 0, "roles are per team: none without one");
    await invite.getByLabel("Email").fill("dave@example.com");
    await invite.getByRole("button", { name: "Invite" }).click();
    const link = ((await page.getByTestId("invitation-link").textContent()) ?? "").trim();
    assert.ok(link.startsWith(`${fx.server.server.publicUrl}/invite/`), link);
    const row = page
      .getByRole("table", { name: "Pending invitations" })
      .locator('[data-testid="invitation-row"][data-email="dave@example.com"]');
    await row.waitFor();
    assert.match((await row.textContent()) ?? "", /—\s*member/, "no team, the role member");
    await screenshot(page, "system-admin-users-invitation");

    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke invitation of dave@example.com" }).click();
    await row.waitFor({ state: "detached" });
    const token = new URL(link).pathname.split("/").pop() ?? "";
    assert.equal((await fetch(`${fx.url}/api/v1/invitations/by-token/${token}`)).status, 404);
    assert.deepEqual(await json(await apiGet(fx, "/api/v1/invitations")), { invitations: [] });
    assert.deepEqual(fx.browser.pageErrors, [], "no uncaught JavaScript error (admin)");
  });
});
