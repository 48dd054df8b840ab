/**
 * The embedded SQLite database (node:sqlite). One connection per process; every statement is
 * synchronous, so a transaction never spans an `await` and cannot interleave with another request.
 * Durability: WAL with synchronous=FULL, so a committed transaction survives a crash of the
 * process and of the machine.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { AppError } from "@ballast/core";
import { defineChunkAggregates } from "./history-chunks.ts";
import { definePackAggregate } from "./metric-blocks.ts";

export type Row = Record<string, SQLInputValue>;
export type Params = Record<string, SQLInputValue> | SQLInputValue[];

/** Prepared statements kept per connection (see `statement`). */
const MAX_STATEMENTS = 512;

/** Rows per multi-row INSERT (× a few columns stays far below SQLite's 32,766 bound variables). */
const BATCH_ROWS = 256;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/**
 * WAL checkpoints copy committed pages into the database file and fsync it. Done by SQLite inside
 * the COMMIT that crosses DEFAULT_CHECKPOINT_PAGES, that work blocks the event loop (measured: a
 * quarter of ingest throughput); a worker thread does it instead, every CHECKPOINT_INTERVAL_MS.
 */
const CHECKPOINT_INTERVAL_MS = 20;
const DEFAULT_CHECKPOINT_PAGES = 1000;
/** With the worker, the writer checkpoints only past this many WAL pages (64 MB): a backstop. */
const BACKSTOP_CHECKPOINT_PAGES = 16_384;

export interface SqliteOptions {
  /** Checkpoint the WAL from a worker thread (the server sets it; tests and CLI commands need not). */
  readonly backgroundCheckpoints?: boolean;
}

export class SqliteDatabase {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  /** Multi-row INSERT statements: (width, head, tail) → by row count. */
  private readonly batchStatements = new Map<string, StatementSync[]>();
  private depth = 0;
  private checkpointer: Worker | undefined;

  constructor(path: string, options: SqliteOptions = {}) {
    this.path = path;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: 10_000 });
    // 64 KB pages for a new database (an existing one keeps its page size): a commit writes each
    // dirty page to the WAL as one frame, and ingest dirties a few hundred kB per request — fewer,
    // larger frames measured ~9% more ingest than the default 4 KB.
    this.db.exec("PRAGMA page_size = 65536");
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = FULL");
    this.db.exec("PRAGMA temp_store = MEMORY");
    // 16 MB of page cache: the hot pages are the B-tree interiors and the tails being appended to;
    // metric data is read in packed blocks, and the OS page cache holds the rest of the file.
    this.db.exec("PRAGMA cache_size = -16384");
    if (options.backgroundCheckpoints && path !== ":memory:") {
      // The writer's own checkpoints become a backstop for when the worker falls behind.
      this.db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      this.checkpointer = new Worker(new URL("./checkpoint-worker.ts", import.meta.url), {
        workerData: { path, intervalMs: CHECKPOINT_INTERVAL_MS },
        // It allocates next to nothing.
        resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
      });
      this.checkpointer.unref();
      this.checkpointer.on("error", () => {
        this.checkpointer = undefined;
        if (this.db.isOpen) this.db.exec(`PRAGMA wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
      });
    }
  }

  close(): void {
    this.checkpointer?.postMessage("stop");
    this.checkpointer = undefined;
    this.statements.clear();
    this.batchStatements.clear();
    if (this.db.isOpen) this.db.close();
  }

  /**
   * Prepared statements by SQL text, least recently used dropped past MAX_STATEMENTS: queries built
   * from user filters have many shapes, and an unbounded cache would grow with them.
   */
  private statement(sql: string): StatementSync {
    let stmt = this.statements.get(sql);
    if (stmt) {
      this.statements.delete(sql);
    } else {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= MAX_STATEMENTS) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(sql, stmt);
    return stmt;
  }

  get<T = Row>(sql: string, params: Params = []): T | undefined {
    return guard(() => this.bind(this.statement(sql), "get", params) as T | undefined);
  }

  all<T = Row>(sql: string, params: Params = []): T[] {
    return guard(() => this.bind(this.statement(sql), "all", params) as T[]);
  }

  run(sql: string, params: Params = []): { changes: number; lastInsertRowid: number } {
    return guard(() => {
      const result = this.bind(this.statement(sql), "run", params) as {
        changes: number | bigint;
        lastInsertRowid: number | bigint;
      };
      return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
    });
  }

  /**
   * Inserts many rows with multi-row `VALUES` statements (up to BATCH_ROWS rows each): one statement
   * call per chunk instead of per row, which is most of the cost of a row in node:sqlite.
   * `head` is everything before VALUES, `tail` anything after (an ON CONFLICT clause);
   * `values` holds the rows' values flattened, `width` per row.
   */
  runBatch(head: string, width: number, values: readonly SQLInputValue[], tail = ""): void {
    const rows = values.length / width;
    if (!Number.isInteger(rows)) throw new Error("runBatch: values are not a whole number of rows");
    const family = `${width}\u0000${head}\u0000${tail}`;
    let bySize = this.batchStatements.get(family);
    if (!bySize) {
      bySize = [];
      this.batchStatements.set(family, bySize);
    }
    const statements = bySize;
    guard(() => {
      for (let start = 0; start < rows; start += BATCH_ROWS) {
        const count = Math.min(BATCH_ROWS, rows - start);
        let stmt = statements[count];
        if (!stmt) {
          const tuple = `(${new Array(width).fill("?").join(", ")})`;
          stmt = this.db.prepare(`${head} VALUES ${new Array(count).fill(tuple).join(", ")} ${tail}`);
          statements[count] = stmt;
        }
        stmt.run(...values.slice(start * width, (start + count) * width));
      }
    });
  }

  exec(sql: string): void {
    guard(() => this.db.exec(sql));
  }

  /** Registers a deterministic scalar SQL function on this connection (e.g. the runs filter's regexp). */
  defineFunction(name: string, fn: (...args: SQLOutputValue[]) => SQLInputValue): void {
    this.db.function(name, { deterministic: true }, fn);
  }

  /** Registers a deterministic SQL aggregate function on this connection. */
  defineAggregate(
    name: string,
    options: {
      start: SQLInputValue;
      step: (acc: SQLInputValue, ...args: SQLOutputValue[]) => SQLInputValue;
      result: (acc: SQLInputValue) => SQLInputValue;
    },
  ): void {
    this.db.aggregate(name, { deterministic: true, ...options });
  }

  private bind(stmt: StatementSync, method: "get" | "all" | "run", params: Params): unknown {
    return Array.isArray(params) ? stmt[method](...params) : stmt[method](params);
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE); nested calls join the outer one. */
  transaction<T>(fn: () => T): T {
    if (this.depth > 0) {
      this.depth++;
      try {
        return fn();
      } finally {
        this.depth--;
      }
    }
    guard(() => this.db.exec("BEGIN IMMEDIATE"));
    this.depth = 1;
    try {
      const result = fn();
      guard(() => this.db.exec("COMMIT"));
      return result;
    } catch (error) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      throw error;
    } finally {
      this.depth = 0;
    }
  }

  /**
   * Applies pending numbered migrations, up to version `upTo` (all by default; tests stop early to
   * build data in an older layout); safe to run on every start and concurrently with a reader.
   */
  migrate(upTo = Number.POSITIVE_INFINITY): string[] {
    this.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    const applied = new Set(
      this.all<{ version: number }>("SELECT version FROM schema_migrations").map((r) => r.version),
    );
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
      .sort();
    const done: string[] = [];
    // SQL functions that migrations call (converting stored data to a new layout).
    definePackAggregate(this);
    defineChunkAggregates(this);
    for (const file of files) {
      const version = Number(file.slice(0, 4));
      if (applied.has(version) || version > upTo) continue;
      const sql = readFileSync(join(MIGRATIONS_DIR, file), "utf8");
      this.transaction(() => {
        // Re-check inside the write lock: another process may have just applied it.
        if (this.get("SELECT 1 AS x FROM schema_migrations WHERE version = ?", [version])) return;
        this.exec(sql);
        this.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
          version,
          file,
          Date.now(),
        ]);
        done.push(file);
      });
    }
    return done;
  }
}

/**
 * SQLite failures that can clear by themselves (busy, locked, I/O, full disk) become UNAVAILABLE
 * so the client retries instead of dropping data; programming errors propagate unchanged.
 */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { errcode?: number }).errcode;
    // SQLITE_BUSY 5, SQLITE_LOCKED 6, SQLITE_NOMEM 7, SQLITE_IOERR 10, SQLITE_FULL 13, SQLITE_CANTOPEN 14
    if (code !== undefined && [5, 6, 7, 10, 13, 14].includes(code & 0xff)) {
      throw new AppError("UNAVAILABLE", "The database is temporarily unavailable; retry shortly.");
    }
    throw error;
  }
}
