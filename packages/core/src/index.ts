export { API_KEY_BODY_LENGTH, API_KEY_PREFIX, apiKeyDisplayPrefix, isWellFormedApiKey } from "./api-key.ts";
export { AppError, ERROR_CODES, type ErrorCode, isAppError } from "./errors.ts";
export { type JsonValue, parseLenientJson, stringifyLenientJson } from "./lenient-json.ts";
export { LinearRegex, RegexSyntaxError } from "./linear-regex.ts";
export { RUN_STATES, type RunState } from "./run-state.ts";
