/** The runs filter and order language on SQLite (the cases are in run-query.contract.ts). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteDatabase } from "../../stores/sqlite/database.ts";
import { SqliteIdentityRepository } from "../../stores/sqlite/identity.repository.ts";
import { SqliteRunRepository } from "../../stores/sqlite/run.repository.ts";
import { SqliteRunReadRepository } from "../../stores/sqlite/run-read.repository.ts";
import { runQueryContract } from "./run-query.contract.ts";

runQueryContract("SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ballast-run-query-"));
  const db = new SqliteDatabase(join(dir, "ballast.sqlite"));
  db.migrate();
  return {
    identity: new SqliteIdentityRepository(db),
    runs: new SqliteRunRepository(db),
    runReads: new SqliteRunReadRepository(db),
    async close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
