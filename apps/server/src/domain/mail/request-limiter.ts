/**
 * Limits password-reset requests (the same idea as auth/sign-in-throttle.ts, counting every request
 * rather than failures): at most `perEmail` for one email and `perAddress` from one client address
 * within the window, so the form cannot be used to flood someone's mailbox or the mail server.
 * Counts live in this process (per replica); memory is bounded by `maxKeys`.
 */
import { AppError } from "@ballast/core";

export interface RequestLimits {
  readonly perEmail: number;
  readonly perAddress: number;
  readonly windowMs: number;
  readonly maxKeys: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  perEmail: 5,
  perAddress: 30,
  windowMs: 60 * 60_000,
  maxKeys: 10_000,
};

export class RequestLimiter {
  private readonly limits: RequestLimits;
  /** Key → times of its requests within the window, oldest first; map order = least recent first. */
  private readonly requests = new Map<string, number[]>();

  constructor(limits: RequestLimits = DEFAULT_REQUEST_LIMITS) {
    this.limits = limits;
  }

  /** Counts a request, or throws TOO_MANY_ATTEMPTS (nothing counted) when a limit is reached. */
  take(email: string, address: string | undefined, now: number): void {
    const keys: [string, number][] = [[`email:${email}`, this.limits.perEmail]];
    if (address !== undefined) keys.push([`addr:${address}`, this.limits.perAddress]);
    const wait = Math.max(...keys.map(([key, limit]) => this.waitMs(key, limit, now)));
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      throw new AppError(
        "TOO_MANY_ATTEMPTS",
        `Too many password reset requests. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
        { retryAfterSeconds: Math.ceil(wait / 1000) },
      );
    }
    for (const [key] of keys) this.record(key, now);
  }

  private waitMs(key: string, limit: number, now: number): number {
    const times = this.recent(key, now);
    if (times.length < limit) return 0;
    return (times[times.length - limit] ?? now) + this.limits.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    const times = this.requests.get(key);
    if (!times) return [];
    const from = times.findIndex((t) => t > now - this.limits.windowMs);
    if (from === -1) {
      this.requests.delete(key);
      return [];
    }
    if (from > 0) times.splice(0, from);
    return times;
  }

  private record(key: string, now: number): void {
    const times = this.recent(key, now);
    this.requests.delete(key);
    times.push(now);
    const keep = Math.max(this.limits.perEmail, this.limits.perAddress);
    if (times.length > keep) times.splice(0, times.length - keep);
    this.requests.set(key, times);
    while (this.requests.size > this.limits.maxKeys) {
      const stalest = this.requests.keys().next().value;
      if (stalest === undefined) break;
      this.requests.delete(stalest);
    }
  }
}
