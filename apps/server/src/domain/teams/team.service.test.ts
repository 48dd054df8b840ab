/** TeamService on a real SQLite store: who may do what, the audit entries, and service accounts' keys. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AppError } from "@ballast/core";
import type { UserRecord } from "../../stores/records.ts";
import { createSqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import { AccessService } from "../access/access.service.ts";
import { AuditService } from "../audit/audit.service.ts";
import { IdentityService } from "../identity/identity.service.ts";
import type { Stores } from "../services.ts";
import { TeamService } from "./team.service.ts";

const code = (expected: string) => (error: unknown) => error instanceof AppError && error.code === expected;

describe("TeamService (real SQLite)", () => {
  const fx = createSqliteFixture("team-service");
  const stores = { ...fx, objects: undefined as never } as unknown as Stores;
  const identity = new IdentityService(stores);
  const audit = new AuditService(fx.audit);
  const teams = new TeamService(stores, new AccessService(stores), identity, audit);
  let root: UserRecord;
  let alice: UserRecord;
  let bob: UserRecord;
  let carol: UserRecord;
  after(() => fx.close());
  before(async () => {
    root = await identity.createUser({ username: "root", email: "root@x.io", isAdmin: true });
    alice = await identity.createUser({ username: "alice", email: "alice@x.io", isAdmin: false });
    bob = await identity.createUser({ username: "bob", email: "bob@x.io", isAdmin: false });
    carol = await identity.createUser({ username: "carol", email: "carol@x.io", isAdmin: false });
  });
  const as = (user: UserRecord) => ({ user, address: "10.0.0.9" });
  const actions = async () =>
    (await audit.list({})).entries.map((e) => `${e.action} ${e.actor?.username} ${e.target}`);

  it("only instance admins create teams; the named first admin gets the role", async () => {
    await assert.rejects(teams.create(as(alice), { name: "vision" }), code("PERMISSION_DENIED"));
    await teams.create(as(root), { name: "vision", adminUsername: "alice" });
    assert.equal((await teams.get(alice, "vision")).role, "admin");
    await assert.rejects(teams.create(as(root), { name: "Bad Name" }), code("INVALID_ARGUMENT"));
    await assert.rejects(
      teams.create(as(root), { name: "teams" }),
      code("INVALID_ARGUMENT"),
      "a reserved name",
    );
    assert.deepEqual(
      (await teams.list(alice)).map((t) => [t.team.name, t.role]),
      [["vision", "admin"]],
    );
    assert.deepEqual(await teams.list(bob), []);
    assert.deepEqual(
      (await teams.list(root)).map((t) => [t.team.name, t.role]),
      [["vision", undefined]],
    );
  });

  it("team admins manage members; members and viewers do not; a member may leave", async () => {
    await teams.addMember(as(alice), "vision", "bob", "viewer");
    await assert.rejects(teams.addMember(as(bob), "vision", "carol", "member"), code("PERMISSION_DENIED"));
    await assert.rejects(teams.addMember(as(alice), "vision", "bob", "member"), code("ALREADY_EXISTS"));
    await teams.changeRole(as(alice), "vision", "bob", "member");
    await assert.rejects(teams.changeRole(as(bob), "vision", "bob", "admin"), code("PERMISSION_DENIED"));
    await assert.rejects(teams.removeMember(as(bob), "vision", "alice"), code("PERMISSION_DENIED"));
    await assert.rejects(teams.get(carol, "vision"), code("PERMISSION_DENIED"));
    await teams.addMember(as(root), "vision", "carol", "viewer");
    assert.equal((await teams.get(carol, "vision")).canManage, false);
    await teams.removeMember(as(carol), "vision", "carol");
    await assert.rejects(teams.get(carol, "vision"), code("PERMISSION_DENIED"));
    await assert.rejects(
      teams.changeRole(as(alice), "vision", "alice", "member"),
      code("FAILED_PRECONDITION"),
    );
    const log = await actions();
    for (const line of [
      "team.created root alice",
      "team.member_added alice bob",
      "team.role_changed alice bob",
      "team.member_added root carol",
      "team.member_removed carol carol",
    ]) {
      assert.ok(log.includes(line), `${line} in ${log}`);
    }
  });

  it("service accounts: created with a working key, keys managed by admins, deletion revokes", async () => {
    await assert.rejects(
      teams.createServiceAccount(as(bob), "vision", { name: "vision-ci", role: "member" }),
      code("PERMISSION_DENIED"),
    );
    await assert.rejects(
      teams.createServiceAccount(as(alice), "vision", { name: "vision-ci", role: "admin" }),
      code("INVALID_ARGUMENT"),
    );
    const { account, key } = await teams.createServiceAccount(as(alice), "vision", {
      name: "vision-ci",
      role: "member",
    });
    assert.equal((await identity.authenticate(key.key))?.username, "vision-ci");
    await assert.rejects(identity.issueOwnApiKey(account, "mine"), code("PERMISSION_DENIED"));
    assert.equal(await identity.mayIssueOwnApiKey(account), false, "a service account never makes its own");
    const second = await teams.createServiceAccountKey(as(alice), "vision", "vision-ci", "nightly");
    assert.deepEqual(
      (await teams.serviceAccountKeys(alice, "vision", "vision-ci")).map((k) => k.name).sort(),
      ["default", "nightly"],
    );
    await teams.revokeServiceAccountKey(as(alice), "vision", "vision-ci", second.id);
    assert.equal(await identity.authenticate(second.key), undefined);
    await assert.rejects(teams.delete(as(root), "vision"), code("FAILED_PRECONDITION"));
    await teams.deleteServiceAccount(as(alice), "vision", "vision-ci");
    assert.equal(await identity.authenticate(key.key), undefined);
    const log = await actions();
    assert.ok(log.includes("service_account.created alice vision-ci"), String(log));
    assert.ok(log.includes("api_key.created alice vision-ci"), String(log));
    assert.ok(log.includes("api_key.revoked alice vision-ci"), String(log));
    assert.ok(log.includes("service_account.deleted alice vision-ci"), String(log));
  });

  it("self-service keys can be turned off for everyone but instance admins", async () => {
    await identity.setApiKeySelfService(false);
    assert.equal(await identity.mayIssueOwnApiKey(bob), false);
    assert.equal(await identity.mayIssueOwnApiKey(root), true);
    await assert.rejects(identity.issueOwnApiKey(bob, "laptop"), code("PERMISSION_DENIED"));
    assert.ok((await identity.issueOwnApiKey(root, "ops")).key.startsWith("local-"));
    await identity.setApiKeySelfService(true);
    assert.equal(await identity.mayIssueOwnApiKey(bob), true);
    assert.ok((await identity.issueOwnApiKey(bob, "laptop")).key.startsWith("local-"));
  });

  it("just-in-time users: one per identity, named from the provider, unique", async () => {
    const first = await identity.provisionExternalUser({
      provider: "ldap",
      subject: "uid=alice,ou=people,dc=x",
      email: "alice@corp.io",
      username: "alice",
    });
    assert.equal(first.username, "alice-2", "alice is taken");
    const again = await identity.provisionExternalUser({
      provider: "ldap",
      subject: "uid=alice,ou=people,dc=x",
      email: "changed@corp.io",
    });
    assert.equal(again.id, first.id);
    const fromEmail = await identity.provisionExternalUser({
      provider: "oidc:https://idp",
      subject: "42",
      email: "Dana.Scully+x@fbi.gov",
    });
    assert.equal(fromEmail.username, "dana-scully-x");
    const reserved = await identity.provisionExternalUser({
      provider: "ldap",
      subject: "uid=api",
      email: "a@x.io",
      username: "api",
    });
    assert.equal(reserved.username, "api-2", "a reserved name is skipped like a taken one");
    await assert.rejects(
      identity.provisionExternalUser({ provider: "oidc:https://idp", subject: "43", email: "not-an-email" }),
      code("INVALID_ARGUMENT"),
    );
  });
});
