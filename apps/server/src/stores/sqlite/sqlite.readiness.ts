import { type ReadinessCheck, readinessFailure } from "../readiness.ts";
import type { SqliteDatabase } from "./database.ts";

/**
 * The embedded database answers: a one-row read of the migrations table. Unlike `SELECT 1`, it reads
 * a page of the file (through the WAL), so a closed connection, an unreadable file or an I/O error
 * shows. node:sqlite is synchronous, so the signal cannot interrupt the query; a healthy one takes
 * microseconds, and a database locked by another process gives up after the connection's busy timeout.
 */
export function sqliteReadiness(database: SqliteDatabase): ReadinessCheck {
  return {
    name: "database",
    async check(signal) {
      signal.throwIfAborted();
      try {
        database.get("SELECT max(version) AS version FROM schema_migrations");
      } catch (error) {
        throw readinessFailure("database: the embedded SQLite database did not answer a query", error);
      }
    },
  };
}
