/**
 * The IdentityRepository contract, run on every engine: SQLite from
 * sqlite/identity.repository.test.ts, MySQL (MariaDB) from e2e/mysql-identity.e2e.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@ballast/core";
import type { FixtureFactory } from "./store-fixture.ts";

/** The record as a plain object (node:sqlite rows have a null prototype, which deepEqual tells apart). */
const plain = <T extends object>(value: T | undefined) => (value === undefined ? undefined : { ...value });

export function identityRepositoryContract(label: string, make: FixtureFactory<"identity">): void {
  describe(`IdentityRepository contract: ${label}`, () => {
    it("creates a user with its personal entity and admin membership; names are exact", async () => {
      const fx = await make();
      try {
        const { identity } = fx;
        assert.equal(await identity.countUsers(), 0);
        const ada = await identity.createUser({
          username: "ada",
          email: "ada@example.com",
          isAdmin: true,
          now: 5,
        });
        assert.equal(ada.username, "ada");
        assert.equal(ada.isAdmin, true);
        assert.equal(ada.defaultEntityName, "ada");
        assert.equal(ada.createdAt, 5);
        const entity = plain(await identity.findEntityByName("ada"));
        assert.deepEqual(entity, { id: ada.defaultEntityId, name: "ada", kind: "user" });
        assert.deepEqual(plain(await identity.findEntityById(ada.defaultEntityId)), entity);
        assert.equal(await identity.memberRole(ada.defaultEntityId, ada.id), "admin");
        assert.deepEqual((await identity.entitiesOfUser(ada.id)).map(plain), [entity]);
        assert.deepEqual(await identity.findUserByUsername("ada"), ada);
        // Byte-exact names: another case is another name, and 4-byte characters survive.
        assert.equal(await identity.findUserByUsername("Ada"), undefined);
        const emoji = await identity.createUser({ username: "ada-🚀", email: "r@x", isAdmin: false, now: 6 });
        assert.equal((await identity.findUserByUsername("ada-🚀"))?.id, emoji.id);
        await assert.rejects(
          identity.createUser({ username: "ada", email: "again@example.com", isAdmin: false, now: 7 }),
          (error: unknown) => error instanceof AppError && error.code === "ALREADY_EXISTS",
        );
        assert.equal(await identity.countUsers(), 2);
      } finally {
        await fx.close();
      }
    });

    it("finds users by unrevoked key hash, records last use, lists and revokes keys", async () => {
      const fx = await make();
      try {
        const { identity } = fx;
        const user = await identity.createUser({ username: "kim", email: "k@x", isAdmin: false, now: 1 });
        const other = await identity.createUser({ username: "lee", email: "l@x", isAdmin: false, now: 1 });
        const first = await identity.insertApiKey({
          userId: user.id,
          keyHash: "a".repeat(64),
          keyPrefix: "p1",
          name: "one",
          now: 10,
        });
        const second = await identity.insertApiKey({
          userId: user.id,
          keyHash: "b".repeat(64),
          keyPrefix: "p2",
          name: "two",
          now: 20,
        });
        const found = await identity.findUserByApiKeyHash("a".repeat(64));
        assert.deepEqual(found, { user, keyId: first, lastUsedAt: null });
        await identity.touchApiKey(first, 30);
        assert.equal((await identity.findUserByApiKeyHash("a".repeat(64)))?.lastUsedAt, 30);
        assert.deepEqual(
          (await identity.listApiKeys(user.id)).map((k) => [
            k.id,
            k.name,
            k.prefix,
            k.createdAt,
            k.lastUsedAt,
          ]),
          [
            [second, "two", "p2", 20, null],
            [first, "one", "p1", 10, 30],
          ],
        );
        assert.equal(await identity.revokeApiKey(other.id, first, 40), false, "not the owner");
        assert.equal(await identity.revokeApiKey(user.id, first, 40), true);
        assert.equal(await identity.revokeApiKey(user.id, first, 41), false, "already revoked");
        assert.equal(await identity.findUserByApiKeyHash("a".repeat(64)), undefined);
        assert.deepEqual(
          (await identity.listApiKeys(user.id)).map((k) => k.id),
          [second],
        );
      } finally {
        await fx.close();
      }
    });

    it("creates a project once, also when two calls race", async () => {
      const fx = await make();
      try {
        const { identity } = fx;
        const user = await identity.createUser({ username: "pat", email: "p@x", isAdmin: false, now: 1 });
        const made = await Promise.all(
          Array.from({ length: 8 }, () => identity.getOrCreateProject(user.defaultEntityId, "mnist-é", 3)),
        );
        assert.equal(new Set(made.map((p) => p.id)).size, 1);
        const project = plain(made[0]);
        assert.deepEqual(project, {
          id: project?.id,
          entityId: user.defaultEntityId,
          entityName: "pat",
          name: "mnist-é",
          createdAt: 3,
        });
        assert.deepEqual(plain(await identity.findProject(user.defaultEntityId, "mnist-é")), project);
        assert.deepEqual(plain(await identity.findProjectById(project?.id ?? 0)), project);
        assert.equal(await identity.findProject(user.defaultEntityId, "MNIST-é"), undefined);
      } finally {
        await fx.close();
      }
    });

    it("keeps settings: init once, set, delete", async () => {
      const fx = await make();
      try {
        const { identity } = fx;
        assert.equal(await identity.getSetting("s"), undefined);
        const values = await Promise.all([
          identity.getOrInitSetting("s", "first"),
          identity.getOrInitSetting("s", "second"),
        ]);
        assert.equal(values[0], values[1], "both racers see the one stored value");
        await identity.setSetting("s", "third");
        assert.equal(await identity.getOrInitSetting("s", "fourth"), "third");
        await identity.deleteSetting("s");
        assert.equal(await identity.getSetting("s"), undefined);
      } finally {
        await fx.close();
      }
    });

    it("completes first-admin setup once, with the right token only", async () => {
      const fx = await make();
      try {
        const { identity } = fx;
        await identity.createUser({ username: "admin", email: "admin@localhost", isAdmin: true, now: 1 });
        await identity.createUser({ username: "bob", email: "b@x", isAdmin: false, now: 1 });
        await identity.setSetting("setup", "digest");
        const setup = (username: string, token = "digest") =>
          identity.completeSetup({
            setupTokenSetting: "setup",
            setupTokenHash: token,
            username,
            email: `${username}@example.com`,
            passwordHash: "hash",
            now: 2,
          });
        assert.deepEqual(await setup("admin", "wrong"), { refused: "token-invalid" });
        await assert.rejects(
          setup("bob"),
          (error: unknown) => error instanceof AppError && error.code === "ALREADY_EXISTS",
        );
        assert.equal(await identity.anyUserHasPassword(), false, "a refused setup changes nothing");
        const results = await Promise.all([setup("admin"), setup("admin")]);
        const done = results.filter((r) => "user" in r);
        assert.equal(done.length, 1, JSON.stringify(results));
        assert.ok(results.some((r) => "refused" in r && r.refused === "setup-complete"));
        assert.equal(await identity.anyUserHasPassword(), true);
        assert.equal(await identity.getSetting("setup"), undefined, "the token is consumed");
        const credentials = await identity.findCredentials("admin");
        assert.equal(credentials?.passwordHash, "hash");
        assert.equal(credentials?.user.email, "admin@example.com");
      } finally {
        await fx.close();
      }
    });

    it("stores sessions, expires them, and ends them on a password change", async () => {
      const fx = await make();
      try {
        const { identity } = fx;
        const user = await identity.createUser({ username: "sam", email: "s@x", isAdmin: false, now: 1 });
        await identity.insertSession({
          idHash: "1".repeat(64),
          userId: user.id,
          csrfToken: "c1",
          now: 100,
          expiresAt: 200,
        });
        const session = await identity.findSession("1".repeat(64), 150);
        assert.deepEqual(session, { user, csrfToken: "c1", expiresAt: 200 });
        assert.equal(await identity.findSession("1".repeat(64), 200), undefined, "expired");
        // A new session drops expired ones.
        await identity.insertSession({
          idHash: "2".repeat(64),
          userId: user.id,
          csrfToken: "c2",
          now: 300,
          expiresAt: 400,
        });
        assert.equal(await identity.findSession("1".repeat(64), 0), undefined);
        await identity.setPasswordHash(user.id, "h");
        assert.equal(
          await identity.findSession("2".repeat(64), 350),
          undefined,
          "a password change ends sessions",
        );
        await identity.insertSession({
          idHash: "3".repeat(64),
          userId: user.id,
          csrfToken: "c3",
          now: 300,
          expiresAt: 400,
        });
        await identity.deleteSession("3".repeat(64));
        assert.equal(await identity.findSession("3".repeat(64), 350), undefined);
      } finally {
        await fx.close();
      }
    });
  });
}
