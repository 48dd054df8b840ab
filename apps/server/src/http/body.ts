import type { IncomingMessage } from "node:http";
import { createGunzip } from "node:zlib";
import { AppError } from "@ballast/core";

/**
 * Reads a request body into memory, up to `limit` bytes after decompression (gzip is accepted because
 * wandb-core may gzip file_stream bodies). Too large → PAYLOAD_TOO_LARGE with the limit in the message.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Encoding ${encoding} is not supported; send gzip or nothing.`,
    );
  }
  if (encoding === "identity" && declared > limit) throw tooLarge(limit);
  const source: AsyncIterable<Buffer> = encoding === "gzip" ? req.pipe(createGunzip()) : req;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > limit) {
        req.resume();
        throw tooLarge(limit);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    if ((error as NodeJS.ErrnoException).code?.startsWith("Z_")) {
      throw new AppError("BAD_REQUEST", "The request body is not valid gzip.");
    }
    throw error;
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): AppError {
  return new AppError(
    "PAYLOAD_TOO_LARGE",
    `The request body exceeds this endpoint's limit of ${limit} bytes.`,
  );
}

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new AppError("INVALID_JSON", `The request body is not valid JSON: ${(error as Error).message}`);
  }
}
