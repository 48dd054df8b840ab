/**
 * Parses file_stream history lines off the event loop. JSON-parsing a request's lines is most of the
 * CPU a request costs outside the database; on the event loop it delays every other request and the
 * group commit behind it. Large batches go to a worker thread, which sends back only the columns
 * (typed arrays, transferred without copying): the texts stay here, where they were received.
 * Small batches are parsed in place (a round trip would cost more than the parse). A worker that
 * fails is replaced, and a batch it held is parsed here: the worker is an accelerator, never a
 * dependency.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HistoryBatch } from "../../stores/records.ts";
import { parseHistoryBatch } from "./history-line.ts";

/** Below this many lines a batch is parsed on the event loop. */
export const OFFLOAD_MIN_LINES = 200;

/** What a worker sends back for a batch: everything but the texts. */
export type ParsedColumns = Omit<HistoryBatch, "texts" | "offset">;

interface Pending {
  readonly offset: number;
  readonly texts: readonly string[];
  readonly resolve: (batch: HistoryBatch) => void;
}

class ParserThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  /** Batches the worker parsed (for tests and metrics). */
  completed = 0;

  get load(): number {
    return this.pending.size;
  }

  parse(offset: number, texts: readonly string[]): Promise<HistoryBatch> {
    if (this.closed) return Promise.resolve(parseHistoryBatch(offset, texts));
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { offset, texts, resolve });
      this.start().postMessage({ id, offset, texts });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./history-parser.worker.ts", import.meta.url), {
      // Its garbage is a few MB per batch and dies young; a small heap keeps the process lean.
      // Past the old-generation cap the worker stops, and its batches are parsed here (below).
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 },
    });
    worker.unref();
    worker.on("message", ({ id, columns }: { id: number; columns: ParsedColumns }) => {
      const item = this.pending.get(id);
      if (!item) return;
      this.pending.delete(id);
      item.resolve({ offset: item.offset, texts: item.texts, ...columns });
      this.completed++;
    });
    const fail = () => {
      if (this.worker === worker) this.abandon();
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    this.worker = worker;
    return worker;
  }

  /** Drops the worker; whatever it held is parsed here, and the next batch starts a new one. */
  private abandon(): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    const orphans = [...this.pending.values()];
    this.pending.clear();
    for (const item of orphans) item.resolve(parseHistoryBatch(item.offset, item.texts));
  }

  close(): void {
    this.closed = true;
    this.abandon();
  }
}

export class HistoryParser {
  private readonly threads: ParserThread[];

  /** `threads`: worker threads to use; by default one per CPU beyond the event loop's, at least one. */
  constructor(threads = Math.max(1, Math.min(4, availableParallelism() - 1))) {
    this.threads = Array.from({ length: threads }, () => new ParserThread());
  }

  async parse(offset: number, texts: readonly string[]): Promise<HistoryBatch> {
    if (texts.length < OFFLOAD_MIN_LINES || this.threads.length === 0)
      return parseHistoryBatch(offset, texts);
    const thread = this.threads.reduce((a, b) => (b.load < a.load ? b : a));
    return thread.parse(offset, texts);
  }

  /** Batches parsed by worker threads so far. */
  get offloaded(): number {
    return this.threads.reduce((sum, thread) => sum + thread.completed, 0);
  }

  close(): void {
    for (const thread of this.threads) thread.close();
  }
}
