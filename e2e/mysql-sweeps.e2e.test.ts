/** The sweep store on a real MariaDB: the same contract as on SQLite. */
import { after } from "node:test";
import { sweepRepositoryContract } from "../apps/server/src/stores/sweep.contract.ts";
import { startMariaDb } from "./support/mariadb.ts";
import { openMysqlStores } from "./support/mysql-stores.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

sweepRepositoryContract("MariaDB", () => openMysqlStores(mariadb, "sweeps"));
