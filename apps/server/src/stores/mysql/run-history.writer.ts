/**
 * The history part of a file_stream request on MySQL, inside the request's transaction (the run's
 * row locked): new lines go into chunks, their metric points into blocks and tiers; lines already
 * stored (a resend after a lost response) are skipped whole, their metrics being in already. The
 * same steps as the SQLite store's writeHistory (stores/sqlite/run.repository.ts).
 */
import type { HistoryBatch } from "../records.ts";
import { TierAccumulator } from "../sqlite/run.repository.ts";
import type { Queryable } from "./database.ts";
import { appendLines, storedLines } from "./history-chunks.ts";
import { appendPoints } from "./metric-blocks.ts";
import { MetricKeyCache } from "./metric-keys.ts";
import { upsertTiers } from "./tiers.ts";

export { MetricKeyCache };

/** Writes the batch's new lines and points; returns the line number after the batch's last line. */
export async function writeHistory(
  tx: Queryable,
  metricKeys: MetricKeyCache,
  runId: number,
  history: HistoryBatch,
  newKeys: Map<string, number>,
): Promise<number> {
  const { offset, texts, steps, starts, keys, values } = history;
  const end = offset + texts.length;
  const stored = await storedLines(tx, runId, offset, end);
  const keyIds = await metricKeys.ids(tx, runId, history.names, newKeys);
  let span = 0;
  for (let i = 0; i < texts.length; ) {
    if (stored.has(offset + i)) {
      i++;
      continue;
    }
    let j = i;
    while (j < texts.length && !stored.has(offset + j)) j++;
    span = Math.max(span, await appendLines(tx, runId, offset + i, texts.slice(i, j), steps.subarray(i, j)));
    i = j;
  }
  if (span > 0) {
    await tx.run("UPDATE runs SET history_step_span = GREATEST(history_step_span, ?) WHERE id = ?", [
      span,
      runId,
    ]);
  }
  const series = new Map<number, { steps: number[]; values: number[] }>();
  const tiers = new TierAccumulator();
  for (let i = 0; i < texts.length; i++) {
    if (stored.has(offset + i)) continue;
    const step = steps[i] ?? offset + i;
    for (let j = starts[i] ?? 0; j < (starts[i + 1] ?? 0); j++) {
      const keyId = keyIds[keys[j] ?? 0] ?? 0;
      const value = values[j] ?? Number.NaN;
      let points = series.get(keyId);
      if (!points) {
        points = { steps: [], values: [] };
        series.set(keyId, points);
      }
      points.steps.push(step);
      points.values.push(value);
      tiers.add(keyId, step, Number.isNaN(value) ? null : value);
    }
  }
  await appendPoints(tx, series);
  await upsertTiers(tx, tiers.rows());
  return end;
}
