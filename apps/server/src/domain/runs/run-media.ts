/**
 * The media a run logged (images, HTML, tables), for the web UI's Media tab. Which keys hold media
 * comes from the run's summary (the client keeps the last value of every key there); a key's steps
 * come from the history lines holding it, sampled evenly like every history read. Media bytes are
 * run files (`media/...`) in the object store.
 */
import { AppError } from "@ballast/core";
import type { RunFileRecord, RunRecord, UserRecord } from "../../stores/records.ts";
import type { Services } from "../services.ts";
import { type MediaItem, mediaItemsOf, mediaKeysOf, type TablePage, tablePage } from "./media-values.ts";

type Deps = Pick<Services, "access" | "stores" | "config" | "runReads">;

export interface RunPath {
  readonly entity: string;
  readonly project: string;
  readonly run: string;
}

/** Steps shown per media key: the slider covers the whole run, evenly sampled beyond this. */
export const MAX_MEDIA_STEPS = 1000;
/** Table files are parsed in memory to page them; larger ones are refused (download them instead). */
export const MAX_TABLE_BYTES = 64 * 1024 * 1024;
export const MAX_TABLE_PAGE = 500;

/** A run the user may read, by its address. */
export async function readableRun(deps: Deps, user: UserRecord, path: RunPath): Promise<RunRecord> {
  const project = await deps.access.project(user, path.entity, path.project, "read");
  const run = await deps.stores.runs.findRun(project.id, path.run);
  if (!run)
    throw new AppError("RUN_NOT_FOUND", `Run ${path.entity}/${path.project}/${path.run} does not exist.`);
  return run;
}

export async function mediaKeys(deps: Deps, user: UserRecord, path: RunPath) {
  const run = await readableRun(deps, user, path);
  return mediaKeysOf(run.summary);
}

export interface MediaStep {
  readonly step: number;
  readonly items: readonly (MediaItem & { readonly url: string | null })[];
}

/**
 * The logged values of one media key, step by step. Images carry a signed download URL (an `<img>`
 * can show it; /storage answers are inert in a page, http/storage.handler.ts); HTML and tables are
 * fetched through the dedicated media endpoints instead, so they have no URL here.
 */
export async function mediaSteps(
  deps: Deps,
  user: UserRecord,
  path: RunPath,
  key: string,
): Promise<MediaStep[]> {
  const run = await readableRun(deps, user, path);
  const spec = JSON.stringify({ keys: ["_step", key], samples: MAX_MEDIA_STEPS });
  const [rows = []] = await deps.runReads.sampledHistory(run, [spec]);
  const files = await runFilesByName(
    deps,
    run,
    rows.flatMap((row) => mediaItemsOf(row[key]).map((item) => item.path)),
  );
  const steps: MediaStep[] = [];
  for (const row of rows) {
    const step = row._step;
    if (typeof step !== "number") continue;
    const items = await Promise.all(
      mediaItemsOf(row[key]).map(async (item) => {
        const file = files.get(item.path);
        const url =
          item.kind === "image" && file
            ? await deps.stores.objects.signDownload(
                file.storageKey,
                deps.config.limits.downloadUrlTtlSeconds,
              )
            : null;
        return { ...item, url };
      }),
    );
    steps.push({ step, items });
  }
  return steps;
}

async function runFilesByName(deps: Deps, run: RunRecord, names: readonly string[]) {
  const byName = new Map<string, RunFileRecord>();
  const unique = [...new Set(names)];
  for (let i = 0; i < unique.length; i += 500) {
    const files = await deps.stores.runReads.runFiles(run.id, {
      names: unique.slice(i, i + 500),
      pattern: null,
      afterName: "",
      limit: 500,
    });
    for (const file of files) byName.set(file.name, file);
  }
  return byName;
}

/** A media file of the run, whose name ends as `suffix` says (`.html`, `.table.json`). */
async function mediaFile(deps: Deps, user: UserRecord, path: RunPath, name: string, suffix: string) {
  if (!name.startsWith("media/") || !name.endsWith(suffix) || name.split("/").includes(".."))
    throw new AppError("INVALID_ARGUMENT", `Expected a media file ending in ${suffix}.`);
  const run = await readableRun(deps, user, path);
  const [file] = await deps.stores.runReads.runFiles(run.id, {
    names: [name],
    pattern: null,
    afterName: "",
    limit: 1,
  });
  if (!file) throw new AppError("NOT_FOUND", `The run has no file ${JSON.stringify(name)} (yet).`);
  return file;
}

async function readAll(deps: Deps, key: string, maxBytes: number): Promise<Buffer> {
  const object = await deps.stores.objects.get(key);
  if (!object) throw new AppError("OBJECT_NOT_FOUND", "The file's content is not stored (yet).");
  if (object.size > maxBytes) {
    object.body.destroy();
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `The file is larger than ${maxBytes} bytes; download it instead.`,
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bytes of a logged `wandb.Html` file (small: HTML media is a page, not a dataset). */
export async function htmlMedia(deps: Deps, user: UserRecord, path: RunPath, name: string): Promise<Buffer> {
  const file = await mediaFile(deps, user, path, name, ".html");
  return readAll(deps, file.storageKey, MAX_TABLE_BYTES);
}

/**
 * One page of a logged `wandb.Table`. The server pages it rather than the browser: a run table holds
 * up to 10,000 rows (wandb Table.MAX_ROWS) of arbitrary cells, too much to ship for a 50-row view.
 */
export async function tableMedia(
  deps: Deps,
  user: UserRecord,
  path: RunPath,
  name: string,
  offset: number,
  limit: number,
): Promise<TablePage> {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new AppError("INVALID_ARGUMENT", "offset must be a non-negative integer.");
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_TABLE_PAGE)
    throw new AppError("INVALID_ARGUMENT", `limit must be 1 to ${MAX_TABLE_PAGE}.`);
  const file = await mediaFile(deps, user, path, name, ".table.json");
  const bytes = await readAll(deps, file.storageKey, MAX_TABLE_BYTES);
  return tablePage(bytes.toString("utf8"), offset, limit);
}
