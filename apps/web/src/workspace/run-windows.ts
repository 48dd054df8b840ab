/**
 * The runs the virtual table has fetched, in pages of PAGE rows per filter (the query's filter, or
 * a group's narrowed one). One instance serves one order and column set; the page makes a new one
 * when those change, so an answer for an old query can never land in the new table.
 */
import type { RunWindow, TableRun } from "../api/workspace.ts";

export const PAGE = 100;

type Fetch = (filters: string, offset: number, limit: number) => Promise<RunWindow>;

export class RunWindows {
  private readonly fetchWindow: Fetch;
  private readonly pages = new Map<string, readonly TableRun[] | "loading" | "failed">();
  private readonly totals = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
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

  /** Fetches the pages holding runs [first, last] of `filters` that are not there or on the way. */
  ensure(filters: string, first: number, last: number): void {
    for (let page = Math.floor(first / PAGE); page <= Math.floor(last / PAGE); page++) {
      const key = `${page}:${filters}`;
      if (this.pages.has(key)) continue;
      this.pages.set(key, "loading");
      this.fetchWindow(filters, page * PAGE, PAGE).then(
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
      );
    }
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
