import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SqliteDatabase } from "./database.ts";

describe("SqliteDatabase background checkpoints", () => {
  it("copies committed WAL pages into the database file from a worker, below the writer's own threshold", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ballast-checkpoint-"));
    const path = join(dir, "db.sqlite");
    const db = new SqliteDatabase(path, { backgroundCheckpoints: true });
    try {
      db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
      // ~8 MB in 8 commits: far below the writer's 64 MB backstop, so only the worker checkpoints.
      for (let i = 0; i < 8; i++) {
        db.transaction(() => {
          const rows: (number | Uint8Array)[] = [];
          for (let j = 0; j < 64; j++) rows.push(i * 64 + j, new Uint8Array(16 * 1024).fill(i + 1));
          db.runBatch("INSERT INTO t (id, data)", 2, rows);
        });
      }
      const deadline = Date.now() + 10_000;
      while (statSync(path).size < 8 * 1024 * 1024 && Date.now() < deadline) await sleep(20);
      assert.ok(statSync(path).size >= 8 * 1024 * 1024, `database file is ${statSync(path).size} bytes`);
      assert.equal(db.get<{ n: number }>("SELECT count(*) AS n FROM t")?.n, 512);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("leaves checkpoints to SQLite when not asked to", () => {
    const dir = mkdtempSync(join(tmpdir(), "ballast-checkpoint-"));
    const db = new SqliteDatabase(join(dir, "db.sqlite"));
    try {
      assert.equal(
        db.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")?.wal_autocheckpoint,
        1000,
      );
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
