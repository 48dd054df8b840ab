/**
 * What a store offers `/readyz`: a cheap check that its backend answers right now. Each store
 * implementation provides its own (SQLite: a trivial query; local disk: a directory access check;
 * MySQL, S3, Redis and the queue add theirs the same way) and the server runs them all, in
 * parallel, each under a short timeout (ops/readiness.ts).
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname } from "node:path";

export interface ReadinessCheck {
  /** Shown as the key under `checks` in the /readyz answer: `database`, `objects`, `cache`, `queue`. */
  readonly name: string;
  /**
   * False for a dependency Ballast works without (the cache): its failure is reported, and the
   * server answers `degraded` but stays ready. Default true.
   */
  readonly required?: boolean;
  /**
   * Resolves when the dependency answers; rejects otherwise, preferably with a `ReadinessError`
   * whose message tells an operator what is wrong. Should give up when `signal` aborts; a check
   * that cannot (a synchronous driver call) is still bounded by the caller's timeout.
   */
  check(signal: AbortSignal): Promise<void>;
}

/**
 * A failed check, with a message written for the operator reading /readyz. /readyz is unauthenticated,
 * so the message is ours, never the driver's text (which may carry hosts, user names or keys): the full
 * error goes to the server log only.
 */
export class ReadinessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ReadinessError";
  }
}

/**
 * A directory the process must be able to read and write (the local-disk object store's root).
 * Stats and `access(2)` only: nothing is created, so the check leaves no trace and needs no clean-up.
 * When the directory does not exist yet (a new installation, before the first upload), the
 * nearest existing parent must be writable instead, so the store can create it.
 */
export function directoryReadiness(name: string, directory: string, label: string): ReadinessCheck {
  return {
    name,
    async check(signal) {
      let target = directory;
      for (;;) {
        signal.throwIfAborted();
        try {
          const info = await stat(target);
          if (!info.isDirectory()) throw new ReadinessError(`${label}: is not a directory`);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT" || dirname(target) === target) {
            throw readinessFailure(`${label}: cannot be examined`, error);
          }
          target = dirname(target);
        }
      }
      try {
        await access(target, constants.R_OK | constants.W_OK | constants.X_OK);
      } catch (error) {
        throw readinessFailure(`${label}: not readable and writable by the server process`, error);
      }
    },
  };
}

/** A ReadinessError for `error`: our message plus the error's code (`EACCES`), never its text. */
export function readinessFailure(message: string, error: unknown): ReadinessError {
  if (error instanceof ReadinessError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const suffix = typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : "";
  return new ReadinessError(`${message}${suffix}`, { cause: error });
}
