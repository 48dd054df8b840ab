/**
 * The production metadata and metric database: MySQL 8 / Aurora MySQL 3, or MariaDB 10.11, through
 * a mysql2 connection pool. The repositories in this directory are the MySQL implementations of the
 * store contracts in `../repositories.ts`; they run the same contract suites as the SQLite ones.
 *
 * - utf8mb4 throughout: the connection character set, every table's default (`utf8mb4_bin`, so names
 *   compare byte-for-byte like SQLite's), whatever the server's own default is.
 * - READ COMMITTED: no gap locks, so concurrent file_stream writers to different runs do not
 *   deadlock on index ranges; a transaction still sees only committed data.
 * - `transaction` retries the whole unit of work on a deadlock or lock-wait timeout (InnoDB rolled it
 *   back; running it again is safe) and on a connection lost before COMMIT was sent. A connection lost
 *   during COMMIT is never retried: whether it committed is unknown, so the caller gets UNAVAILABLE
 *   and the client's retry (all writes here are idempotent) settles it.
 * - Faults that clear by themselves (server down or restarting, failover to a read-only writer, too
 *   many connections, timeouts) become AppError UNAVAILABLE, which the API answers with a 503.
 */
import { readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "@ballast/core";
import {
  createConnection,
  createPool,
  type Pool,
  type PoolConnection,
  type PoolOptions,
  type ResultSetHeader,
  type RowDataPacket,
} from "mysql2/promise";

/** What MYSQL (and MYSQL_CA_CERT_PATH) configure; parsed and validated by config.ts. */
export interface MysqlSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** go-sql-driver's `tls` values, which W&B's chart renders (`?tls=preferred`). */
  readonly tls: "true" | "false" | "skip-verify" | "preferred";
  /** A PEM file of CA certificates to verify the server with (`MYSQL_CA_CERT_PATH`). */
  readonly caCertPath: string | undefined;
  /** Connections in the pool. */
  readonly poolSize: number;
}

export type Value = string | number | bigint | boolean | Buffer | null;
export type Params = readonly Value[];

/** What a query sees: the pool outside a transaction, one connection inside. */
export interface Queryable {
  all<T>(sql: string, params?: Params): Promise<T[]>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  run(sql: string, params?: Params): Promise<{ affectedRows: number; insertId: number }>;
  /**
   * Inserts many rows with multi-row `VALUES` statements, `chunkRows` rows each (bounded by
   * max_allowed_packet and the 65,535 placeholders of a statement). `head` is everything before
   * VALUES, `tail` anything after it (an ON DUPLICATE KEY UPDATE clause); `values` holds the rows'
   * values flattened, `width` per row.
   */
  runBatch(head: string, width: number, values: Params, tail?: string, chunkRows?: number): Promise<void>;
}

export interface TransactionOptions {
  /** Attempts for deadlocks and lock-wait timeouts before answering UNAVAILABLE. */
  readonly attempts?: number;
}

/**
 * Every connection: READ COMMITTED (see the header), strict SQL (a too-long value is an error, never
 * truncated silently), UTC.
 */
const SESSION_SETTINGS = [
  // The one spelling MySQL 8 and MariaDB 10.11 share (MariaDB names the variable tx_isolation).
  "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
  "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION,ONLY_FULL_GROUP_BY', time_zone = '+00:00'",
];

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/** Rows per multi-row INSERT by default; × a handful of columns stays far below the limits. */
const BATCH_ROWS = 500;

/** ER_LOCK_WAIT_TIMEOUT 1205, ER_LOCK_DEADLOCK 1213: InnoDB rolled the transaction back. */
const RETRY_TRANSACTION = new Set([1205, 1213]);

/**
 * Server errors that clear by themselves: too many connections (1040), server shutting down (1053),
 * read-only during a failover (1290 ER_OPTION_PREVENTS_STATEMENT, 1792 ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION,
 * 1836 ER_READ_ONLY_MODE), lock waits and deadlocks past their retries, query interrupted (1317),
 * statement timeout (3024 MySQL, 1969 MariaDB), disk full (1021), out of memory (1037, 1041),
 * Galera/Aurora not ready (1047), and the client-side codes for a lost or refused connection.
 */
const TRANSIENT_ERRNOS = new Set([
  1021, 1037, 1040, 1041, 1047, 1053, 1205, 1213, 1290, 1317, 1792, 1836, 1969, 3024,
]);
const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "POOL_CLOSED",
  "ER_CON_COUNT_ERROR",
]);

interface DriverError {
  errno?: number;
  code?: string;
  fatal?: boolean;
}

/** The pool's own refusals carry no code, only these messages. */
const TRANSIENT_POOL_MESSAGES = /^(Queue limit reached|No connections available|Pool is closed)\.$/;

export function isTransient(error: unknown): boolean {
  const { errno, code } = (error ?? {}) as DriverError;
  return (
    (errno !== undefined && TRANSIENT_ERRNOS.has(errno)) ||
    (code !== undefined && TRANSIENT_CODES.has(code)) ||
    (error instanceof Error && TRANSIENT_POOL_MESSAGES.test(error.message))
  );
}

/**
 * The driver's error behind `error`: queries inside a transaction translate theirs to an AppError
 * (kept in its details), and the retry decision needs the original errno.
 */
function driverCause(error: unknown): unknown {
  if (error instanceof AppError) return error.details?.cause ?? error;
  return (error as { cause?: unknown }).cause ?? error;
}

/** ER_NET_PACKET_TOO_LARGE: one statement above the server's max_allowed_packet. */
const PACKET_TOO_LARGE = 1153;

/**
 * AppError UNAVAILABLE for a transient fault; a statement above max_allowed_packet as INTERNAL with
 * the setting to raise (a 500: the W&B client retries, and succeeds once it is raised); anything
 * else unchanged (a bug must stay visible).
 */
function translate(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const { errno, code } = (error ?? {}) as DriverError;
  if (errno === PACKET_TOO_LARGE || code === "ER_NET_PACKET_TOO_LARGE") {
    return new AppError(
      "INTERNAL",
      "A write was larger than the MySQL server's max_allowed_packet; raise it (max_allowed_packet in the server's configuration or the Aurora parameter group, e.g. 268435456).",
      { cause: error },
    );
  }
  if (isTransient(error)) {
    return new AppError("UNAVAILABLE", "The database is temporarily unavailable; retry shortly.", {
      cause: error,
    });
  }
  return error;
}

class Executor implements Queryable {
  private readonly target: Pool | PoolConnection;

  constructor(target: Pool | PoolConnection) {
    this.target = target;
  }

  async all<T>(sql: string, params: Params = []): Promise<T[]> {
    try {
      const [rows] = await this.target.query<RowDataPacket[]>(sql, params as Value[]);
      return rows as T[];
    } catch (error) {
      throw translate(error);
    }
  }

  async get<T>(sql: string, params: Params = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: Params = []): Promise<{ affectedRows: number; insertId: number }> {
    try {
      const [result] = await this.target.query<ResultSetHeader>(sql, params as Value[]);
      return { affectedRows: result.affectedRows, insertId: result.insertId };
    } catch (error) {
      throw translate(error);
    }
  }

  async runBatch(
    head: string,
    width: number,
    values: Params,
    tail = "",
    chunkRows = BATCH_ROWS,
  ): Promise<void> {
    const rows = values.length / width;
    if (!Number.isInteger(rows)) throw new Error("runBatch: values are not a whole number of rows");
    const tuple = `(${new Array(width).fill("?").join(", ")})`;
    for (let start = 0; start < rows; start += chunkRows) {
      const count = Math.min(chunkRows, rows - start);
      await this.run(
        `${head} VALUES ${new Array(count).fill(tuple).join(", ")} ${tail}`,
        values.slice(start * width, (start + count) * width),
      );
    }
  }
}

export class MysqlDatabase implements Queryable {
  readonly settings: MysqlSettings;
  private readonly pool: Pool;
  private readonly executor: Executor;

  private constructor(settings: MysqlSettings, pool: Pool) {
    this.settings = settings;
    this.pool = pool;
    this.executor = new Executor(pool);
  }

  /**
   * Creates the pool. Connects once to decide TLS (`preferred`: TLS when the server offers it) and
   * to fail early with a clear message; a server that is down right now gives UNAVAILABLE.
   */
  static async open(settings: MysqlSettings): Promise<MysqlDatabase> {
    const base: PoolOptions = {
      host: settings.host,
      port: settings.port,
      user: settings.user,
      password: settings.password,
      database: settings.database,
      charset: "UTF8MB4_UNICODE_CI",
      timezone: "Z",
      // Numbers stay numbers (ids and millisecond timestamps fit in 2^53); DECIMAL too.
      supportBigNumbers: true,
      bigNumberStrings: false,
      decimalNumbers: true,
      // JSON documents are handled as the text they were stored as, like SQLite's TEXT columns.
      jsonStrings: true,
      dateStrings: true,
      connectTimeout: 10_000,
      enableKeepAlive: true,
      keepAliveInitialDelay: 30_000,
      waitForConnections: true,
      connectionLimit: settings.poolSize,
      maxIdle: settings.poolSize,
      idleTimeout: 60_000,
      // A request that cannot get a connection within this many queued requests is refused at once
      // (UNAVAILABLE) instead of piling up behind a stuck database.
      queueLimit: 10_000,
    };
    const ssl = await tlsOptions(settings);
    let options: PoolOptions = ssl ? { ...base, ssl } : base;
    // `preferred`: try TLS first; a server without TLS support refuses the handshake, then plain TCP.
    try {
      const probe = await createConnection(options);
      await probe.end();
    } catch (error) {
      if (settings.tls === "preferred" && isNoTlsSupport(error)) {
        options = base;
        const probe = await createConnection(options).catch((e: unknown) => {
          throw translate(e);
        });
        await probe.end();
      } else {
        throw translate(error);
      }
    }
    const pool = createPool(options);
    pool.on("connection", (promised) => {
      // mysql2's typings say a promise connection; the pool emits its callback-API connection.
      const connection = promised as unknown as CallbackConnection;
      // Session settings for every new pooled connection, queued before anything it is used for.
      // The event hands the callback-API connection; one that cannot take its settings is destroyed,
      // so its first query fails as a lost connection (UNAVAILABLE) instead of running unsettled.
      for (const statement of SESSION_SETTINGS) {
        connection.query(statement, (error: unknown) => {
          if (error) connection.destroy();
        });
      }
    });
    return new MysqlDatabase(settings, pool);
  }

  all<T>(sql: string, params?: Params): Promise<T[]> {
    return this.executor.all<T>(sql, params);
  }

  get<T>(sql: string, params?: Params): Promise<T | undefined> {
    return this.executor.get<T>(sql, params);
  }

  run(sql: string, params?: Params): Promise<{ affectedRows: number; insertId: number }> {
    return this.executor.run(sql, params);
  }

  runBatch(head: string, width: number, values: Params, tail?: string, chunkRows?: number): Promise<void> {
    return this.executor.runBatch(head, width, values, tail, chunkRows);
  }

  /** Connections in use and waiting requests, for /metrics. */
  poolStats(): { size: number; inUse: number; idle: number; waiting: number } {
    // mysql2 exposes its pool state only through these internal arrays of the callback pool.
    const inner = (this.pool as unknown as { pool: PoolInternals }).pool;
    const all = inner._allConnections?.length ?? 0;
    const free = inner._freeConnections?.length ?? 0;
    return {
      size: this.settings.poolSize,
      inUse: all - free,
      idle: free,
      waiting: inner._connectionQueue?.length ?? 0,
    };
  }

  /**
   * Runs `fn` as one transaction on one connection; retries it whole on deadlock and lock-wait
   * timeouts (with a short jittered back-off) and when the connection fails before COMMIT is sent.
   * `fn` must be safe to run again: it may not have side effects outside the database.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const attempts = options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      let connection: PoolConnection;
      try {
        connection = await this.pool.getConnection();
      } catch (error) {
        throw translate(error);
      }
      let committing = false;
      try {
        await connection.query("START TRANSACTION");
        const result = await fn(new Executor(connection));
        committing = true;
        await connection.query("COMMIT");
        connection.release();
        return result;
      } catch (error) {
        const cause = driverCause(error);
        const lost = (cause as DriverError).fatal === true || !isLive(connection);
        if (lost) {
          connection.destroy();
        } else {
          await connection.query("ROLLBACK").catch(() => undefined);
          connection.release();
        }
        const retryable =
          !committing &&
          attempt < attempts &&
          (RETRY_TRANSACTION.has((cause as DriverError).errno ?? 0) || (lost && isTransient(cause)));
        if (!retryable) throw translate(cause === error ? error : error instanceof AppError ? error : cause);
        await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  /**
   * Applies pending numbered migrations (`migrations/NNNN_name.sql`), serialised across every
   * replica by a named lock, so any number of servers can start at once. MySQL commits DDL
   * implicitly, so a migration is not atomic: each statement in a migration file must be safe to run
   * again (CREATE TABLE IF NOT EXISTS, ADD COLUMN only after checking information_schema), and a
   * migration interrupted half-way is completed by the next start. Returns the files applied.
   */
  async migrate(): Promise<string[]> {
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
      .sort();
    let connection: PoolConnection;
    try {
      connection = await this.pool.getConnection();
    } catch (error) {
      throw translate(error);
    }
    const lockName = `ballast_migrations_${this.settings.database}`.slice(0, 64);
    try {
      const [locked] = await connection.query<RowDataPacket[]>("SELECT GET_LOCK(?, 300) AS locked", [
        lockName,
      ]);
      if (locked[0]?.locked !== 1) {
        throw new AppError(
          "UNAVAILABLE",
          "Another server has been migrating the database for 5 minutes; retry.",
        );
      }
      // The database itself gets utf8mb4 too, so tables created by hand or by a later tool inherit it.
      await connection.query(
        `ALTER DATABASE \`${this.settings.database.replaceAll("`", "``")}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
      );
      await connection.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, name VARCHAR(255) NOT NULL, applied_at BIGINT NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
      );
      const [rows] = await connection.query<RowDataPacket[]>("SELECT version FROM schema_migrations");
      const applied = new Set(rows.map((r) => Number(r.version)));
      const done: string[] = [];
      for (const file of files) {
        const version = Number(file.slice(0, 4));
        if (applied.has(version)) continue;
        for (const statement of splitStatements(readFileSync(join(MIGRATIONS_DIR, file), "utf8"))) {
          await connection.query(statement);
        }
        await connection.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
          version,
          file,
          Date.now(),
        ]);
        done.push(file);
      }
      return done;
    } catch (error) {
      throw translate(error);
    } finally {
      await connection.query("SELECT RELEASE_LOCK(?)", [lockName]).catch(() => undefined);
      connection.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

interface CallbackConnection {
  query(sql: string, callback: (error: unknown) => void): void;
  destroy(): void;
}

interface PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

function isLive(connection: PoolConnection): boolean {
  const state = (connection as unknown as { connection?: { _fatalError?: unknown; _closing?: boolean } })
    .connection;
  return !state?._fatalError && !state?._closing;
}

function isNoTlsSupport(error: unknown): boolean {
  const message = (error as Error | undefined)?.message ?? "";
  return /does not support secure connection/i.test(message);
}

async function tlsOptions(settings: MysqlSettings): Promise<PoolOptions["ssl"] | undefined> {
  if (settings.tls === "false") return undefined;
  const ca = settings.caCertPath ? await readFile(settings.caCertPath, "utf8") : undefined;
  if (settings.tls === "true") return ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: true };
  // skip-verify, and preferred as go-sql-driver does it: encrypted, the certificate not checked
  // unless a CA was given.
  return ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: false };
}

/**
 * Splits a migration file into statements at semicolons that end a line, skipping `--` comment
 * lines. Migration files keep one statement per `;`-terminated block and no procedures, so this
 * simple rule is exact for them.
 */
export function splitStatements(sql: string): string[] {
  const lines = sql.split("\n").filter((line) => !/^\s*--/.test(line));
  const statements: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    current.push(line);
    if (/;\s*$/.test(line)) {
      const statement = current.join("\n").trim().replace(/;\s*$/, "");
      if (statement) statements.push(statement);
      current = [];
    }
  }
  const rest = current.join("\n").trim();
  if (rest) statements.push(rest);
  return statements;
}
