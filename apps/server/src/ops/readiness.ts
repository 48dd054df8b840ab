/**
 * `/readyz`: whether this process should receive traffic. Runs every store's ReadinessCheck in
 * parallel, each bounded by a short timeout, and answers not-ready while the server shuts down so a
 * load balancer stops routing to it before its connections close.
 */
import { type ReadinessCheck, ReadinessError, readinessFailure } from "../stores/readiness.ts";

/** Per check. Below the 2–3 s a readiness probe usually allows, so the answer beats the probe's timeout. */
export const READINESS_TIMEOUT_MS = 1_500;

export interface CheckResult {
  readonly ok: boolean;
  /** How long the check took (or until it timed out), in milliseconds. */
  readonly ms: number;
  /** Why it failed: written for an operator, free of secrets (see ReadinessError). */
  readonly message?: string;
  /** Present (false) on a check the server stays ready without (the cache). */
  readonly required?: false;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly body: {
    /** `degraded`: ready, but a check that is not required failed (the cache); still HTTP 200. */
    readonly status: "ready" | "degraded" | "not ready" | "shutting down";
    readonly checks: Readonly<Record<string, CheckResult>>;
  };
}

export class Readiness {
  private readonly checks: readonly ReadinessCheck[];
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;
  private draining = false;
  /** Concurrent probes share one run of the checks, so probe traffic cannot multiply store load. */
  private running: Promise<ReadinessReport> | undefined;
  /** Last outcome per check, to log only changes (a failing probe every 10 s would flood the log). */
  private readonly lastOk = new Map<string, boolean>();

  constructor(
    checks: readonly ReadinessCheck[],
    options: { timeoutMs?: number; log?: (line: string) => void } = {},
  ) {
    this.checks = checks;
    this.timeoutMs = options.timeoutMs ?? READINESS_TIMEOUT_MS;
    this.log = options.log ?? ((line) => console.error(line));
  }

  /** From now on the server reports not ready (called first thing on shutdown). */
  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  evaluate(): Promise<ReadinessReport> {
    this.running ??= this.runChecks().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runChecks(): Promise<ReadinessReport> {
    const results = await Promise.all(this.checks.map((check) => this.runOne(check)));
    const checks: Record<string, CheckResult> = {};
    this.checks.forEach((check, i) => {
      const result = results[i];
      if (result) checks[check.name] = result;
    });
    const healthy = results.every((r) => r.ok || r.required === false);
    const ready = healthy && !this.draining;
    const degraded = results.some((r) => !r.ok);
    const status = this.draining ? "shutting down" : !healthy ? "not ready" : degraded ? "degraded" : "ready";
    return { ready, body: { status, checks } };
  }

  private async runOne(check: ReadinessCheck): Promise<CheckResult> {
    const started = performance.now();
    const optional = check.required === false ? ({ required: false } as const) : {};
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new ReadinessError(`${check.name}: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      await Promise.race([check.check(controller.signal), timeout]);
      const ms = elapsed(started);
      this.record(check.name, true, undefined);
      return { ok: true, ms, ...optional };
    } catch (error) {
      const ms = elapsed(started);
      const failure = readinessFailure(`${check.name}: check failed`, error);
      this.record(check.name, false, failure);
      return { ok: false, ms, message: failure.message, ...optional };
    } finally {
      clearTimeout(timer);
    }
  }

  private record(name: string, ok: boolean, failure: ReadinessError | undefined): void {
    const before = this.lastOk.get(name);
    this.lastOk.set(name, ok);
    if (before === ok) return;
    if (!ok && failure) {
      // The log is for operators with access to the machine: the cause's own text helps them here.
      const cause = failure.cause instanceof Error ? ` — cause: ${failure.cause.message}` : "";
      this.log(`readiness: ${failure.message}${cause}`);
    } else if (before === false) {
      this.log(`readiness: ${name} answers again`);
    }
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
