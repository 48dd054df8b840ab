/**
 * Slows password guessing at the sign-in form. Failed attempts are counted per username and per
 * client address over a sliding window; past the limit, sign-in for that key is refused (429 with
 * Retry-After) until the oldest counted failure leaves the window. A successful sign-in clears the
 * username's count. The username limit stops guessing one account's password; the address limit
 * stops one client trying a few passwords on many accounts.
 *
 * The counts live in this process: each replica of a scaled-out server counts on its own, so the
 * limits are per replica. Memory is bounded: past `maxKeys` tracked keys the stalest are dropped.
 */
import { AppError } from "@ballast/core";

export interface ThrottleLimits {
  /** Failures allowed per username within the window. */
  readonly perUsername: number;
  /** Failures allowed per client address within the window. */
  readonly perAddress: number;
  readonly windowMs: number;
  readonly maxKeys: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  perUsername: 10,
  perAddress: 100,
  windowMs: 15 * 60_000,
  maxKeys: 10_000,
};

export class SignInThrottle {
  private readonly limits: ThrottleLimits;
  /** Key → times of its failures within the window, oldest first. Map order = least recently failed first. */
  private readonly failures = new Map<string, number[]>();

  constructor(limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS) {
    this.limits = limits;
  }

  /** Throws TOO_MANY_ATTEMPTS while either the username or the address is over its limit. */
  check(username: string, address: string | undefined, now: number): void {
    const wait = Math.max(
      this.waitMs(`user:${username}`, this.limits.perUsername, now),
      address === undefined ? 0 : this.waitMs(`addr:${address}`, this.limits.perAddress, now),
    );
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new AppError(
        "TOO_MANY_ATTEMPTS",
        `Too many failed sign-in attempts. Try again in ${seconds < 120 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`}.`,
        { retryAfterSeconds: seconds },
      );
    }
  }

  failed(username: string, address: string | undefined, now: number): void {
    this.record(`user:${username}`, now);
    if (address !== undefined) this.record(`addr:${address}`, now);
  }

  succeeded(username: string): void {
    this.failures.delete(`user:${username}`);
  }

  /** How long `key` must wait: 0 when under `limit` failures within the window. */
  private waitMs(key: string, limit: number, now: number): number {
    const times = this.recent(key, now);
    if (times.length < limit) return 0;
    return (times[times.length - limit] ?? now) + this.limits.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (!times) return [];
    const from = times.findIndex((t) => t > now - this.limits.windowMs);
    if (from === -1) {
      this.failures.delete(key);
      return [];
    }
    if (from > 0) times.splice(0, from);
    return times;
  }

  private record(key: string, now: number): void {
    const times = this.recent(key, now);
    // Re-insert so the map stays ordered by last failure; keep no more than the largest limit needs.
    this.failures.delete(key);
    times.push(now);
    const keep = Math.max(this.limits.perUsername, this.limits.perAddress);
    if (times.length > keep) times.splice(0, times.length - keep);
    this.failures.set(key, times);
    while (this.failures.size > this.limits.maxKeys) {
      const stalest = this.failures.keys().next().value;
      if (stalest === undefined) break;
      this.failures.delete(stalest);
    }
  }
}
