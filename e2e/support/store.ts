/**
 * Read-only access to a Ballast data dir for assertions: the SQLite store and the object files.
 * Tests check what the server stored, not what it answers, so a wrong answer that the client
 * happens to tolerate still fails.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue, type SQLOutputValue } from "node:sqlite";
import {
  CHUNK_COLUMNS,
  type ChunkRow,
  decodeChunk,
  lineOf,
} from "../../apps/server/src/stores/sqlite/history-chunks.ts";

export type Row = Record<string, SQLOutputValue>;

export function openStore(dataDir: string): DatabaseSync {
  return new DatabaseSync(join(dataDir, "ballast.sqlite"), { readOnly: true });
}

export function all(db: DatabaseSync, sql: string, ...params: SQLInputValue[]): Row[] {
  return db.prepare(sql).all(...params);
}

export function one(db: DatabaseSync, sql: string, ...params: SQLInputValue[]): Row {
  const rows = all(db, sql, ...params);
  if (rows.length !== 1)
    throw new Error(`expected one row, got ${rows.length}: ${sql} ${JSON.stringify(params)}`);
  const [row] = rows;
  if (row === undefined) throw new Error("unreachable");
  return row;
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

function show(row: Row): string {
  return JSON.stringify(row, (_key, value: unknown) =>
    typeof value === "bigint" ? value.toString() : value,
  ).slice(0, 500);
}

/** The run row for entity/project/run name (the run id the client chose). */
export function findRun(db: DatabaseSync, entity: string, project: string, runName: string): Row {
  return one(
    db,
    `SELECT r.* FROM runs r
       JOIN projects p ON p.id = r.project_id
       JOIN entities e ON e.id = p.entity_id
      WHERE e.name = ? AND p.name = ? AND r.name = ?`,
    entity,
    project,
    runName,
  );
}

export interface ObjectDigest {
  md5Hex: string;
  md5Base64: string;
  size: number;
}

/** Hashes `<dataDir>/objects/<storageKey>`, the bytes the server keeps for a file. */
export async function objectDigest(dataDir: string, storageKey: string): Promise<ObjectDigest> {
  const path = join(dataDir, "objects", storageKey);
  const { size } = await stat(path);
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest();
  return { md5Hex: digest.toString("hex"), md5Base64: digest.toString("base64"), size };
}

/** A run's history lines as stored (decoded from their chunks), in line order. */
export function historyRows(db: DatabaseSync, runId: number | bigint): Row[] {
  const rows = db
    .prepare(`SELECT ${CHUNK_COLUMNS} FROM history_chunks WHERE run_id = ? ORDER BY first_line`)
    .all(runId) as unknown as ChunkRow[];
  return rows.flatMap((row) => {
    const chunk = decodeChunk(row);
    return Array.from({ length: row.lines }, (_, i) => ({
      line_no: row.firstLine + i,
      step: chunk.steps[i] ?? null,
      line: lineOf(chunk, i),
    }));
  });
}
