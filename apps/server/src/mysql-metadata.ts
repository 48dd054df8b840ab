/**
 * The metadata and metric repositories on MySQL (MYSQL set): a module of its own so that the
 * embedded default never loads the MySQL driver (embedded.ts imports it only when MYSQL is set).
 */
import { ConfigError } from "./config.ts";
import type { Metadata } from "./embedded.ts";
import { MysqlArtifactRepository } from "./stores/mysql/artifact.repository.ts";
import { MysqlAuditRepository } from "./stores/mysql/audit.repository.ts";
import { MysqlDatabase, type MysqlSettings } from "./stores/mysql/database.ts";
import { MysqlEmailTokenRepository } from "./stores/mysql/email-token.repository.ts";
import { MysqlIdentityRepository } from "./stores/mysql/identity.repository.ts";
import { MysqlJobRepository } from "./stores/mysql/job.repository.ts";
import { mysqlReadiness } from "./stores/mysql/mysql.readiness.ts";
import { MysqlRunRepository } from "./stores/mysql/run.repository.ts";
import { MysqlRunReadRepository } from "./stores/mysql/run-read.repository.ts";
import { MysqlSweepRepository } from "./stores/mysql/sweep.repository.ts";
import { MysqlTeamRepository } from "./stores/mysql/team.repository.ts";

/**
 * The MySQL stores: the pool opened (a server that cannot be reached fails the start with the
 * reason), pending migrations applied under the migration lock, the same repositories' contracts.
 */
export async function openMysqlMetadata(settings: MysqlSettings): Promise<Metadata> {
  const label = `the MySQL database ${settings.database} on ${settings.host}:${settings.port}`;
  let database: MysqlDatabase | undefined;
  try {
    database = await MysqlDatabase.open(settings);
    await database.migrate();
  } catch (error) {
    await database?.close();
    // Listed like a configuration problem (exit 78, no stack): the fix is in MYSQL or the network.
    throw new ConfigError([
      `Cannot open ${label} (${driverReason(error)}); check MYSQL and that the server accepts connections from here`,
    ]);
  }
  return {
    engine: "mysql",
    label,
    repositories: {
      identity: new MysqlIdentityRepository(database),
      teams: new MysqlTeamRepository(database),
      runs: new MysqlRunRepository(database),
      runReads: new MysqlRunReadRepository(database),
      artifacts: new MysqlArtifactRepository(database),
      sweeps: new MysqlSweepRepository(database),
      jobs: new MysqlJobRepository(database),
      audit: new MysqlAuditRepository(database),
      emailTokens: new MysqlEmailTokenRepository(database),
    },
    readiness: mysqlReadiness(database),
    metrics: { pool: () => database.poolStats() },
    close: () => void database.close(),
  };
}

/** The driver's code for a failed open (ECONNREFUSED, ER_ACCESS_DENIED_ERROR…), never its whole text. */
function driverReason(error: unknown): string {
  const details = (error as { details?: { cause?: unknown } }).details;
  const cause = (details?.cause ?? (error as { cause?: unknown }).cause ?? error) as {
    code?: unknown;
    message?: unknown;
  };
  if (typeof cause.code === "string") return cause.code;
  return typeof cause.message === "string" ? cause.message.replace(/:\/\/[^@\s]*@/g, "://***@") : "no answer";
}
