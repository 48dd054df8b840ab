/**
 * The runs the virtual table has fetched, in pages of PAGE rows per filter (the query's filter, or
 * a group's narrowed one). One instance serves one order and column set; the page makes a new one
 * when those change, so an answer for an old query can never land in the new table.
 */
import type { RunWindow, TableRun } from "../api/workspace.ts";

export const PAGE = 100;
/** Page requests in flight at once; more wait, newest first, and are dropped once scrolled past. */
const MAX_IN_FLIGHT = 2;

type Fetch = (filters: string, offset: number, limit: number) => Promise<RunWindow>;

export class RunWindows {
  private readonly fetchWindow: Fetch;
  private readonly pages = new Map<string, readonly TableRun[] | "loading" | "failed">();
  private readonly totals = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  /** Pages wanted but not yet asked for, oldest first. */
  private queue: { readonly key: string; readonly filters: string; readonly page: number }[] = [];
  private inFlight = 0;
  private closed = false;
  /** Bumped on every arrival; a React component re-renders on it. */
  version = 0;
  error: unknown = null;

  constructor(fetchWindow: Fetch) {
    this.fetchWindow = fetchWindow;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  /** Run `index` of the runs matching `filters`, if its page has arrived. */
  get(filters: string, index: number): TableRun | undefined {
    const page = this.pages.get(`${Math.floor(index / PAGE)}:${filters}`);
    return typeof page === "object" ? page[index % PAGE] : undefined;
  }

  total(filters: string): number | undefined {
    return this.totals.get(filters);
  }

  /**
   * Wants the pages holding runs [first, last] of `filters`: those not there or on the way are
   * queued, and queued pages of `filters` outside the range are dropped — a fast scroll passes many
   * pages, and only the ones still in view are worth asking for.
   */
  ensure(filters: string, first: number, last: number): void {
    const from = Math.floor(first / PAGE);
    const to = Math.floor(last / PAGE);
    this.queue = this.queue.filter((q) => q.filters !== filters || (q.page >= from && q.page <= to));
    for (let page = from; page <= to; page++) {
      const key = `${page}:${filters}`;
      if (this.pages.has(key) || this.queue.some((q) => q.key === key)) continue;
      this.queue.push({ key, filters, page });
    }
    this.pump();
  }

  /** Starts queued pages, the most recently wanted first, while fewer than MAX_IN_FLIGHT run. */
  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && !this.closed) {
      const next = this.queue.pop();
      if (!next) return;
      const { key, filters, page } = next;
      this.pages.set(key, "loading");
      this.inFlight++;
      this.fetchWindow(filters, page * PAGE, PAGE)
        .then(
          (window) => {
            if (this.closed) return;
            this.pages.set(key, window.runs);
            this.totals.set(filters, window.total);
            this.changed();
          },
          (error: unknown) => {
            if (this.closed) return;
            // Not retried by scrolling: the same query would fail the same way (a bad filter).
            this.pages.set(key, "failed");
            this.error = error;
            this.changed();
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  /** A fetched run by id, from any page (to follow the state of selected runs). */
  find(name: string): TableRun | undefined {
    for (const page of this.pages.values()) {
      if (typeof page === "object") {
        const run = page.find((r) => r.name === name);
        if (run) return run;
      }
    }
    return undefined;
  }

  /** Whether a fetched run is still running (the page then refreshes what it shows). */
  anyRunning(): boolean {
    for (const page of this.pages.values()) {
      if (typeof page === "object" && page.some((r) => r.state === "running")) return true;
    }
    return false;
  }

  /**
   * Fetches the pages already shown again (states, runtimes and summaries move while runs run); the
   * old rows stay until the new ones arrive. A failed refresh keeps the old rows.
   */
  refresh(): void {
    for (const [key, page] of this.pages) {
      if (typeof page !== "object") continue;
      const at = key.indexOf(":");
      const filters = key.slice(at + 1);
      const offset = Number(key.slice(0, at)) * PAGE;
      this.fetchWindow(filters, offset, PAGE).then(
        (window) => {
          if (this.closed) return;
          this.pages.set(key, window.runs);
          this.totals.set(filters, window.total);
          this.changed();
        },
        () => {},
      );
    }
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
