/**
 * The AuditRepository contract, run on every engine: SQLite from sqlite/audit.repository.test.ts,
 * MySQL (MariaDB) from e2e/mysql-audit.e2e.test.ts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NewAuditRecord } from "./audit-repository.ts";
import type { FixtureFactory } from "./store-fixture.ts";

const ada = { id: 7, username: "ada" };
const bob = { id: 8, username: "bob" };

export function auditRepositoryContract(label: string, make: FixtureFactory<"audit" | "identity">): void {
  describe(`AuditRepository contract: ${label}`, () => {
    it("appends entries with growing ids and reads them back as written", async () => {
      const fx = await make();
      try {
        const full: NewAuditRecord = {
          at: 1_700_000_000_123,
          action: "api_key.created",
          actor: ada,
          entity: "ada",
          target: "key 3",
          detail: { keyId: 3, name: "laptop ✓", admin: false, note: null },
          address: "2001:db8::1",
        };
        const first = await fx.audit.append(full);
        const second = await fx.audit.append({ at: 5, action: "user.sign_in_failed", actor: null });
        assert.ok(second.id > first.id);
        assert.deepEqual(first, { ...full, id: first.id });
        const listed = await fx.audit.list({ limit: 10 });
        assert.deepEqual(listed, [
          { id: second.id, at: 5, action: "user.sign_in_failed", actor: null },
          { ...full, id: first.id },
        ]);
        assert.deepEqual(await fx.audit.after(0, 10), [...listed].reverse());
      } finally {
        await fx.close();
      }
    });

    it("filters by action, actor, entity and time, newest first, paged by id", async () => {
      const fx = await make();
      try {
        const ids: number[] = [];
        for (let i = 0; i < 6; i++) {
          const entry = await fx.audit.append({
            at: 1000 + i * 10,
            action: i % 2 === 0 ? "user.sign_in" : "run.deleted",
            actor: i < 3 ? ada : bob,
            entity: i < 4 ? "lab" : "other",
          });
          ids.push(entry.id);
        }
        const idsOf = async (query: Parameters<typeof fx.audit.list>[0]) =>
          (await fx.audit.list(query)).map((entry) => entry.id);
        assert.deepEqual(await idsOf({ limit: 100 }), [...ids].reverse());
        assert.deepEqual(await idsOf({ action: "run.deleted", limit: 100 }), [ids[5], ids[3], ids[1]]);
        assert.deepEqual(await idsOf({ actor: "ada", limit: 100 }), [ids[2], ids[1], ids[0]]);
        assert.deepEqual(await idsOf({ actor: "Ada", limit: 100 }), []);
        assert.deepEqual(await idsOf({ entity: "other", limit: 100 }), [ids[5], ids[4]]);
        assert.deepEqual(await idsOf({ since: 1010, until: 1030, limit: 100 }), [ids[2], ids[1]]);
        assert.deepEqual(await idsOf({ action: "user.sign_in", actor: "bob", limit: 100 }), [ids[4]]);
        assert.deepEqual(await idsOf({ limit: 2 }), [ids[5], ids[4]]);
        assert.deepEqual(await idsOf({ beforeId: ids[4] as number, limit: 2 }), [ids[3], ids[2]]);
        assert.deepEqual(
          (await fx.audit.after(ids[3] as number, 10)).map((e) => e.id),
          [ids[4], ids[5]],
        );
        assert.deepEqual(
          (await fx.audit.after(ids[0] as number, 2)).map((e) => e.id),
          [ids[1], ids[2]],
        );
      } finally {
        await fx.close();
      }
    });

    it("compare-and-sets a settings row: only from the expected value", async () => {
      const fx = await make();
      try {
        const { audit, identity } = fx;
        assert.equal(await audit.compareAndSetSetting("audit.test", undefined, "1"), true);
        assert.equal(await audit.compareAndSetSetting("audit.test", undefined, "2"), false);
        assert.equal(await identity.getSetting("audit.test"), "1");
        assert.equal(await audit.compareAndSetSetting("audit.test", "0", "2"), false);
        assert.equal(await audit.compareAndSetSetting("audit.test", "1", "2"), true);
        assert.equal(await identity.getSetting("audit.test"), "2");
        // Setting the value it already holds still counts as done.
        assert.equal(await audit.compareAndSetSetting("audit.test", "2", "2"), true);
        assert.equal(await audit.compareAndSetSetting("audit.absent", "1", "2"), false);
        assert.equal(await identity.getSetting("audit.absent"), undefined);
        // Racing writers from the same value: exactly one wins.
        const results = await Promise.all(
          ["a", "b", "c", "d"].map((value) => audit.compareAndSetSetting("audit.test", "2", value)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      } finally {
        await fx.close();
      }
    });
  });
}
