import { randomInt } from "node:crypto";
import { AppError } from "@ballast/core";
import type { ServerConfig } from "../../config.ts";
import type { StoredObject } from "../../stores/objects/object-store.ts";
import type {
  FileStreamLines,
  FileStreamWrite,
  ProjectRecord,
  RunFields,
  RunRecord,
  UserRecord,
} from "../../stores/records.ts";
import type { AccessService } from "../access/access.service.ts";
import { parseJsonObject } from "../json.ts";
import { checkName } from "../names.ts";
import { checkRelativePath } from "../paths.ts";
import type { Stores } from "../services.ts";
import type { UploadConfirmer } from "../storage/upload-confirmer.ts";
import { generateDisplayName } from "./display-name.ts";
import { HistoryParser } from "./history-parser.ts";

const RUN_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const RUN_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export interface UpsertRunInput {
  readonly storageRunId?: number | undefined;
  readonly name?: string | undefined;
  readonly project?: string | undefined;
  readonly entity?: string | undefined;
  readonly fields: RunFields;
}

/** A file_stream request body after validation (reference §7.1). */
export interface FileStreamRequest {
  readonly files: Readonly<Record<string, FileStreamLines>>;
  readonly complete: boolean;
  readonly exitCode: number | undefined;
  readonly preempting: boolean;
  /** Run files whose PUT just succeeded (paths relative to the run). */
  readonly uploaded: readonly string[];
}

export const HISTORY_FILE = "wandb-history.jsonl";
export const EVENTS_FILE = "wandb-events.jsonl";
export const SUMMARY_FILE = "wandb-summary.json";
export const OUTPUT_FILE = "output.log";

export function runFileKey(runId: number, name: string): string {
  return `runs/${runId}/files/${name}`;
}

export class RunService {
  private readonly config: ServerConfig;
  private readonly stores: Stores;
  private readonly access: AccessService;
  private readonly uploads: UploadConfirmer;
  private readonly historyParser = new HistoryParser();

  constructor(config: ServerConfig, stores: Stores, access: AccessService, uploads: UploadConfirmer) {
    this.config = config;
    this.stores = stores;
    this.access = access;
    this.uploads = uploads;
  }

  /** Stops the history parser's worker threads. */
  close(): void {
    this.historyParser.close();
  }

  /** UpsertBucket: creates the run (and its project, on first use) or updates the fields sent. */
  async upsert(
    user: UserRecord,
    input: UpsertRunInput,
  ): Promise<{ run: RunRecord; project: ProjectRecord; inserted: boolean }> {
    let project: ProjectRecord;
    let name = input.name;
    if (input.storageRunId !== undefined && (name === undefined || input.project === undefined)) {
      const existing = await this.stores.runs.findRunById(input.storageRunId);
      if (!existing) throw new AppError("RUN_NOT_FOUND", "No run has that id.");
      project = await this.access.projectById(user, existing.projectId, "write");
      name = existing.name;
    } else {
      if (input.project !== undefined) checkName(input.project, "project name");
      project = await this.access.projectForWrite(user, input.entity, input.project ?? "uncategorized");
    }
    name ??= randomRunId();
    if (!RUN_NAME.test(name)) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `Invalid run id ${JSON.stringify(name)}: use up to 128 of A-Z a-z 0-9 _ . -`,
      );
    }
    if (input.fields.config !== undefined) parseJsonObject(input.fields.config, "config");
    const { run, inserted } = await this.stores.runs.upsertRun({
      projectId: project.id,
      name,
      userId: user.id,
      fields: input.fields,
      defaultDisplayName: (ordinal) => generateDisplayName(ordinal),
      now: Date.now(),
    });
    return { run, project, inserted };
  }

  /** The run for reading, or undefined when it does not exist (the project must be readable). */
  async find(user: UserRecord, entity: string | null | undefined, project: string, name: string) {
    const entityRecord = await this.access.entity(user, entity, "read");
    const projectRecord = await this.stores.identity.findProject(entityRecord.id, project);
    if (!projectRecord) return undefined;
    const run = await this.stores.runs.findRun(projectRecord.id, name);
    return run && { run, project: projectRecord };
  }

  /** The run, if the user may write to it; an empty entity means the user's own. */
  async forWrite(user: UserRecord, entity: string, project: string, name: string) {
    const entityRecord = await this.access.entity(user, entity, "write");
    const projectRecord = await this.stores.identity.findProject(entityRecord.id, project);
    const run = projectRecord && (await this.stores.runs.findRun(projectRecord.id, name));
    if (!projectRecord || !run)
      throw new AppError("RUN_NOT_FOUND", `Run ${entityRecord.name}/${project}/${name} does not exist.`);
    return { run, project: projectRecord };
  }

  /**
   * Applies one file_stream request; `stopped` asks the client to stop the run. The counts (history
   * lines received, numeric values in them) feed the server's ingest metrics.
   */
  async fileStream(
    user: UserRecord,
    path: { entity: string; project: string; run: string },
    request: FileStreamRequest,
  ): Promise<{ stopped: boolean; historyLines: number; metricPoints: number }> {
    const { run } = await this.forWrite(user, path.entity, path.project, path.run);
    if (request.uploaded.length > 0 && !this.stores.objects.recordsUploads) {
      // The files went straight to the bucket; the client says they are there, so record them now
      // (before the write: if the bucket is unreachable, the client's retry of this request redoes both).
      for (const name of request.uploaded) checkRelativePath(name, "uploaded file name");
      await Promise.all(request.uploaded.map((name) => this.uploads.confirm(runFileKey(run.id, name))));
    }
    const write: {
      -readonly [K in keyof FileStreamWrite]: FileStreamWrite[K];
    } = { now: Date.now() };
    for (const [file, chunk] of Object.entries(request.files)) {
      if (chunk.lines.length === 0) continue;
      switch (file) {
        case HISTORY_FILE:
          write.history = await this.historyParser.parse(chunk.offset, chunk.lines);
          break;
        case EVENTS_FILE:
          write.events = chunk;
          break;
        case OUTPUT_FILE:
          write.logs = chunk;
          break;
        case SUMMARY_FILE:
          // wandb-core sends the whole summary at offset 0; older clients appended. The last line wins.
          write.summary = chunk.lines[chunk.lines.length - 1] ?? "{}";
          break;
        default:
          // Other names (older clients' extra files) carry nothing Ballast stores; say so, lose nothing else.
          process.emitWarning(`file_stream: ignoring lines for unknown file ${JSON.stringify(file)}`);
      }
    }
    if (request.complete) write.complete = { exitCode: request.exitCode ?? 0 };
    if (request.preempting) write.preempting = true;
    const { stopRequested } = await this.stores.runs.applyFileStream(run.id, write);
    return {
      stopped: stopRequested,
      historyLines: write.history?.texts.length ?? 0,
      metricPoints: write.history?.values.length ?? 0,
    };
  }

  /** Signed upload URLs for run files, in request order (createRunFiles). */
  async createUploadUrls(
    user: UserRecord,
    entity: string | null | undefined,
    project: string,
    runName: string,
    names: readonly string[],
  ) {
    const { run } = await this.forWrite(user, entity ?? "", project, runName);
    for (const name of names) checkRelativePath(name, "run file name");
    const files = await Promise.all(
      names.map(async (name) => {
        const signed = await this.stores.objects.signUpload(
          runFileKey(run.id, name),
          this.config.limits.uploadUrlTtlSeconds,
        );
        return { name, uploadUrl: signed.url, headers: signed.headers };
      }),
    );
    return { run, files };
  }

  /** Records a run file once its bytes are durable in the object store. */
  async fileStored(runId: number, name: string, storageKey: string, stored: StoredObject): Promise<void> {
    await this.stores.runs.upsertRunFile(
      { runId, name, size: stored.size, md5: stored.md5Base64, storageKey },
      Date.now(),
    );
  }

  /** `run.alert()`: records the alert on the run (titles and texts are bounded, not trusted). */
  async alert(
    user: UserRecord,
    input: {
      entity: string;
      project: string;
      run: string;
      title: string;
      text: string;
      severity: "INFO" | "WARN" | "ERROR";
      waitSeconds: number | null;
    },
  ): Promise<void> {
    const { run } = await this.forWrite(user, input.entity, input.project, input.run);
    if (input.title.length > 1000 || input.text.length > 100_000) {
      throw new AppError(
        "INVALID_ARGUMENT",
        "An alert's title is limited to 1,000 and its text to 100,000 characters.",
      );
    }
    await this.stores.runs.addAlert({
      runId: run.id,
      title: input.title,
      text: input.text,
      severity: input.severity,
      waitSeconds: input.waitSeconds,
      now: Date.now(),
    });
  }

  /** Marks runs whose client has gone silent as crashed. */
  async markSilentRunsCrashed(): Promise<number> {
    const now = Date.now();
    return this.stores.runs.markSilentRunsCrashed(now - this.config.runHeartbeatTimeoutSeconds * 1000, now);
  }
}

function randomRunId(): string {
  let id = "";
  for (let i = 0; i < 8; i++) id += RUN_ID_ALPHABET[randomInt(RUN_ID_ALPHABET.length)];
  return id;
}
