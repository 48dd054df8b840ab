/**
 * Read-only access to what a Ballast server stored, for assertions: its metadata rows and its
 * objects. Tests check what the server stored, not what it answers, so a wrong answer that the
 * client happens to tolerate still fails. The same view reads either stack — the embedded one
 * (SQLite file and objects on disk in the data dir) or the production ones (MySQL/MariaDB and an S3
 * bucket or an Azure container) — because all keep the same tables, columns and storage keys.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { ContainerClient } from "@azure/storage-blob";
import { createConnection } from "mysql2/promise";
import { type ChunkRow, decodeChunk, lineOf } from "../../apps/server/src/stores/sqlite/history-chunks.ts";

export type Row = Record<string, unknown>;
export type Param = string | number | bigint | null;

export interface ObjectDigest {
  md5Hex: string;
  md5Base64: string;
  size: number;
}

export interface StoreView {
  all(sql: string, ...params: Param[]): Promise<Row[]>;
  /** The single row a query returns; throws unless there is exactly one. */
  one(sql: string, ...params: Param[]): Promise<Row>;
  /** The run row for entity/project/run name (the run id the client chose). */
  findRun(entity: string, project: string, runName: string): Promise<Row>;
  /** A run's history lines as stored (decoded from their chunks), in line order. */
  historyRows(runId: number): Promise<Row[]>;
  /** The bytes the server keeps under a storage key. */
  objectBytes(storageKey: string): Promise<Buffer>;
  objectDigest(storageKey: string): Promise<ObjectDigest>;
  /** The storage keys under a key prefix (`runs/12/`), sorted. */
  objectKeys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A production server's objects, read behind its back: bytes by storage key, keys by prefix. */
export interface ObjectsView {
  bytes(key: string): Promise<Buffer>;
  keys(prefix: string): Promise<string[]>;
}

/** The objects in an S3 bucket under the BUCKET path prefix. */
export function s3Objects(client: S3Client, bucket: string, prefix: string): ObjectsView {
  const keyOf = (key: string) => (prefix ? `${prefix}/${key}` : key);
  return {
    async bytes(key) {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
      if (!answer.Body) throw new Error(`object ${key} has no body`);
      return Buffer.from(await answer.Body.transformToByteArray());
    },
    async keys(under) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: keyOf(under), ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) keys.push((object.Key ?? "").slice(keyOf("").length));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
  };
}

/** The blobs in an Azure container under the BUCKET path prefix. */
export function azureObjects(container: ContainerClient, prefix: string): ObjectsView {
  const keyOf = (key: string) => (prefix ? `${prefix}/${key}` : key);
  return {
    bytes: (key) => container.getBlockBlobClient(keyOf(key)).downloadToBuffer(),
    async keys(under) {
      const keys: string[] = [];
      for await (const blob of container.listBlobsFlat({ prefix: keyOf(under) })) {
        keys.push(blob.name.slice(keyOf("").length));
      }
      return keys.sort();
    },
  };
}

/** The embedded stack's store: `<dataDir>/ballast.sqlite` and `<dataDir>/objects/<key>`. */
export async function openStore(dataDir: string): Promise<StoreView> {
  const db = new DatabaseSync(join(dataDir, "ballast.sqlite"), { readOnly: true });
  return view(
    async (sql, params) => db.prepare(sql).all(...(params as SQLInputValue[])) as Row[],
    (key) => readFile(join(dataDir, "objects", key)),
    async (prefix) => {
      const dir = join(dataDir, "objects", prefix);
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((entry) => entry.isFile())
        .map((entry) => join(prefix, entry.parentPath.slice(dir.length), entry.name))
        .sort();
    },
    async () => db.close(),
  );
}

/** The production stack's store: the MySQL database of `mysqlUrl` and the objects in a bucket. */
export async function openMysqlStore(mysqlUrl: string, objects: ObjectsView): Promise<StoreView> {
  const connection = await createConnection({ uri: mysqlUrl, charset: "utf8mb4" });
  return view(
    async (sql, params) => {
      const [rows] = await connection.query(sql, params);
      return rows as Row[];
    },
    (key) => objects.bytes(key),
    (prefix) => objects.keys(prefix),
    () => connection.end(),
  );
}

function view(
  query: (sql: string, params: Param[]) => Promise<Row[]>,
  objectBytes: (key: string) => Promise<Buffer>,
  objectKeys: (prefix: string) => Promise<string[]>,
  close: () => Promise<void>,
): StoreView {
  const all = (sql: string, ...params: Param[]) => query(sql, params);
  const one = async (sql: string, ...params: Param[]) => {
    const rows = await all(sql, ...params);
    const [row] = rows;
    if (rows.length !== 1 || row === undefined)
      throw new Error(`expected one row, got ${rows.length}: ${sql} ${JSON.stringify(params, bigints)}`);
    return row;
  };
  return {
    all,
    one,
    findRun: (entity, project, runName) =>
      one(
        `SELECT r.* FROM runs r
           JOIN projects p ON p.id = r.project_id
           JOIN entities e ON e.id = p.entity_id
          WHERE e.name = ? AND p.name = ? AND r.name = ?`,
        entity,
        project,
        runName,
      ),
    async historyRows(runId) {
      const rows = (await all(
        // Backticks: `lines` is reserved in MySQL (SQLite accepts them too).
        "SELECT first_line AS firstLine, `lines`, min_step AS minStep, steps, ends, text FROM history_chunks WHERE run_id = ? ORDER BY first_line",
        runId,
      )) as unknown as ChunkRow[];
      return rows.flatMap((row) => {
        const chunk = decodeChunk(row);
        return Array.from({ length: row.lines }, (_, i) => ({
          line_no: row.firstLine + i,
          step: chunk.steps[i] ?? null,
          line: lineOf(chunk, i),
        }));
      });
    },
    objectBytes,
    objectKeys,
    async objectDigest(key) {
      const bytes = await objectBytes(key);
      const digest = createHash("md5").update(bytes).digest();
      return { md5Hex: digest.toString("hex"), md5Base64: digest.toString("base64"), size: bytes.length };
    },
    close,
  };
}

export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== "string")
    throw new Error(`column ${column} is ${typeof value}, not text: ${show(row)}`);
  return value;
}

export function int(row: Row, column: string): number {
  const value = row[column];
  if (typeof value === "bigint") return Number(value);
  if (typeof value !== "number")
    throw new Error(`column ${column} is ${typeof value}, not a number: ${show(row)}`);
  return value;
}

export function nullableInt(row: Row, column: string): number | null {
  return row[column] === null ? null : int(row, column);
}

const bigints = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value);

function show(row: Row): string {
  return JSON.stringify(row, bigints).slice(0, 500);
}
