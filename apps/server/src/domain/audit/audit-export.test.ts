/** The audit export on a real SQLite database and a real local-disk object store. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { LocalDiskObjectStore } from "../../stores/objects/local-disk.store.ts";
import { UrlSigner } from "../../stores/objects/url-signer.ts";
import { createSqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import { AuditService } from "./audit.service.ts";
import { AuditExporter, EXPORT_CURSOR_SETTING, EXPORT_LEASE_SETTING, exportKey } from "./audit-export.ts";

describe("AuditExporter", () => {
  const fixture = createSqliteFixture("audit-export");
  const objects = new LocalDiskObjectStore(
    join(fixture.dir, "bucket"),
    new UrlSigner(randomBytes(32), "http://b.test"),
  );
  const day = Date.UTC(2025, 1, 28, 23, 59, 59, 998);
  let clock = day;
  const audit = new AuditService(fixture.audit, () => clock++);
  const exporter = new AuditExporter({
    audit: fixture.audit,
    identity: fixture.identity,
    objects: () => objects,
    now: () => clock,
    batch: 2,
  });
  after(() => fixture.close());

  const read = (key: string) =>
    readFileSync(join(fixture.dir, "bucket", "objects", key), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: number; at: string; target: string | null });

  it("names an object by the UTC day of its first entry and its id range", () => {
    const entry = { id: 7, at: Date.UTC(2024, 11, 31, 23, 30), action: "user.sign_in", actor: null };
    assert.equal(exportKey(entry, 9), "audit-logs/2024/12/31/7-9.jsonl");
  });

  it("writes the entries not yet exported in batches, then only new ones", async () => {
    assert.deepEqual(await exporter.exportNow(), { ran: true, objects: [] });
    const ids: number[] = [];
    for (const target of ["a", "b", "c"])
      ids.push((await audit.record({ action: "user.sign_in", actor: null, target })).id);
    const [a, b, c] = ids as [number, number, number];
    const first = await exporter.exportNow();
    assert.equal(first.ran, true);
    // a and b straddle midnight: the object is dated by its first entry.
    assert.deepEqual(first.objects, [
      { key: `audit-logs/2025/02/28/${a}-${b}.jsonl`, entries: 2, firstId: a, lastId: b },
      { key: `audit-logs/2025/03/01/${c}-${c}.jsonl`, entries: 1, firstId: c, lastId: c },
    ]);
    assert.deepEqual(
      read(`audit-logs/2025/02/28/${a}-${b}.jsonl`).map((e) => [e.id, e.at, e.target]),
      [
        [a, "2025-02-28T23:59:59.998Z", "a"],
        [b, "2025-02-28T23:59:59.999Z", "b"],
      ],
    );
    assert.equal(await fixture.identity.getSetting(EXPORT_CURSOR_SETTING), String(c));

    const d = (await audit.record({ action: "run.deleted", actor: { id: 1, username: "ada" }, target: "d" }))
      .id;
    const second = await exporter.exportNow();
    assert.deepEqual(
      second.objects.map((o) => [o.firstId, o.lastId]),
      [[d, d]],
    );
    assert.deepEqual(
      read(second.objects[0]?.key ?? "").map((e) => e.target),
      ["d"],
    );
    assert.deepEqual((await exporter.exportNow()).objects, []);
  });

  it("stands aside while another replica holds the lease, and takes it once expired", async () => {
    const e = (await audit.record({ action: "user.sign_out", actor: null })).id;
    await fixture.identity.setSetting(EXPORT_LEASE_SETTING, String(clock + 60_000));
    assert.deepEqual(await exporter.exportNow(), { ran: false, objects: [] });
    clock += 60_001;
    const result = await exporter.exportNow();
    assert.deepEqual(
      result.objects.map((o) => o.lastId),
      [e],
    );
    // Released when done.
    assert.equal(await fixture.identity.getSetting(EXPORT_LEASE_SETTING), "0");
  });

  it("keeps the cursor when the object cannot be written (the next run writes it again)", async () => {
    const blocked = join(fixture.dir, "not-a-directory");
    writeFileSync(blocked, "x");
    const failing = new AuditExporter({
      audit: fixture.audit,
      identity: fixture.identity,
      objects: () => new LocalDiskObjectStore(blocked, new UrlSigner(randomBytes(32), "http://b.test")),
      now: () => clock,
    });
    const cursor = await fixture.identity.getSetting(EXPORT_CURSOR_SETTING);
    const f = (await audit.record({ action: "user.sign_in", actor: null, target: "f" })).id;
    await assert.rejects(failing.exportNow());
    assert.equal(await fixture.identity.getSetting(EXPORT_CURSOR_SETTING), cursor);
    assert.equal(await fixture.identity.getSetting(EXPORT_LEASE_SETTING), "0");
    assert.deepEqual(
      (await exporter.exportNow()).objects.map((o) => [o.firstId, o.lastId]),
      [[f, f]],
    );
  });
});
