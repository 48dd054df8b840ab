/**
 * LDAP sign-in through POST /api/v1/session (docs/auth.md, "LDAP"): just-in-time users from the
 * directory, the group allow-list (memberOf, groupOfNames, posixGroup by memberUid and by primary
 * gidNumber), refusals that look like a wrong password (and are audited with their reason),
 * injection-looking names, ldaps:// and StartTLS with the configured CA (and refused with another),
 * the local admin's own password, and 503 while the directory is down.
 *
 * Real: OpenLDAP's slapd (e2e/support/slapd.ts) with TLS, Ballast in-process on port 0 with SQLite.
 * Mocked: nothing.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startTestServer, type TestServer } from "./support/api.ts";
import { makeCertificates } from "./support/redis.ts";
import { type Slapd, startSlapd } from "./support/slapd.ts";

interface Answer {
  status: number;
  body: Record<string, unknown>;
  setCookie: string | null;
}

async function call(
  test: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; auth?: string; cookie?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.auth !== undefined) headers.authorization = options.auth;
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  const response = await fetch(`${test.server.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
    setCookie: response.headers.get("set-cookie"),
  };
}

const signIn = (test: TestServer, username: string, password: string) =>
  call(test, "POST", "/api/v1/session", { body: { username, password } });

const errorOf = (answer: Answer) => answer.body.error as { code?: string; message?: string } | undefined;
const userOf = (answer: Answer) =>
  answer.body.user as { id: number; username: string; email: string; isAdmin: boolean } | undefined;

function assertRefused(answer: Answer, what: string): void {
  assert.equal(answer.status, 401, `${what}: ${JSON.stringify(answer.body)}`);
  assert.equal(errorOf(answer)?.code, "INVALID_CREDENTIALS", what);
  // Every refusal reads like a wrong password: nothing tells which check failed.
  assert.equal(errorOf(answer)?.message, "The username or password is not correct.", what);
  assert.equal(answer.setCookie, null, what);
}

const PASSWORDS = {
  ada: "ada's directory password",
  bob: "bob-password-1",
  carol: "carol-password-1",
  frank: "frank-password-1",
  nomail: "nomail-password-1",
};

let slapd: Slapd;
let otherCa: string;
let otherCaDir: string;
const servers: TestServer[] = [];

async function ballast(env: Record<string, string>): Promise<TestServer> {
  const test = await startTestServer({ LDAP_BASE_DN: slapd.baseDn, ...env });
  servers.push(test);
  return test;
}

before(async () => {
  slapd = await startSlapd({
    users: [
      { uid: "ada", password: PASSWORDS.ada, mail: "ada@example.com" },
      { uid: "bob", password: PASSWORDS.bob, mail: "bob@example.com" },
      { uid: "carol", password: PASSWORDS.carol, mail: "carol@example.com" },
      { uid: "frank", password: PASSWORDS.frank, mail: "frank@example.com", gidNumber: 7000 },
      { uid: "nomail", password: PASSWORDS.nomail },
    ],
    groups: [
      { cn: "ml", kind: "groupOfNames", members: ["ada", "nomail"] },
      { cn: "sales", kind: "groupOfNames", members: ["bob"] },
      { cn: "research", kind: "posixGroup", members: ["carol"] },
      { cn: "ops", kind: "posixGroup", members: [], gidNumber: 7000 },
    ],
  });
  otherCaDir = await mkdtemp(join(tmpdir(), "ballast-other-ca-"));
  otherCa = (await makeCertificates(otherCaDir)).ca;
});

after(async () => {
  for (const test of servers) await test.close();
  await slapd?.dispose();
  if (otherCaDir) await rm(otherCaDir, { recursive: true, force: true });
});

describe("LDAP sign-in with a group allow-list (ldap://, service account)", () => {
  let test: TestServer;

  before(async () => {
    test = await ballast({
      LDAP_ADDRESS: slapd.url,
      LDAP_BIND_DN: slapd.bindDn,
      LDAP_BIND_PW: slapd.bindPassword,
      LDAP_ATTRIBUTES: "email=mail,group=memberOf",
      // A full DN (cut apart by the comma split and rebuilt) and two plain group names.
      LDAP_GROUP_ALLOW_LIST: `${slapd.groupDn("ml")},research,ops`,
    });
  });

  it("says LDAP is offered", async () => {
    const session = await call(test, "GET", "/api/v1/session");
    assert.deepEqual((session.body.signIn as { ldap?: boolean }).ldap, true);
  });

  it("signs in a user of an allowed group, created just in time with the directory's email", async () => {
    const first = await signIn(test, "ada", PASSWORDS.ada);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      { ...userOf(first), id: undefined },
      { id: undefined, username: "ada", email: "ada@example.com", isAdmin: false },
    );
    const cookie = /^ballast_session=[^;]+/.exec(first.setCookie ?? "")?.[0];
    assert.ok(cookie, first.setCookie ?? "no cookie");
    const session = await call(test, "GET", "/api/v1/session", { cookie });
    assert.equal(userOf(session)?.username, "ada");

    // The second sign-in (the name typed in another case) is the same Ballast user.
    const second = await signIn(test, "ADA", PASSWORDS.ada);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(userOf(second)?.id, userOf(first)?.id);
  });

  it("admits posixGroup members by memberUid and by their primary gidNumber", async () => {
    const carol = await signIn(test, "carol", PASSWORDS.carol);
    assert.equal(carol.status, 200, JSON.stringify(carol.body));
    assert.equal(userOf(carol)?.email, "carol@example.com");
    const frank = await signIn(test, "frank", PASSWORDS.frank);
    assert.equal(frank.status, 200, JSON.stringify(frank.body));
  });

  it("refuses a user in no allowed group, a wrong, an empty password, an unknown user and an entry without email", async () => {
    assertRefused(await signIn(test, "bob", PASSWORDS.bob), "bob (only in sales)");
    assertRefused(await signIn(test, "ada", "not ada's password"), "wrong password");
    assertRefused(await signIn(test, "ada", ""), "empty password");
    assertRefused(await signIn(test, "nobody", "whatever-1"), "unknown user");
    assertRefused(await signIn(test, "nomail", PASSWORDS.nomail), "no mail attribute");
  });

  it("refuses LDAP-injection-looking names", async () => {
    for (const name of ["*", "admin)(uid=*", "ada)(|(uid=*", "a*", "*)(objectClass=*"]) {
      assertRefused(await signIn(test, name, PASSWORDS.ada), name);
    }
    assertRefused(await signIn(test, "*", ""), "* with an empty password");
  });

  it("created none of the refused users, and linked the admitted ones to their directory entries", async () => {
    const listed = await call(test, "GET", "/api/v1/users", { auth: test.auth });
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const users = listed.body.users as { username: string; signIn: unknown }[];
    const names = users.map((u) => u.username).sort();
    assert.deepEqual(names, ["ada", "admin", "carol", "frank"]);
    assert.match(JSON.stringify(users.find((u) => u.username === "ada")?.signIn), /ldap/);
  });

  it("records sign-ins and refusals, with the reason and never the password, in the audit log", async () => {
    const log = await call(test, "GET", "/api/v1/audit-log?limit=1000", { auth: test.auth });
    assert.equal(log.status, 200, JSON.stringify(log.body));
    const entries = log.body.entries as {
      action: string;
      actor: { username: string } | null;
      target: string | null;
      detail: Record<string, unknown>;
      address: string | null;
    }[];
    const signedIn = entries.filter((e) => e.action === "user.sign_in" && e.detail.method === "ldap");
    assert.deepEqual(signedIn.map((e) => e.actor?.username).sort(), ["ada", "ada", "carol", "frank"]);
    const reasons = (target: string) =>
      entries
        .filter((e) => e.action === "user.sign_in_failed" && e.target === target)
        .map((e) => e.detail.reason)
        .sort();
    assert.deepEqual(reasons("bob"), ["not_in_allowed_group"]);
    assert.deepEqual(reasons("ada"), ["empty_password", "wrong_password"]);
    assert.deepEqual(reasons("nobody"), ["unknown_user"]);
    assert.deepEqual(reasons("nomail"), ["no_email"]);
    assert.deepEqual(reasons("*"), ["empty_password", "unknown_user"]);
    const signIns = entries.filter((e) => e.action.startsWith("user.sign_in"));
    assert.ok(
      signIns.length >= 12 && signIns.every((e) => e.address === "127.0.0.1"),
      JSON.stringify(signIns),
    );
    const text = JSON.stringify(entries);
    for (const password of Object.values(PASSWORDS))
      assert.ok(!text.includes(password), "a password in the log");
  });

  it("still signs in the local admin with its local password", async () => {
    const token = test.server.setupToken;
    assert.ok(token);
    const setup = await call(test, "POST", "/api/v1/setup", {
      body: { token, username: "admin", email: "admin@example.org", password: "local admin password" },
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const local = await signIn(test, "admin", "local admin password");
    assert.equal(local.status, 200, JSON.stringify(local.body));
    assert.equal(userOf(local)?.isAdmin, true);
    assertRefused(await signIn(test, "admin", "wrong admin password"), "admin, wrong password");
  });

  it("answers 503, not 401, while the directory is down, and recovers", async () => {
    await slapd.stop();
    try {
      const down = await signIn(test, "ada", PASSWORDS.ada);
      assert.equal(down.status, 503, JSON.stringify(down.body));
      assert.equal(errorOf(down)?.code, "UNAVAILABLE");
    } finally {
      await slapd.start();
    }
    const back = await signIn(test, "ada", PASSWORDS.ada);
    assert.equal(back.status, 200, JSON.stringify(back.body));
  });

  it("answers 503 within the timeout when the directory hangs", async () => {
    slapd.freeze();
    try {
      const started = Date.now();
      const hung = await signIn(test, "carol", PASSWORDS.carol);
      assert.equal(hung.status, 503, JSON.stringify(hung.body));
      assert.ok(Date.now() - started < 16_000, `took ${Date.now() - started} ms`);
    } finally {
      slapd.thaw();
    }
  });
});

describe("LDAP over TLS (anonymous bind, no allow-list)", () => {
  it("signs in over ldaps:// with the configured CA; without an allow-list any directory user may", async () => {
    const test = await ballast({ LDAP_ADDRESS: slapd.ldapsUrl, LDAP_TLS_CA_CERT_PATH: slapd.caCertPath });
    const ada = await signIn(test, "ada", PASSWORDS.ada);
    assert.equal(ada.status, 200, JSON.stringify(ada.body));
    const bob = await signIn(test, "bob", PASSWORDS.bob);
    assert.equal(bob.status, 200, JSON.stringify(bob.body));
    assertRefused(await signIn(test, "bob", "wrong-password"), "wrong password over ldaps");
  });

  it("signs in over ldap:// upgraded with StartTLS when LDAP_TLS_ENABLE is true", async () => {
    const test = await ballast({
      LDAP_ADDRESS: slapd.url,
      LDAP_TLS_ENABLE: "true",
      LDAP_TLS_CA_CERT_PATH: slapd.caCertPath,
    });
    const ada = await signIn(test, "ada", PASSWORDS.ada);
    assert.equal(ada.status, 200, JSON.stringify(ada.body));
  });

  it("refuses to talk to a server whose certificate another CA signed (503, never signed in)", async () => {
    for (const env of [
      { LDAP_ADDRESS: slapd.ldapsUrl, LDAP_TLS_CA_CERT_PATH: otherCa },
      { LDAP_ADDRESS: slapd.url, LDAP_TLS_ENABLE: "true", LDAP_TLS_CA_CERT_PATH: otherCa },
      // No CA configured: the system's CAs do not know the test CA either.
      { LDAP_ADDRESS: slapd.ldapsUrl },
    ]) {
      const test = await ballast(env);
      const answer = await signIn(test, "ada", PASSWORDS.ada);
      assert.equal(answer.status, 503, `${JSON.stringify(env)}: ${JSON.stringify(answer.body)}`);
      assert.equal(errorOf(answer)?.code, "UNAVAILABLE");
    }
  });
});
