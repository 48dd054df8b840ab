import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@ballast/core";
import type { FileStreamRequest } from "../domain/runs/run.service.ts";
import type { Services } from "../domain/services.ts";
import { requireUser } from "../http/auth.ts";
import { readJsonBody } from "../http/body.ts";
import { sendJson } from "../http/respond.ts";
import type { FileStreamLines } from "../stores/records.ts";

/** File names one request may report as uploaded (wandb-core reports each file once, as it finishes). */
const MAX_UPLOADED = 10_000;

/** Validates a file_stream body (reference §7.1); a malformed one is refused whole with the reason. */
export function parseFileStreamBody(body: unknown): FileStreamRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("BAD_REQUEST", "The file_stream body must be a JSON object.");
  }
  const { files, complete, exitcode, preempting, uploaded } = body as Record<string, unknown>;
  const parsed: Record<string, FileStreamLines> = {};
  if (files !== undefined && files !== null) {
    if (typeof files !== "object" || Array.isArray(files))
      throw new AppError("BAD_REQUEST", "`files` must be an object.");
    for (const [name, chunk] of Object.entries(files)) {
      const { offset, content } = (chunk ?? {}) as Record<string, unknown>;
      if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
        throw new AppError(
          "BAD_REQUEST",
          `files[${JSON.stringify(name)}].offset must be a non-negative integer.`,
        );
      }
      if (!Array.isArray(content) || !content.every((line) => typeof line === "string")) {
        throw new AppError(
          "BAD_REQUEST",
          `files[${JSON.stringify(name)}].content must be an array of strings.`,
        );
      }
      parsed[name] = { offset, lines: content as string[] };
    }
  }
  if (
    exitcode !== undefined &&
    exitcode !== null &&
    (typeof exitcode !== "number" || !Number.isInteger(exitcode))
  ) {
    throw new AppError("BAD_REQUEST", "`exitcode` must be an integer.");
  }
  if (
    uploaded !== undefined &&
    uploaded !== null &&
    (!Array.isArray(uploaded) ||
      uploaded.length > MAX_UPLOADED ||
      !uploaded.every((name) => typeof name === "string"))
  ) {
    throw new AppError("BAD_REQUEST", `\`uploaded\` must be an array of at most ${MAX_UPLOADED} file names.`);
  }
  return {
    files: parsed,
    uploaded: Array.isArray(uploaded) ? (uploaded as string[]) : [],
    complete: complete === true,
    exitCode: typeof exitcode === "number" ? exitcode : undefined,
    preempting: preempting === true,
  };
}

/** Told what each applied request carried (the server's ingest metrics). */
export type FileStreamObserver = (applied: { historyLines: number; metricPoints: number }) => void;

/** POST /files/{entity}/{project}/{run}/file_stream */
export function fileStreamHandler(services: Services, observe: FileStreamObserver = () => {}) {
  return async (req: IncomingMessage, res: ServerResponse, params: Readonly<Record<string, string>>) => {
    const user = await requireUser(req, services);
    const request = parseFileStreamBody(await readJsonBody(req, services.config.limits.fileStreamBodyBytes));
    const path = {
      entity: decodeURIComponent(params.entity ?? ""),
      project: decodeURIComponent(params.project ?? ""),
      run: decodeURIComponent(params.run ?? ""),
    };
    const { stopped, historyLines, metricPoints } = await services.runs.fileStream(user, path, request);
    observe({ historyLines, metricPoints });
    sendJson(res, 200, stopped ? { stopped: true } : {});
  };
}
