/**
 * The secret in an emailed link (`<HOST>/invite/<token>`, `<HOST>/reset-password/<token>`): 32 random
 * bytes, base64url (43 characters). Only its SHA-256 is stored, like session ids.
 */
import { createHash, randomBytes } from "node:crypto";

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface LinkToken {
  readonly token: string;
  readonly hash: string;
}

export function newLinkToken(): LinkToken {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: linkTokenHash(token) };
}

/** The stored digest of a token (hex SHA-256). */
export function linkTokenHash(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Whether the text can be a token at all (anything else is refused without a database look-up). */
export function isLinkToken(text: string): boolean {
  return TOKEN_SHAPE.test(text);
}

/** `<publicUrl>/<page>/<token>`: publicUrl has no trailing slash (config.ts). */
export function linkUrl(publicUrl: string, page: "invite" | "reset-password", token: string): string {
  return `${publicUrl}/${page}/${token}`;
}
