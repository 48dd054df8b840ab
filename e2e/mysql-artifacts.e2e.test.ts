/** The artifact store on a real MariaDB: the same contract as on SQLite. */
import { after } from "node:test";
import { artifactRepositoryContract } from "../apps/server/src/stores/artifact.contract.ts";
import { startMariaDb } from "./support/mariadb.ts";
import { openMysqlStores } from "./support/mysql-stores.ts";

const mariadb = await startMariaDb();
after(() => mariadb.dispose());

artifactRepositoryContract("MariaDB", () => openMysqlStores(mariadb, "artifacts"));
