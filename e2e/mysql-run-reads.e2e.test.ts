/**
 * The runs filter and order language, and the history reads (sampling, ranges, key filters, last
 * values, deletion), on a real MariaDB: the same cases as on SQLite.
 */
import { after } from "node:test";
import { historyReadContract } from "../apps/server/src/domain/runs/history-read.contract.ts";
import { runQueryContract } from "../apps/server/src/domain/runs/run-query.contract.ts";
import { MysqlRunRepository } from "../apps/server/src/stores/mysql/run.repository.ts";
import { MysqlRunReadRepository } from "../apps/server/src/stores/mysql/run-read.repository.ts";
import { startMariaDb } from "./support/mariadb.ts";
import { openMysqlStores } from "./support/mysql-stores.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

runQueryContract("MariaDB", async () => {
  const stores = await openMysqlStores(mariadb, "runquery");
  return {
    identity: stores.identity,
    runs: new MysqlRunRepository(stores.db),
    runReads: new MysqlRunReadRepository(stores.db),
    close: stores.close,
  };
});

historyReadContract("MariaDB", async () => {
  const stores = await openMysqlStores(mariadb, "history");
  return {
    runs: new MysqlRunRepository(stores.db),
    runReads: new MysqlRunReadRepository(stores.db),
    seedRun: stores.seedRun,
    close: stores.close,
    countRows: async (table) =>
      Number((await stores.db.get<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))?.n ?? -1),
  };
});
