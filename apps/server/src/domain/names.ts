import { AppError } from "@ballast/core";

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f/\\:]/;

/**
 * Checks a user-chosen name (project, artifact type, alias): 1–128 characters, no control characters,
 * and none of `/ \ :`, which separate the parts of W&B paths such as `entity/project/name:alias`.
 */
export function checkName(value: string, what: string): string {
  if (value.length === 0 || value.length > 128 || UNSAFE_IN_NAME.test(value)) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Invalid ${what} ${JSON.stringify(value)}: use 1–128 characters without "/", "\\", ":" or control characters.`,
    );
  }
  return value;
}
