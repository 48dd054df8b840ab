/** History reads on SQLite (the cases are in history-read.contract.ts). */
import { createSqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import { historyReadContract } from "./history-read.contract.ts";

historyReadContract("SQLite", async () => {
  const store = createSqliteFixture("history-read");
  return {
    ...store,
    close: async () => store.close(),
    countRows: async (table) => store.db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)?.n ?? -1,
  };
});
