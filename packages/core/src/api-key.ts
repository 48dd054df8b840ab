/**
 * API keys in the form the W&B clients accept: `local-` followed by 40 characters of [A-Za-z0-9].
 * The client splits on the first `-` and requires 40+ `[\w-]` characters after it
 * (wandb/sdk/lib/wbauth/validation.py: check_api_key).
 */
export const API_KEY_PREFIX = "local-";
export const API_KEY_BODY_LENGTH = 40;
const API_KEY_PATTERN = /^local-[A-Za-z0-9]{40}$/;

export function isWellFormedApiKey(key: string): boolean {
  return API_KEY_PATTERN.test(key);
}

/** The part of a key that is safe to show again after creation (prefix and first 4 characters). */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + 4);
}
