/** AuditService on a real, migrated SQLite database. */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { AppError } from "@ballast/core";
import { createSqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import { AuditService } from "./audit.service.ts";
import { actorOf, auditActions, isAuditAction } from "./audit-event.ts";
import { auditEntryJson } from "./audit-json.ts";

describe("AuditService", () => {
  const fixture = createSqliteFixture("audit-service");
  let clock = Date.UTC(2025, 0, 31, 23, 59, 59, 250);
  const service = new AuditService(fixture.audit, () => clock++);
  after(() => fixture.close());

  it("records events with the time and lists them newest first, page by page", async () => {
    const ada = actorOf({ id: 1, username: "ada" });
    const first = await service.record({
      action: "api_key.created",
      actor: ada,
      target: "ada",
      detail: { keyId: 4, name: "laptop", prefix: "local-abcd" },
      address: "203.0.113.9",
    });
    assert.equal(first.at, Date.UTC(2025, 0, 31, 23, 59, 59, 250));
    assert.deepEqual(auditEntryJson(first), {
      id: first.id,
      at: "2025-01-31T23:59:59.250Z",
      action: "api_key.created",
      actor: { id: 1, username: "ada" },
      entity: null,
      target: "ada",
      detail: { keyId: 4, name: "laptop", prefix: "local-abcd" },
      address: "203.0.113.9",
    });
    for (let i = 0; i < 4; i++)
      await service.record({ action: "user.sign_in_failed", actor: null, target: `u${i}` });

    const page1 = await service.list({ limit: 2 });
    assert.deepEqual(
      page1.entries.map((e) => e.target),
      ["u3", "u2"],
    );
    assert.ok(page1.nextCursor);
    const page2 = await service.list({ limit: 2, cursor: page1.nextCursor });
    assert.deepEqual(
      page2.entries.map((e) => e.target),
      ["u1", "u0"],
    );
    const page3 = await service.list({ limit: 2, cursor: page2.nextCursor ?? "" });
    assert.deepEqual(
      page3.entries.map((e) => e.target),
      ["ada"],
    );
    assert.equal(page3.nextCursor, null);
    // Exactly a page's worth left: no cursor to an empty page.
    assert.equal((await service.list({ limit: 5 })).nextCursor, null);
    assert.deepEqual(
      (await service.list({ action: "api_key.created", actor: "ada" })).entries.map((e) => e.id),
      [first.id],
    );
  });

  it("refuses a bad limit or cursor with INVALID_ARGUMENT", async () => {
    for (const query of [
      { limit: 0 },
      { limit: 1001 },
      { limit: 1.5 },
      { cursor: "abc" },
      { cursor: "-1" },
    ]) {
      await assert.rejects(service.list(query), (error: AppError) => error.code === "INVALID_ARGUMENT");
    }
  });

  it("clips over-long texts instead of failing the action", async () => {
    const entry = await service.record({
      action: "run.deleted",
      actor: null,
      entity: "e".repeat(400),
      target: "t".repeat(3000),
      address: "a".repeat(200),
      detail: { note: "n".repeat(5000), count: 3 },
    });
    assert.equal(entry.entity?.length, 255);
    assert.equal(entry.target?.length, 1024);
    assert.equal(entry.address?.length, 64);
    assert.equal(entry.detail?.note, "n".repeat(1024));
    assert.equal(entry.detail?.count, 3);
  });

  it("knows its actions", () => {
    assert.equal(isAuditAction("user.sign_in"), true);
    assert.equal(isAuditAction("user.sign_in "), false);
    assert.equal(new Set(auditActions).size, auditActions.length);
  });

  it("fails with UNAVAILABLE (5xx) when the log cannot be written", async () => {
    const broken = createSqliteFixture("audit-broken");
    broken.db.exec("DROP TABLE audit_log");
    const failing = new AuditService(broken.audit);
    const originalError = console.error;
    console.error = () => {};
    try {
      await assert.rejects(failing.record({ action: "user.sign_in", actor: null }), (error: AppError) => {
        assert.equal(error.code, "UNAVAILABLE");
        assert.ok(error.status >= 500);
        return true;
      });
    } finally {
      console.error = originalError;
      broken.close();
    }
  });
});
