/**
 * The TeamRepository contract, run on every engine: SQLite from sqlite/team.repository.test.ts,
 * MySQL (MariaDB) from e2e/mysql-identity.e2e.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@ballast/core";
import type { FixtureFactory } from "./store-fixture.ts";

const code = (expected: string) => (error: unknown) => error instanceof AppError && error.code === expected;

export function teamRepositoryContract(label: string, make: FixtureFactory<"identity" | "teams">): void {
  describe(`TeamRepository contract: ${label}`, () => {
    it("creates teams with an admin, manages roles and keeps one admin", async () => {
      const fx = await make();
      try {
        const { identity, teams } = fx;
        const ada = await identity.createUser({ username: "ada", email: "ada@x", isAdmin: false, now: 1 });
        const bob = await identity.createUser({ username: "bob", email: "Bob@X", isAdmin: false, now: 1 });
        const team = await teams.createTeam({ name: "vision", adminUserId: ada.id, now: 2 });
        assert.equal(team.kind, "team");
        assert.deepEqual({ ...(await identity.findEntityByName("vision")) }, { ...team });
        await assert.rejects(
          teams.createTeam({ name: "bob", adminUserId: ada.id, now: 2 }),
          code("ALREADY_EXISTS"),
        );
        await assert.rejects(
          teams.createTeam({ name: "vision", adminUserId: bob.id, now: 2 }),
          code("ALREADY_EXISTS"),
        );
        assert.deepEqual(
          (await teams.listTeams()).map((t) => t.name),
          ["vision"],
        );

        await teams.setMemberRole(team.id, bob.id, "viewer");
        assert.equal(await identity.memberRole(team.id, bob.id), "viewer");
        assert.deepEqual(
          (await teams.listMembers(team.id)).map((m) => [m.user.username, m.role]),
          [
            ["ada", "admin"],
            ["bob", "viewer"],
          ],
        );
        assert.equal(await teams.changeRole(team.id, bob.id, "member"), true);
        assert.equal(await identity.memberRole(team.id, bob.id), "member");
        // The only admin can be neither demoted nor removed; once bob is admin too, both can.
        await assert.rejects(teams.changeRole(team.id, ada.id, "member"), code("FAILED_PRECONDITION"));
        await assert.rejects(teams.removeMember(team.id, ada.id), code("FAILED_PRECONDITION"));
        assert.equal(await identity.memberRole(team.id, ada.id), "admin");
        await teams.changeRole(team.id, bob.id, "admin");
        assert.equal(await teams.removeMember(team.id, ada.id), true);
        assert.equal(await identity.memberRole(team.id, ada.id), undefined);
        assert.equal(await teams.removeMember(team.id, ada.id), false);
        assert.equal(await teams.changeRole(team.id, ada.id, "viewer"), false);

        // Only empty teams are deleted.
        await identity.getOrCreateProject(team.id, "p", 3);
        assert.equal(await teams.deleteTeam(team.id), false);
        const empty = await teams.createTeam({ name: "empty", adminUserId: ada.id, now: 4 });
        assert.equal(await teams.deleteTeam(empty.id), true);
        assert.equal(await identity.findEntityByName("empty"), undefined);
      } finally {
        await fx.close();
      }
    });

    it("service accounts belong to their team, are listed apart and lose keys when deleted", async () => {
      const fx = await make();
      try {
        const { identity, teams } = fx;
        const ada = await identity.createUser({ username: "ada", email: "ada@x", isAdmin: false, now: 1 });
        const team = await teams.createTeam({ name: "nlp", adminUserId: ada.id, now: 2 });
        const bot = await teams.createServiceAccount({
          entityId: team.id,
          username: "nlp-ci",
          email: "nlp-ci@service-account.invalid",
          role: "member",
          createdBy: ada.id,
          now: 3,
        });
        assert.equal(bot.accountType, "service");
        assert.equal(bot.defaultEntityName, "nlp");
        assert.equal(ada.accountType, "user");
        assert.equal(await identity.memberRole(team.id, bot.id), "member");
        assert.equal(await identity.findEntityByName("nlp-ci"), undefined, "no personal entity");
        await assert.rejects(
          teams.createServiceAccount({
            entityId: team.id,
            username: "ada",
            email: "e@x",
            role: "member",
            createdBy: ada.id,
            now: 3,
          }),
          code("ALREADY_EXISTS"),
        );
        // A person cannot take a service account's name either.
        await assert.rejects(
          identity.createUser({ username: "nlp-ci", email: "e@x", isAdmin: false, now: 3 }),
          code("ALREADY_EXISTS"),
        );
        const listed = await teams.listServiceAccounts(team.id);
        assert.deepEqual(
          listed.map((s) => [s.user.username, s.role, s.createdBy, s.createdAt]),
          [["nlp-ci", "member", "ada", 3]],
        );
        assert.deepEqual(
          (await teams.listMembers(team.id)).map((m) => m.user.username),
          ["ada"],
        );
        assert.deepEqual(
          (await teams.listUsers()).map((u) => u.username),
          ["ada"],
        );

        await identity.insertApiKey({
          userId: bot.id,
          keyHash: "a".repeat(64),
          keyPrefix: "local-aaaa",
          name: "ci",
          now: 4,
        });
        assert.equal((await identity.findUserByApiKeyHash("a".repeat(64)))?.user.accountType, "service");
        assert.equal(await teams.deleteServiceAccount(team.id, bot.id, 5), true);
        assert.equal(await identity.findUserByApiKeyHash("a".repeat(64)), undefined);
        assert.equal(await identity.memberRole(team.id, bot.id), undefined);
        assert.deepEqual(await teams.listServiceAccounts(team.id), []);
        assert.equal(await teams.deleteServiceAccount(team.id, bot.id, 6), false);
        assert.equal(
          await teams.deleteTeam(team.id),
          false,
          "a team that had service accounts keeps its entity",
        );
      } finally {
        await fx.close();
      }
    });

    it("links users to sign-in identities, finds users by id and email, sets instance admins", async () => {
      const fx = await make();
      try {
        const { identity, teams } = fx;
        const carol = await teams.createUserWithIdentity({
          provider: "oidc:https://idp.example",
          subject: "sub-1",
          username: "carol",
          email: "Carol@Example.com",
          now: 1,
        });
        assert.equal(carol.isAdmin, false);
        assert.equal(await identity.memberRole(carol.defaultEntityId, carol.id), "admin");
        assert.equal((await teams.findUserByIdentity("oidc:https://idp.example", "sub-1"))?.id, carol.id);
        assert.equal(await teams.findUserByIdentity("oidc:https://idp.example", "sub-2"), undefined);
        assert.equal(await teams.findUserByIdentity("ldap", "sub-1"), undefined);
        assert.deepEqual(await teams.identityProvidersOf(carol.id), ["oidc:https://idp.example"]);
        await assert.rejects(
          teams.createUserWithIdentity({
            provider: "oidc:https://idp.example",
            subject: "sub-1",
            username: "carol2",
            email: "c@x",
            now: 2,
          }),
          code("ALREADY_EXISTS"),
        );
        assert.equal(await identity.findUserByUsername("carol2"), undefined, "nothing half-made");
        await assert.rejects(
          teams.createUserWithIdentity({
            provider: "ldap",
            subject: "uid=x",
            username: "carol",
            email: "c@x",
            now: 2,
          }),
          code("ALREADY_EXISTS"),
        );
        assert.equal(await teams.findUserByIdentity("ldap", "uid=x"), undefined, "nothing half-made");

        assert.deepEqual(
          (await teams.findUsersByEmail("carol@example.COM")).map((u) => u.id),
          [carol.id],
        );
        assert.equal((await teams.findUserById(carol.id))?.username, "carol");
        assert.equal(await teams.findUserById(999_999), undefined);
        await teams.setInstanceAdmin(carol.id, true);
        assert.equal((await teams.findUserById(carol.id))?.isAdmin, true);

        // Deactivation: flagged on every read of the user, sessions ended; reactivation undoes the flag.
        await identity.insertSession({
          idHash: "s".repeat(64),
          userId: carol.id,
          csrfToken: "t",
          now: 1,
          expiresAt: 9e12,
        });
        await identity.insertApiKey({
          userId: carol.id,
          keyHash: "c".repeat(64),
          keyPrefix: "local-cccc",
          name: "k",
          now: 1,
        });
        assert.equal(
          await teams.setDeactivated({ userId: carol.id, deactivated: true, by: carol.id, now: 2 }),
          true,
        );
        assert.equal(
          await teams.setDeactivated({ userId: carol.id, deactivated: true, by: carol.id, now: 3 }),
          false,
        );
        assert.equal((await teams.findUserById(carol.id))?.deactivated, true);
        assert.equal((await identity.findUserByApiKeyHash("c".repeat(64)))?.user.deactivated, true);
        assert.equal(await identity.findSession("s".repeat(64), 5), undefined, "its sessions ended");
        assert.equal(
          await teams.setDeactivated({ userId: carol.id, deactivated: false, by: carol.id, now: 4 }),
          true,
        );
        assert.equal(
          await teams.setDeactivated({ userId: carol.id, deactivated: false, by: carol.id, now: 4 }),
          false,
        );
        assert.equal((await identity.findUserByUsername("carol"))?.deactivated, false);
      } finally {
        await fx.close();
      }
    });
  });
}
