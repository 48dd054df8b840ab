/**
 * The behaviour every EmailTokenRepository must have (invitation and password-reset links), run on
 * SQLite (sqlite/email-token.repository.test.ts) and on MariaDB (e2e/mysql-email-tokens.e2e.test.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { EmailTokenRepository } from "./email-token-repository.ts";
import type { UserRecord } from "./records.ts";
import type { IdentityRepository } from "./repositories.ts";

export interface EmailTokenTarget {
  readonly emailTokens: EmailTokenRepository;
  readonly identity: IdentityRepository;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const hash = (n: number): string => n.toString(16).padStart(64, "0");

export function emailTokenRepositoryContract(label: string, open: () => Promise<EmailTokenTarget>): void {
  describe(`EmailTokenRepository contract: ${label}`, () => {
    let target: EmailTokenTarget;
    let tokens: EmailTokenRepository;
    let inviter: UserRecord;
    let invitee: UserRecord;
    before(async () => {
      target = await open();
      tokens = target.emailTokens;
      inviter = await target.identity.createUser({
        username: "boss",
        email: "boss@example.com",
        isAdmin: true,
        now: 1,
      });
      invitee = await target.identity.createUser({
        username: "newbie",
        email: "New@Example.com",
        isAdmin: false,
        now: 1,
      });
    });
    after(() => target.close());

    it("stores an invitation with its team and inviter, found by id and by token hash", async () => {
      const id = await tokens.insertInvitation({
        tokenHash: hash(1),
        email: "new@example.com",
        entityId: inviter.defaultEntityId,
        role: "viewer",
        invitedBy: inviter.id,
        now: 1000,
        expiresAt: 1000 + HOUR,
      });
      const expected = {
        id,
        email: "new@example.com",
        entityId: inviter.defaultEntityId,
        entityName: "boss",
        role: "viewer",
        invitedBy: inviter.id,
        inviterUsername: "boss",
        createdAt: 1000,
        expiresAt: 1000 + HOUR,
        acceptedAt: null,
        acceptedBy: null,
        revokedAt: null,
      };
      assert.deepEqual({ ...(await tokens.findInvitation(id)) }, expected);
      assert.deepEqual({ ...(await tokens.findInvitationByToken(hash(1))) }, expected);
      assert.equal(await tokens.findInvitationByToken(hash(999)), undefined);
      const instanceOnly = await tokens.insertInvitation({
        tokenHash: hash(2),
        email: "solo@example.com",
        entityId: null,
        role: "member",
        invitedBy: inviter.id,
        now: 2000,
        expiresAt: 2000 + HOUR,
      });
      const found = await tokens.findInvitation(instanceOnly);
      assert.equal(found?.entityId, null);
      assert.equal(found?.entityName, null);
    });

    it("lists pending invitations of a team or of all, newest first, without expired ones", async () => {
      const all = await tokens.listPendingInvitations(null, 3000);
      assert.deepEqual(
        all.map((i) => i.email),
        ["solo@example.com", "new@example.com"],
      );
      const team = await tokens.listPendingInvitations(inviter.defaultEntityId, 3000);
      assert.deepEqual(
        team.map((i) => i.email),
        ["new@example.com"],
      );
      // Expired at expires_at itself.
      assert.deepEqual(
        (await tokens.listPendingInvitations(null, 1000 + HOUR)).map((i) => i.email),
        ["solo@example.com"],
      );
    });

    it("claims an invitation exactly once, even when claims race", async () => {
      const results = await Promise.all([
        tokens.claimInvitation(hash(1), 5000),
        tokens.claimInvitation(hash(1), 5000),
      ]);
      const claimed = results.filter((r) => r !== undefined);
      assert.equal(claimed.length, 1);
      assert.equal(claimed[0]?.acceptedAt, 5000);
      assert.equal(await tokens.claimInvitation(hash(1), 5001), undefined);
      await tokens.completeInvitation(claimed[0]?.id ?? 0, invitee.id);
      // Released only while nobody has been recorded as accepting it.
      await tokens.releaseInvitation(claimed[0]?.id ?? 0);
      assert.equal(await tokens.claimInvitation(hash(1), 5002), undefined);
      assert.equal((await tokens.findInvitationByToken(hash(1)))?.acceptedBy, invitee.id);
    });

    it("releases a claim that did not complete, so the link works again", async () => {
      const claimed = await tokens.claimInvitation(hash(2), 6000);
      assert.ok(claimed);
      await tokens.releaseInvitation(claimed.id);
      assert.equal((await tokens.claimInvitation(hash(2), 6001))?.id, claimed.id);
      await tokens.releaseInvitation(claimed.id);
    });

    it("refuses expired and revoked invitations; renew gives a pending one a new token", async () => {
      const id = await tokens.insertInvitation({
        tokenHash: hash(3),
        email: "late@example.com",
        entityId: null,
        role: "member",
        invitedBy: inviter.id,
        now: 7000,
        expiresAt: 8000,
      });
      assert.equal(await tokens.claimInvitation(hash(3), 8000), undefined);
      assert.equal(await tokens.renewInvitation(id, hash(4), 9000, 9000 + HOUR), true);
      assert.equal(await tokens.claimInvitation(hash(3), 9001), undefined, "the old token is gone");
      assert.equal(await tokens.revokeInvitation(id, 9002), true);
      assert.equal(await tokens.revokeInvitation(id, 9003), false);
      assert.equal(await tokens.renewInvitation(id, hash(5), 9004, 9004 + HOUR), false);
      assert.equal(await tokens.claimInvitation(hash(4), 9005), undefined);
      assert.equal((await tokens.findInvitation(id))?.revokedAt, 9002);
      // An accepted invitation can be neither revoked nor renewed.
      const accepted = await tokens.findInvitationByToken(hash(1));
      assert.equal(await tokens.revokeInvitation(accepted?.id ?? 0, 9006), false);
      assert.equal(await tokens.renewInvitation(accepted?.id ?? 0, hash(6), 9006, 9006 + HOUR), false);
    });

    it("finds reset candidates by email, ignoring case", async () => {
      assert.deepEqual(
        (await tokens.findResetCandidates("new@EXAMPLE.com")).map((c) => ({ ...c })),
        [{ userId: invitee.id, username: "newbie" }],
      );
      await target.identity.setPasswordHash(invitee.id, "$scrypt$whatever");
      assert.equal((await tokens.findResetCandidates("new@example.com")).length, 1);
      assert.deepEqual(await tokens.findResetCandidates("nobody@example.com"), []);
    });

    it("consumes a reset link once, only before it expires", async () => {
      await tokens.insertPasswordReset({
        tokenHash: hash(10),
        userId: invitee.id,
        now: 1000,
        expiresAt: 1000 + HOUR,
      });
      await tokens.insertPasswordReset({
        tokenHash: hash(11),
        userId: invitee.id,
        now: 1000,
        expiresAt: 2000,
      });
      assert.equal(await tokens.consumePasswordReset(hash(11), 2000), undefined, "expired");
      assert.equal(await tokens.consumePasswordReset(hash(99), 1500), undefined, "unknown");
      const results = await Promise.all([
        tokens.consumePasswordReset(hash(10), 1500),
        tokens.consumePasswordReset(hash(10), 1500),
      ]);
      assert.deepEqual(
        results.filter((r) => r !== undefined).map((r) => ({ ...r })),
        [{ userId: invitee.id, username: "newbie" }],
      );
      assert.equal(await tokens.consumePasswordReset(hash(10), 1600), undefined, "used");
      // Inserting sweeps used and expired links; a new one works.
      await tokens.insertPasswordReset({
        tokenHash: hash(12),
        userId: invitee.id,
        now: 3000,
        expiresAt: 3000 + HOUR,
      });
      assert.equal((await tokens.consumePasswordReset(hash(12), 3001))?.userId, invitee.id);
    });
  });
}
