/** The worker side of HistoryParser: parses a batch and transfers its columns back. */
import { parentPort } from "node:worker_threads";
import { parseHistoryBatch } from "./history-line.ts";
import type { ParsedColumns } from "./history-parser.ts";

parentPort?.on("message", ({ id, offset, texts }: { id: number; offset: number; texts: string[] }) => {
  const { steps, starts, names, keys, values } = parseHistoryBatch(offset, texts);
  const columns: ParsedColumns = { steps, starts, names, keys, values };
  // keys and values are views over larger grown buffers: transfer whole buffers, views survive.
  const buffers = new Set([steps.buffer, starts.buffer, keys.buffer, values.buffer]);
  parentPort?.postMessage({ id, columns }, [...buffers] as ArrayBuffer[]);
});
