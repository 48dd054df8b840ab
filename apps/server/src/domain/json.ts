import { AppError, type JsonValue, parseLenientJson } from "@ballast/core";

/** Parses client JSON (NaN/Infinity tokens allowed) that must be an object; INVALID_JSON otherwise. */
export function parseJsonObject(text: string, what: string): { [key: string]: JsonValue } {
  let value: JsonValue;
  try {
    value = parseLenientJson(text);
  } catch (error) {
    throw new AppError("INVALID_JSON", `${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new AppError("INVALID_JSON", `${what} must be a JSON object.`);
  }
  return value;
}
