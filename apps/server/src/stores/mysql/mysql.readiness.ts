import { type ReadinessCheck, readinessFailure } from "../readiness.ts";
import type { MysqlDatabase } from "./database.ts";

/**
 * The MySQL database answers: a one-row read of the migrations table through the pool, so a pool
 * that cannot reach the server, a failover in progress or a missing schema all show. The query is
 * raced against the signal: mysql2 cannot cancel it, but /readyz must answer within its timeout
 * even when a dead server leaves the query waiting for its connect timeout.
 */
export function mysqlReadiness(database: MysqlDatabase): ReadinessCheck {
  return {
    name: "database",
    async check(signal) {
      signal.throwIfAborted();
      const aborted = new Promise<never>((_, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
      try {
        await Promise.race([database.get("SELECT max(version) AS version FROM schema_migrations"), aborted]);
      } catch (error) {
        throw readinessFailure("database: the MySQL database did not answer a query", error);
      }
    },
  };
}
