/**
 * The metrics one Ballast server exposes on /metrics (docs/operations.md lists them). Label values
 * come from small closed sets — router patterns, HTTP methods, status codes — never from a request's
 * path or body, so series stay bounded and no entity, project or run name is ever exported.
 */
import { stat } from "node:fs/promises";
import { type ELDHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { CacheStats } from "../stores/cache/cache.ts";
import { type Counter, type Gauge, type Histogram, Registry } from "./exposition.ts";

/** Request latency buckets, 1 ms to 10 s (a GraphQL look-up to a large file_stream batch or upload). */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Route label for GETs served by the web UI's static files, and for requests no route matched. */
export const WEB_ROUTE = "(web)";
export const UNMATCHED_ROUTE = "(unmatched)";

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The event-loop delay histogram's sampling interval; every sample includes it, so it is subtracted. */
const LOOP_RESOLUTION_MS = 10;

export interface ServerMetricsOptions {
  /** Files whose sizes are exported (the SQLite database and its WAL), by label. */
  readonly databaseFiles?: Readonly<Record<string, string>>;
  /** The internal queue and the upload confirmer (docs/backends.md). */
  readonly queue?: {
    readonly depth: () => Promise<{ total: number; due: number }>;
    readonly uploads: () => Readonly<{ confirmed: number; expired: number; failed: number }>;
  };
  /** The cache's counters (in process or Redis), read at scrape time. */
  readonly cache?: () => CacheStats;
  /** The database connection pool (MySQL), read at scrape time. */
  readonly pool?: () => Readonly<{ size: number; inUse: number; idle: number; waiting: number }>;
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly inFlightGauge: Gauge;
  private readonly rejected: Counter;
  private readonly historyLines: Counter;
  private readonly metricPoints: Counter;
  private readonly fileStreamRequests: Counter;
  private readonly loop: ELDHistogram;
  private inFlight = 0;
  private fileSizes: Readonly<Record<string, number>> = {};
  private readonly fileSizeTimer: NodeJS.Timeout | undefined;
  private queueDepth = { total: 0, due: 0 };
  private readonly queueTimer: NodeJS.Timeout | undefined;

  constructor(options: ServerMetricsOptions = {}) {
    const r = this.registry;
    this.requests = r.counter(
      "ballast_http_requests_total",
      "HTTP requests answered, by method, route pattern and status code.",
      ["method", "route", "status"],
    );
    this.duration = r.histogram(
      "ballast_http_request_duration_seconds",
      "Time from a request's arrival to the end of its response, by route pattern.",
      ["route"],
      DURATION_BUCKETS,
    );
    this.inFlightGauge = r.gauge("ballast_http_requests_in_flight", "HTTP requests being handled right now.");
    this.rejected = r.counter(
      "ballast_http_requests_rejected_total",
      "Requests refused with 429 before any work, by reason (overloaded: past BALLAST_MAX_CONCURRENT_REQUESTS).",
      ["reason"],
    );
    this.rejected.inc({ reason: "overloaded" }, 0);
    this.fileStreamRequests = r.counter(
      "ballast_file_stream_requests_total",
      "file_stream requests applied (the W&B client's run data: history, system metrics, console, summary).",
    );
    this.historyLines = r.counter(
      "ballast_ingest_history_lines_total",
      "History lines (one per wandb.log step) received in applied file_stream requests, client resends included.",
    );
    this.metricPoints = r.counter(
      "ballast_ingest_metric_points_total",
      "Numeric values in those history lines (each becomes a point of a metric's series).",
    );

    const rss = r.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
    const heapUsed = r.gauge("nodejs_heap_size_used_bytes", "V8 heap in use, in bytes.");
    const heapTotal = r.gauge("nodejs_heap_size_total_bytes", "V8 heap allocated, in bytes.");
    const cpu = r.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.");
    const started = r.gauge(
      "process_start_time_seconds",
      "Start time of the process since the Unix epoch, in seconds.",
    );
    started.set({}, Math.round(Date.now() / 1000 - process.uptime()));
    const lagMean = r.gauge(
      "nodejs_eventloop_lag_seconds",
      "Mean event-loop delay since the previous scrape, in seconds.",
    );
    const lagP99 = r.gauge(
      "nodejs_eventloop_lag_p99_seconds",
      "99th percentile of the event-loop delay since the previous scrape, in seconds.",
    );
    const lagMax = r.gauge(
      "nodejs_eventloop_lag_max_seconds",
      "Longest event-loop delay since the previous scrape, in seconds.",
    );
    const fileBytes =
      options.databaseFiles &&
      r.gauge(
        "ballast_db_file_bytes",
        "Size of the embedded database's files (file: database, wal). A WAL that keeps growing means checkpoints are falling behind.",
        ["file"],
      );

    const pool = options.pool && {
      read: options.pool,
      connections: r.gauge(
        "ballast_db_pool_connections",
        "MySQL pool connections by state: in_use, idle, and max (the pool size, BALLAST_MYSQL_POOL_SIZE).",
        ["state"],
      ),
      waiting: r.gauge(
        "ballast_db_pool_waiting",
        "Queries waiting for a free pool connection. Above zero for long: the pool or the database is the bottleneck.",
      ),
    };

    const jobs =
      options.queue &&
      r.gauge(
        "ballast_queue_jobs",
        "Jobs in the internal queue (state: waiting = all of them, due = ready to run now), refreshed every 5 s.",
        ["state"],
      );
    const uploads =
      options.queue &&
      r.counter(
        "ballast_uploads_total",
        "Uploads made straight to the bucket, by outcome: recorded (found and recorded by a look-up or a notification), expired (the URL expired unused), failed (a look-up that hit an error and will be retried).",
        ["outcome"],
      );

    const cache = options.cache && {
      read: options.cache,
      lookups: r.counter(
        "ballast_cache_lookups_total",
        "Cache look-ups by result: hit, or miss (absent, expired, or the cache did not answer).",
        ["result"],
      ),
      errors: r.counter(
        "ballast_cache_errors_total",
        "Cache commands that failed or timed out (Redis); each was a miss or a skipped write, never an error to a request.",
      ),
      skipped: r.counter(
        "ballast_cache_skipped_total",
        "Cache commands not sent because the circuit breaker was open (Redis considered down).",
      ),
      breaker: r.gauge("ballast_cache_breaker_open", "1 while the cache's circuit breaker is open, else 0."),
      // Only the in-process cache knows its size (Redis reports its own memory to its exporter).
      bytes:
        options.cache().bytes === undefined
          ? undefined
          : r.gauge(
              "ballast_cache_bytes",
              "Bytes held by the in-process cache (BALLAST_CACHE_MB bounds it).",
            ),
    };

    this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    this.loop.enable();

    r.onCollect(() => {
      const memory = process.memoryUsage();
      rss.set({}, memory.rss);
      heapUsed.set({}, memory.heapUsed);
      heapTotal.set({}, memory.heapTotal);
      const usage = process.cpuUsage();
      cpu.set({}, (usage.user + usage.system) / 1e6);
      this.inFlightGauge.set({}, this.inFlight);
      // Each sample is one interval plus the delay; the interval is not lag. Empty until ~10 ms of samples.
      const lag = (ns: number) =>
        this.loop.count === 0 ? 0 : Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS) / 1e3;
      lagMean.set({}, lag(this.loop.mean));
      lagP99.set({}, lag(this.loop.percentile(99)));
      lagMax.set({}, lag(this.loop.max));
      this.loop.reset();
      if (fileBytes) for (const [file, size] of Object.entries(this.fileSizes)) fileBytes.set({ file }, size);
      if (jobs) {
        jobs.set({ state: "waiting" }, this.queueDepth.total);
        jobs.set({ state: "due" }, this.queueDepth.due);
      }
      if (cache) {
        const stats = cache.read();
        cache.lookups.set({ result: "hit" }, stats.hits);
        cache.lookups.set({ result: "miss" }, stats.misses);
        cache.errors.set({}, stats.errors);
        cache.skipped.set({}, stats.skipped);
        cache.breaker.set({}, stats.breakerOpen ? 1 : 0);
        if (cache.bytes && stats.bytes !== undefined) cache.bytes.set({}, stats.bytes);
      }
      if (pool) {
        const stats = pool.read();
        pool.connections.set({ state: "in_use" }, stats.inUse);
        pool.connections.set({ state: "idle" }, stats.idle);
        pool.connections.set({ state: "max" }, stats.size);
        pool.waiting.set({}, stats.waiting);
      }
      if (uploads && options.queue) {
        const counts = options.queue.uploads();
        uploads.set({ outcome: "recorded" }, counts.confirmed);
        uploads.set({ outcome: "expired" }, counts.expired);
        uploads.set({ outcome: "failed" }, counts.failed);
      }
    });

    // The queue's depth is a query: read off the scrape path, like the file sizes below.
    if (options.queue) {
      const { depth } = options.queue;
      const refresh = async () => {
        this.queueDepth = await depth().catch(() => this.queueDepth);
      };
      void refresh();
      this.queueTimer = setInterval(() => void refresh(), 5_000);
      this.queueTimer.unref();
    }

    // File sizes are read off the scrape path (a stat per scrape would be fine too, but render is sync).
    if (options.databaseFiles) {
      const files = options.databaseFiles;
      const refresh = async () => {
        const sizes: Record<string, number> = {};
        for (const [label, path] of Object.entries(files)) {
          sizes[label] = (await stat(path).catch(() => undefined))?.size ?? 0;
        }
        this.fileSizes = sizes;
      };
      void refresh();
      this.fileSizeTimer = setInterval(() => void refresh(), 5_000);
      this.fileSizeTimer.unref();
    }
  }

  /** Call when a request arrives; `requestEnded` when its response has ended or its connection closed. */
  requestStarted(): void {
    this.inFlight++;
  }

  requestEnded(method: string, route: string, status: string, seconds: number): void {
    this.inFlight--;
    this.requests.inc({ method: METHODS.has(method) ? method : "OTHER", route, status });
    this.duration.observe({ route }, seconds);
  }

  rejectedOverloaded(): void {
    this.rejected.inc({ reason: "overloaded" });
  }

  fileStreamApplied(historyLines: number, metricPoints: number): void {
    this.fileStreamRequests.inc();
    this.historyLines.inc({}, historyLines);
    this.metricPoints.inc({}, metricPoints);
  }

  render(): string {
    return this.registry.render();
  }

  close(): void {
    this.loop.disable();
    if (this.fileSizeTimer) clearInterval(this.fileSizeTimer);
    if (this.queueTimer) clearInterval(this.queueTimer);
  }
}
