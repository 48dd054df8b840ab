import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { isAppError } from "@ballast/core";
import { createSqliteFixture, type SqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import { AuthService } from "./auth.service.ts";

const refusedWith = (code: string) => (error: unknown) => {
  assert.ok(isAppError(error), String(error));
  assert.equal(error.code, code, error.message);
  return true;
};

describe("AuthService", () => {
  let fixture: SqliteFixture;
  let clock: number;
  let auth: AuthService;

  beforeEach(() => {
    fixture = createSqliteFixture("auth");
    clock = Date.UTC(2026, 0, 1);
    auth = new AuthService({ identity: fixture.identity }, { sessionLengthHours: 2, now: () => clock });
  });
  afterEach(() => fixture.close());

  const setup = (token: string, username = "root") =>
    auth.completeSetup({ token, username, email: `${username}@example.com`, password: "first-admin-pw" });

  it("offers setup once: a wrong token is refused, the right one creates an admin, then nothing more", async () => {
    assert.equal(await auth.setupRequired(), true);
    const token = await auth.prepareSetup();
    assert.match(token ?? "", /^[0-9a-f]{32}$/);
    await assert.rejects(setup("0".repeat(32)), refusedWith("SETUP_TOKEN_INVALID"));
    await assert.rejects(setup("not a token"), refusedWith("SETUP_TOKEN_INVALID"));
    const signedIn = await setup(token ?? "");
    assert.equal(signedIn.user.username, "root");
    assert.equal(signedIn.user.isAdmin, true);
    assert.equal((await auth.session(signedIn.sessionId))?.user.id, signedIn.user.id);
    assert.equal(await auth.setupRequired(), false);
    await assert.rejects(setup(token ?? "", "other"), refusedWith("SETUP_COMPLETE"));
    assert.equal(await auth.prepareSetup(), undefined, "no token once a password exists");
    assert.equal(await fixture.identity.getSetting("setup_token_sha256"), undefined);
  });

  it("a new start's token replaces the previous one", async () => {
    const first = await auth.prepareSetup();
    const second = await auth.prepareSetup();
    assert.notEqual(first, second);
    await assert.rejects(setup(first ?? ""), refusedWith("SETUP_TOKEN_INVALID"));
    await setup(second ?? "");
  });

  it("setup with the name of the first start's admin gives that user its password", async () => {
    const admin = await fixture.identity.createUser({
      username: "admin",
      email: "admin@localhost",
      isAdmin: true,
      now: 1,
    });
    const signedIn = await setup((await auth.prepareSetup()) ?? "", "admin");
    assert.equal(signedIn.user.id, admin.id);
    assert.equal(signedIn.user.email, "admin@example.com");
    assert.equal((await fixture.identity.findUserByUsername("admin"))?.email, "admin@example.com");
    assert.equal((await auth.signIn("admin", "first-admin-pw")).user.id, admin.id);
  });

  it("setup refuses a non-admin's name and invalid input without using up the token", async () => {
    await fixture.identity.createUser({ username: "carol", email: "c@example.com", isAdmin: false, now: 1 });
    const token = (await auth.prepareSetup()) ?? "";
    await assert.rejects(setup(token, "carol"), refusedWith("ALREADY_EXISTS"));
    await assert.rejects(setup(token, "Bad Name"), refusedWith("INVALID_ARGUMENT"));
    await assert.rejects(
      auth.completeSetup({ token, username: "root", email: "r@example.com", password: "short" }),
      refusedWith("INVALID_ARGUMENT"),
    );
    assert.equal(await auth.setupRequired(), true);
    await setup(token);
  });

  it("signs in with the password, and answers an unknown user and a wrong password alike", async () => {
    const user = await fixture.identity.createUser({
      username: "dave",
      email: "d@example.com",
      isAdmin: false,
      now: 1,
    });
    await fixture.identity.createUser({ username: "erin", email: "e@example.com", isAdmin: false, now: 1 });
    await auth.setPassword("dave", "dave's password");
    const messages: string[] = [];
    for (const [username, password] of [
      ["dave", "wrong password"],
      ["nobody", "dave's password"],
      ["erin", "dave's password"], // a user without a password
    ] as const) {
      await assert.rejects(auth.signIn(username, password), (error) => {
        refusedWith("INVALID_CREDENTIALS")(error);
        messages.push((error as Error).message);
        return true;
      });
    }
    assert.equal(new Set(messages).size, 1, "one message for every failure");
    const signedIn = await auth.signIn("Dave ", "dave's password");
    assert.equal(signedIn.user.id, user.id);
    assert.match(signedIn.sessionId, /^[A-Za-z0-9_-]{43}$/);
    assert.match(signedIn.csrfToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(signedIn.expiresAt, clock + 2 * 3600 * 1000);
  });

  it("stores only a digest of the session id, and sessions end at expiry and on sign-out", async () => {
    await fixture.identity.createUser({ username: "dave", email: "d@example.com", isAdmin: false, now: 1 });
    await auth.setPassword("dave", "dave's password");
    const a = await auth.signIn("dave", "dave's password");
    const b = await auth.signIn("dave", "dave's password");
    const stored = fixture.db.all<{ id_hash: string }>("SELECT id_hash FROM sessions").map((r) => r.id_hash);
    assert.deepEqual(
      stored.sort(),
      [a.sessionId, b.sessionId].map((id) => createHash("sha256").update(id).digest("hex")).sort(),
    );
    assert.equal(await auth.session("x".repeat(43)), undefined);
    assert.equal(await auth.session(""), undefined);

    await auth.signOut(a.sessionId);
    assert.equal(await auth.session(a.sessionId), undefined);
    assert.ok(await auth.session(b.sessionId));
    clock += 2 * 3600 * 1000 - 1;
    assert.ok(await auth.session(b.sessionId), "alive until the last millisecond");
    clock += 1;
    assert.equal(await auth.session(b.sessionId), undefined, "expired");
    await auth.signIn("dave", "dave's password"); // a new session sweeps the expired rows
    assert.equal(fixture.db.all("SELECT 1 AS x FROM sessions").length, 1);
  });

  it("setting a password signs the user's sessions out", async () => {
    await fixture.identity.createUser({ username: "dave", email: "d@example.com", isAdmin: false, now: 1 });
    await auth.setPassword("dave", "first password");
    const before = await auth.signIn("dave", "first password");
    await auth.setPassword("dave", "second password");
    assert.equal(await auth.session(before.sessionId), undefined);
    await assert.rejects(auth.signIn("dave", "first password"), refusedWith("INVALID_CREDENTIALS"));
    await auth.signIn("dave", "second password");
    await assert.rejects(auth.setPassword("dave", "1234567"), refusedWith("INVALID_ARGUMENT"));
    await assert.rejects(auth.setPassword("nobody", "long enough"), refusedWith("NOT_FOUND"));
  });

  it("refuses sign-in for a while after repeated wrong passwords, even with the right one", async () => {
    await fixture.identity.createUser({ username: "dave", email: "d@example.com", isAdmin: false, now: 1 });
    await auth.setPassword("dave", "dave's password");
    for (let i = 0; i < 10; i++) {
      await assert.rejects(
        auth.signIn("dave", `guess ${i}`, "192.0.2.7"),
        refusedWith("INVALID_CREDENTIALS"),
      );
    }
    await assert.rejects(
      auth.signIn("Dave", "dave's password", "198.51.100.1"),
      refusedWith("TOO_MANY_ATTEMPTS"),
    );
    clock += 15 * 60_000;
    await auth.signIn("dave", "dave's password", "198.51.100.1");
  });

  it("checks the CSRF token of a session", async () => {
    await fixture.identity.createUser({ username: "dave", email: "d@example.com", isAdmin: false, now: 1 });
    await auth.setPassword("dave", "dave's password");
    const signedIn = await auth.signIn("dave", "dave's password");
    const other = await auth.signIn("dave", "dave's password");
    const session = await auth.session(signedIn.sessionId);
    assert.ok(session);
    auth.checkCsrf(session, signedIn.csrfToken);
    assert.throws(() => auth.checkCsrf(session, undefined), refusedWith("CSRF_TOKEN_INVALID"));
    assert.throws(() => auth.checkCsrf(session, ""), refusedWith("CSRF_TOKEN_INVALID"));
    assert.throws(() => auth.checkCsrf(session, other.csrfToken), refusedWith("CSRF_TOKEN_INVALID"));
    assert.throws(() => auth.checkCsrf(session, `${signedIn.csrfToken}x`), refusedWith("CSRF_TOKEN_INVALID"));
  });
});
