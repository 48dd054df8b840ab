/**
 * Metric tiers on MySQL: the min/max/last buckets of each series (stores/sqlite/run.repository.ts
 * TierAccumulator explains them), merged by an order-independent upsert. MySQL applies the
 * assignments of ON DUPLICATE KEY UPDATE left to right, each seeing the ones before, so
 * `last_value` is decided before `last_step` moves.
 */
import type { MysqlDatabase, Queryable, Value } from "./database.ts";

/**
 * MySQL's DOUBLE has no infinities (SQLite's REAL does, and W&B metrics do carry them): ±Infinity
 * is stored as ±DBL_MAX and read back as ±Infinity. Order is kept — LEAST/GREATEST still rank it
 * above every finite value — and only a logged ±1.7976931348623157e308 comes back as ±Infinity.
 */
export function toDouble(value: number | null): number | null {
  if (value === Number.POSITIVE_INFINITY) return Number.MAX_VALUE;
  if (value === Number.NEGATIVE_INFINITY) return -Number.MAX_VALUE;
  return value;
}

export function fromDouble(value: number | null): number | null {
  if (value === Number.MAX_VALUE) return Number.POSITIVE_INFINITY;
  if (value === -Number.MAX_VALUE) return Number.NEGATIVE_INFINITY;
  return value;
}

/** Rows as TierAccumulator.rows() flattens them: (key, level, bucket, min, max, last_step, last). */
export async function upsertTiers(tx: Queryable, rows: readonly Value[]): Promise<void> {
  await tx.runBatch(
    "INSERT INTO metric_tiers (key_id, level, bucket, min_value, max_value, last_step, last_value)",
    7,
    // Columns 3, 4 and 6 of each row of 7 are values (min, max, last).
    rows.map((value, i) =>
      i % 7 === 3 || i % 7 === 4 || i % 7 === 6 ? toDouble(value as number | null) : value,
    ),
    `ON DUPLICATE KEY UPDATE
       min_value = CASE WHEN min_value IS NULL THEN VALUES(min_value)
                        WHEN VALUES(min_value) IS NULL THEN min_value
                        ELSE LEAST(min_value, VALUES(min_value)) END,
       max_value = CASE WHEN max_value IS NULL THEN VALUES(max_value)
                        WHEN VALUES(max_value) IS NULL THEN max_value
                        ELSE GREATEST(max_value, VALUES(max_value)) END,
       last_value = CASE WHEN VALUES(last_step) >= last_step THEN VALUES(last_value) ELSE last_value END,
       last_step = GREATEST(last_step, VALUES(last_step))`,
  );
}

export async function readTiers(
  db: MysqlDatabase | Queryable,
  keyId: number,
  level: number,
  minBucket: number,
  maxBucket: number,
): Promise<
  { bucket: number; min: number | null; max: number | null; lastStep: number; last: number | null }[]
> {
  const rows = await db.all<{
    bucket: number;
    min: number | null;
    max: number | null;
    lastStep: number;
    last: number | null;
  }>(
    `SELECT bucket, min_value AS min, max_value AS max, last_step AS lastStep, last_value AS last
     FROM metric_tiers WHERE key_id = ? AND level = ? AND bucket BETWEEN ? AND ? ORDER BY bucket`,
    [keyId, level, minBucket, maxBucket],
  );
  return rows.map((row) => ({
    ...row,
    min: fromDouble(row.min),
    max: fromDouble(row.max),
    last: fromDouble(row.last),
  }));
}
