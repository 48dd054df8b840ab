import type { IncomingMessage } from "node:http";
import { AppError } from "@ballast/core";
import type { Services } from "../domain/services.ts";
import type { UserRecord } from "../stores/records.ts";

/**
 * The API key a request presents: HTTP Basic with any username (the W&B clients send `api:<key>`),
 * or `Bearer <key>`.
 */
export function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const [scheme, value = ""] = header.split(/\s+/, 2);
  if (scheme?.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  if (scheme?.toLowerCase() === "bearer") return value;
  return undefined;
}

export async function requireUser(req: IncomingMessage, services: Services): Promise<UserRecord> {
  const key = presentedKey(req);
  if (!key) {
    throw new AppError(
      "UNAUTHENTICATED",
      "An API key is required: run `wandb login --host <this server>` or set WANDB_API_KEY.",
    );
  }
  const user = await services.identity.authenticate(key);
  if (!user)
    throw new AppError("UNAUTHENTICATED", "The API key is not valid for this server (unknown or revoked).");
  return user;
}
