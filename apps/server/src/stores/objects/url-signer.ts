import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "@ballast/core";

export type SignedMethod = "GET" | "PUT";

/**
 * HMAC-signed, expiring URLs for the server's own storage route (`/storage/<key>`). A signature
 * binds one method, one object key and one expiry time; it needs no Authorization header, because
 * the W&B client sends none on uploads and downloads.
 */
export class UrlSigner {
  private readonly secret: Buffer;
  private readonly publicUrl: string;

  constructor(secret: Buffer, publicUrl: string) {
    if (secret.length < 32) throw new Error("the URL signing secret must be at least 32 bytes");
    this.secret = secret;
    this.publicUrl = publicUrl;
  }

  private mac(method: SignedMethod, key: string, expires: number): string {
    return createHmac("sha256", this.secret).update(`${method}\n${key}\n${expires}`).digest("hex");
  }

  sign(method: SignedMethod, key: string, ttlSeconds: number, nowMs = Date.now()): string {
    const expires = Math.floor(nowMs / 1000) + ttlSeconds;
    const path = key.split("/").map(encodeURIComponent).join("/");
    return `${this.publicUrl}/storage/${path}?expires=${expires}&signature=${this.mac(method, key, expires)}`;
  }

  /** Throws SIGNATURE_INVALID or SIGNATURE_EXPIRED unless the query signs `method` on `key` now. */
  verify(method: SignedMethod, key: string, query: URLSearchParams, nowMs = Date.now()): void {
    const expiresText = query.get("expires") ?? "";
    const signature = query.get("signature") ?? "";
    if (!/^\d{1,12}$/.test(expiresText) || !/^[0-9a-f]{64}$/.test(signature)) {
      throw new AppError("SIGNATURE_INVALID", "This storage URL is not validly signed.");
    }
    const expected = Buffer.from(this.mac(method, key, Number(expiresText)), "hex");
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) {
      throw new AppError(
        "SIGNATURE_INVALID",
        "This storage URL is not validly signed for this object and method.",
      );
    }
    if (Number(expiresText) * 1000 < nowMs) {
      throw new AppError("SIGNATURE_EXPIRED", "This storage URL has expired; ask the server for a new one.");
    }
  }
}
