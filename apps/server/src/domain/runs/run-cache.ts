/**
 * A run's chart reads through the cache. Every key names the run's *version* — id, creation time,
 * history line count and last update — read from the database just before, so a cached answer is
 * never used once the run's history has changed: each file_stream request that stores history
 * raises `historyLineCount` or `updatedAt` (both, normally), and a run deleted and made again under
 * a reused id has another creation time. So there is nothing to invalidate; the TTL only frees space.
 *
 * Series are stored as float64 columns (8 bytes a number, no parsing): chart values are never NaN
 * (a NaN point is reported as null), so NaN stands for null.
 */
import { type Cache, cacheKey } from "../../stores/cache/cache.ts";
import type { RunRecord } from "../../stores/records.ts";
import type { Series } from "./chart-series.ts";
import type { XSeries } from "./chart-x.ts";

export const RUN_CACHE_TTL_SECONDS = 3600;

export interface HistoryKeys {
  readonly lastStep: number | null;
  readonly keys: { name: string; value: number | null }[];
}

function versionOf(run: RunRecord): number[] {
  return [run.id, run.createdAt, run.historyLineCount, run.updatedAt];
}

/** `compute()`, or its answer cached under `key`; the cache write does not delay the answer. */
async function readThrough<T>(
  cache: Cache | undefined,
  key: string,
  codec: { encode(value: T): Buffer | string; decode(bytes: Buffer): T | undefined },
  compute: () => Promise<T>,
): Promise<T> {
  if (!cache) return compute();
  const hit = await cache.get(key);
  const decoded = hit && codec.decode(hit);
  if (decoded !== undefined) return decoded;
  const value = await compute();
  void cache.set(key, codec.encode(value), RUN_CACHE_TTL_SECONDS);
  return value;
}

/** [flag, n, column 0 (n numbers), column 1, …] as little-endian float64; null as NaN. */
export function encodeColumns(flag: number, columns: readonly (readonly (number | null)[])[]): Buffer {
  const n = columns[0]?.length ?? 0;
  const out = Buffer.alloc(8 * (2 + columns.length * n));
  out.writeDoubleLE(flag, 0);
  out.writeDoubleLE(n, 8);
  let at = 16;
  for (const column of columns) {
    for (let i = 0; i < n; i++, at += 8) out.writeDoubleLE(column[i] ?? Number.NaN, at);
  }
  return out;
}

/** The columns back, or undefined when `bytes` does not hold `count` columns (then it is a miss). */
export function decodeColumns(
  bytes: Buffer,
  count: number,
): { flag: number; columns: (number | null)[][] } | undefined {
  if (bytes.length < 16 || bytes.length % 8 !== 0) return undefined;
  const n = bytes.readDoubleLE(8);
  if (!Number.isSafeInteger(n) || n < 0 || bytes.length !== 8 * (2 + count * n)) return undefined;
  const columns: (number | null)[][] = [];
  let at = 16;
  for (let c = 0; c < count; c++) {
    const column: (number | null)[] = new Array(n);
    for (let i = 0; i < n; i++, at += 8) {
      const value = bytes.readDoubleLE(at);
      column[i] = Number.isNaN(value) ? null : value;
    }
    columns.push(column);
  }
  return { flag: bytes.readDoubleLE(0), columns };
}

const seriesCodec = {
  encode: (s: Series) =>
    encodeColumns(s.exact ? 1 : 0, [
      s.points.map((p) => p.step),
      s.points.map((p) => p.min),
      s.points.map((p) => p.max),
      s.points.map((p) => p.last),
      s.points.map((p) => p.lastStep),
    ]),
  decode(bytes: Buffer): Series | undefined {
    const decoded = decodeColumns(bytes, 5);
    if (!decoded) return undefined;
    const [step = [], min = [], max = [], last = [], lastStep = []] = decoded.columns;
    return {
      exact: decoded.flag === 1,
      points: step.map((s, i) => ({
        step: s ?? 0,
        min: min[i] ?? null,
        max: max[i] ?? null,
        last: last[i] ?? null,
        lastStep: lastStep[i] ?? 0,
      })),
    };
  },
};

const xSeriesCodec = {
  encode: (s: XSeries) => encodeColumns(s.exact ? 1 : 0, [s.x, s.step, s.min, s.max, s.last]),
  decode(bytes: Buffer): XSeries | undefined {
    const decoded = decodeColumns(bytes, 5);
    if (!decoded) return undefined;
    const [x = [], step = [], min = [], max = [], last = []] = decoded.columns;
    return { exact: decoded.flag === 1, x, step: step.map((s) => s ?? 0), min, max, last };
  },
};

/** JSON, with ±Infinity (which JSON cannot hold) as strings in the all-numbers `v` list. */
const historyKeysCodec = {
  encode: (h: HistoryKeys) =>
    JSON.stringify({
      s: h.lastStep,
      n: h.keys.map((k) => k.name),
      v: h.keys.map((k) => (k.value === null || Number.isFinite(k.value) ? k.value : String(k.value))),
    }),
  decode(bytes: Buffer): HistoryKeys | undefined {
    try {
      const { s, n, v } = JSON.parse(bytes.toString("utf8")) as {
        s: number | null;
        n: string[];
        v: unknown[];
      };
      if (!Array.isArray(n) || !Array.isArray(v) || n.length !== v.length) return undefined;
      return {
        lastStep: s,
        keys: n.map((name, i) => {
          const value = v[i];
          return { name, value: typeof value === "string" ? Number(value) : (value as number | null) };
        }),
      };
    } catch {
      return undefined;
    }
  },
};

export function cachedSeries(
  cache: Cache | undefined,
  run: RunRecord,
  query: { metric: string; buckets: number; minStep?: number | undefined; maxStep?: number | undefined },
  compute: () => Promise<Series>,
): Promise<Series> {
  const key = cacheKey(
    "series",
    ...versionOf(run),
    query.metric,
    query.buckets,
    query.minStep ?? "",
    query.maxStep ?? "",
  );
  return readThrough(cache, key, seriesCodec, compute);
}

export function cachedXSeries(
  cache: Cache | undefined,
  run: RunRecord,
  query: { metric: string; buckets: number; x: string; minX?: number | undefined; maxX?: number | undefined },
  compute: () => Promise<XSeries>,
): Promise<XSeries> {
  const key = cacheKey(
    "xseries",
    ...versionOf(run),
    query.metric,
    query.buckets,
    query.x,
    query.minX ?? "",
    query.maxX ?? "",
  );
  return readThrough(cache, key, xSeriesCodec, compute);
}

export function cachedHistoryKeys(
  cache: Cache | undefined,
  run: RunRecord,
  compute: () => Promise<HistoryKeys>,
): Promise<HistoryKeys> {
  return readThrough(cache, cacheKey("history-keys", ...versionOf(run)), historyKeysCodec, compute);
}
