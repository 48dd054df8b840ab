import { AppError } from "@ballast/core";

const MAX_PATH_LENGTH = 1024;
const MAX_ENCODING_LAYERS = 3;

/** Decodes every valid `%XX` (as one byte) and leaves other `%` alone, so one stray `%` hides nothing. */
function percentDecode(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * Checks a client-chosen relative file path (run file, artifact entry) and returns it unchanged.
 * Refused: empty, absolute, `..` or `.` segments, backslashes, NUL and control characters, and any of
 * those hidden behind one or more layers of percent-encoding.
 */
export function checkRelativePath(path: unknown, what = "file path"): string {
  if (typeof path !== "string" || path.length === 0 || path.length > MAX_PATH_LENGTH) {
    throw new AppError(
      "INVALID_PATH",
      `The ${what} must be a relative path of 1–${MAX_PATH_LENGTH} characters.`,
    );
  }
  let candidate = path;
  for (let layer = 0; ; layer++) {
    if (!isPlainRelativePath(candidate)) {
      throw new AppError(
        "INVALID_PATH",
        `The ${what} ${JSON.stringify(path)} is not allowed: use a relative path without "..", "\\", NUL or a leading "/".`,
      );
    }
    const decoded = percentDecode(candidate);
    if (decoded === candidate) break;
    if (layer === MAX_ENCODING_LAYERS) {
      throw new AppError(
        "INVALID_PATH",
        `The ${what} ${JSON.stringify(path)} has too many layers of percent-encoding.`,
      );
    }
    candidate = decoded;
  }
  return path;
}

function isPlainRelativePath(path: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return false;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return false;
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}
