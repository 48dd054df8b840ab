import { createHash, randomInt } from "node:crypto";
import { API_KEY_BODY_LENGTH, API_KEY_PREFIX } from "@ballast/core";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A new key, `local-` + 40 characters from a CSPRNG (~238 bits). */
export function generateApiKey(): string {
  let body = "";
  for (let i = 0; i < API_KEY_BODY_LENGTH; i++) body += ALPHABET[randomInt(ALPHABET.length)];
  return API_KEY_PREFIX + body;
}

/** Keys are random, not chosen by people, so one SHA-256 is a sufficient one-way store. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}
