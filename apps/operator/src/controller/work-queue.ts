/**
 * The controller's work queue: one entry per resource key (`namespace/name`), processed one at a
 * time per key. Adding a key that is already waiting keeps the earlier due time; a key added while
 * it is being processed runs again afterwards. Failed reconciles back off exponentially per key
 * (1 s doubling to 5 min), as controller-runtime's default rate limiter does.
 */

export class WorkQueue {
  private readonly due = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly work: (key: string) => Promise<number | undefined>;
  private stopped = false;

  /** `work` returns the delay before the key's next periodic pass, or undefined for none. */
  constructor(work: (key: string) => Promise<number | undefined>) {
    this.work = work;
  }

  add(key: string, delayMs = 0): void {
    if (this.stopped) return;
    if (this.running.has(key) && delayMs === 0) {
      this.again.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const waiting = this.due.get(key);
    if (waiting && waiting.at <= at) return;
    if (waiting) clearTimeout(waiting.timer);
    const timer = setTimeout(() => {
      this.due.delete(key);
      void this.process(key);
    }, delayMs);
    timer.unref();
    this.due.set(key, { at, timer });
  }

  get depth(): number {
    return this.due.size + this.running.size;
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.due.values()) clearTimeout(timer);
    this.due.clear();
  }

  private async process(key: string): Promise<void> {
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    this.running.add(key);
    let next: number | undefined;
    try {
      next = await this.work(key);
      this.failures.delete(key);
    } catch {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      next = Math.min(1000 * 2 ** (failures - 1), 300_000);
    } finally {
      this.running.delete(key);
    }
    if (this.again.delete(key)) this.add(key, 0);
    else if (next !== undefined) this.add(key, next);
  }
}
