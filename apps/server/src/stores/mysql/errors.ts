import { AppError } from "@ballast/core";

/** ER_DATA_TOO_LONG: strict mode refused a value longer than its column. */
const DATA_TOO_LONG = 1406;

/**
 * A value too long for its column as the client's mistake (INVALID_ARGUMENT, a 400 with `what` and
 * the server's column message) instead of a 500; any other error unchanged. Strict mode makes MySQL
 * refuse such a value rather than truncate it, and the transaction that hit it has rolled back.
 */
export function refuseTooLong(error: unknown, what: string): unknown {
  if ((error as { errno?: unknown } | undefined)?.errno !== DATA_TOO_LONG) return error;
  const detail = error instanceof Error ? error.message : "";
  return new AppError("INVALID_ARGUMENT", `${what} (${detail}).`, { cause: error });
}
