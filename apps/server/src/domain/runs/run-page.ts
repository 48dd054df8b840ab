/**
 * The web UI's run page: one run read through the project's access policy (as the GraphQL `project
 * { run }` field does), its metadata file, console lines, files, and the edits people make there
 * (display name, notes, tags — the same fields the client's UpsertBucket sets).
 */
import { AppError, type JsonValue, parseLenientJson } from "@ballast/core";
import type { ProjectRecord, RunFileRecord, RunRecord, UserRecord } from "../../stores/records.ts";
import { allows } from "../access/policy.ts";
import type { Services } from "../services.ts";

export interface RunPath {
  readonly entity: string;
  readonly project: string;
  readonly run: string;
}

type Deps = Pick<Services, "config" | "stores" | "access" | "runs">;

/** The file wandb-core writes at start with the host, program, git state, Python and OS. */
export const METADATA_FILE = "wandb-metadata.json";
/** Larger metadata files are not read (the client's is a few kilobytes). */
const MAX_METADATA_BYTES = 1024 * 1024;
export const MAX_LOG_PAGE = 5000;
/** Files listed per run: the page shows a tree, not an export. */
export const MAX_LISTED_FILES = 10_000;

export const LIMITS = { displayName: 128, notes: 100_000, tags: 100, tag: 64 } as const;

/** What the run page shows about where and how the run ran (all optional: older clients send less). */
export interface RunMetadata {
  readonly host: string | null;
  readonly program: string | null;
  readonly codePath: string | null;
  readonly args: readonly string[];
  readonly python: string | null;
  readonly os: string | null;
  readonly executable: string | null;
  readonly gitRemote: string | null;
  readonly gitCommit: string | null;
}

export interface RunView {
  readonly run: RunRecord;
  readonly project: ProjectRecord;
  readonly user: UserRecord | undefined;
  readonly canWrite: boolean;
}

/** The run, if the user may read its project; PROJECT_NOT_FOUND / RUN_NOT_FOUND / PERMISSION_DENIED. */
export async function readableRun(
  deps: Pick<Deps, "stores" | "access">,
  user: UserRecord,
  path: RunPath,
): Promise<{ run: RunRecord; project: ProjectRecord }> {
  const project = await deps.access.project(user, path.entity, path.project, "read");
  const run = await deps.stores.runs.findRun(project.id, path.run);
  if (!run)
    throw new AppError(
      "RUN_NOT_FOUND",
      `Run ${project.entityName}/${project.name}/${path.run} does not exist.`,
    );
  return { run, project };
}

export async function runView(deps: Deps, user: UserRecord, path: RunPath): Promise<RunView> {
  const { run, project } = await readableRun(deps, user, path);
  const [owner, role] = await Promise.all([
    run.userId === null ? undefined : deps.stores.runReads.usersByIds([run.userId]),
    deps.stores.identity.memberRole(project.entityId, user.id),
  ]);
  return {
    run,
    project,
    user: run.userId === null ? undefined : owner?.get(run.userId),
    canWrite: allows(user, role, "write"),
  };
}

/** The run's metadata file, with the run's own columns as fall-backs; empty when there is none. */
export async function runMetadata(deps: Pick<Deps, "stores">, run: RunRecord): Promise<RunMetadata> {
  const parsed = await readMetadataFile(deps, run.id);
  const text = (key: string): string | null => {
    const value = parsed[key];
    return typeof value === "string" && value !== "" ? value : null;
  };
  const git = parsed.git;
  const gitText = (key: string): string | null => {
    if (git === null || typeof git !== "object" || Array.isArray(git)) return null;
    const value = git[key];
    return typeof value === "string" && value !== "" ? value : null;
  };
  const args = Array.isArray(parsed.args) ? parsed.args.filter((a) => typeof a === "string") : [];
  return {
    host: text("host") ?? run.host,
    program: text("program") ?? run.program,
    codePath: text("codePath"),
    args,
    python: text("python"),
    os: text("os"),
    executable: text("executable"),
    gitRemote: gitText("remote") ?? run.gitRepo,
    gitCommit: gitText("commit") ?? run.gitCommit,
  };
}

async function readMetadataFile(
  deps: Pick<Deps, "stores">,
  runId: number,
): Promise<{ [key: string]: JsonValue }> {
  const [file] = await deps.stores.runReads.runFiles(runId, {
    names: [METADATA_FILE],
    pattern: null,
    afterName: "",
    limit: 1,
  });
  if (!file || file.size > MAX_METADATA_BYTES) return {};
  const object = await deps.stores.objects.get(file.storageKey);
  if (!object) return {};
  const chunks: Buffer[] = [];
  for await (const chunk of object.body) chunks.push(Buffer.from(chunk as Uint8Array));
  try {
    const value = parseLenientJson(Buffer.concat(chunks).toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
  } catch {
    return {}; // a file the client could not have written: show the run without it
  }
}

export interface RunEdit {
  readonly displayName?: string | undefined;
  readonly notes?: string | undefined;
  readonly tags?: readonly string[] | undefined;
}

/** Checks an edit and returns it normalized: trimmed name and tags, tags without duplicates. */
export function checkRunEdit(edit: RunEdit): RunEdit {
  const out: { displayName?: string; notes?: string; tags?: string[] } = {};
  if (edit.displayName !== undefined) {
    const name = edit.displayName.trim();
    if (name.length === 0 || name.length > LIMITS.displayName)
      throw new AppError(
        "INVALID_ARGUMENT",
        `displayName must be 1 to ${LIMITS.displayName} characters (not only spaces).`,
      );
    out.displayName = name;
  }
  if (edit.notes !== undefined) {
    if (edit.notes.length > LIMITS.notes)
      throw new AppError(
        "INVALID_ARGUMENT",
        `notes are limited to ${LIMITS.notes.toLocaleString("en")} characters.`,
      );
    out.notes = edit.notes;
  }
  if (edit.tags !== undefined) {
    const tags = [...new Set(edit.tags.map((t) => t.trim()))];
    if (tags.length > LIMITS.tags)
      throw new AppError("INVALID_ARGUMENT", `A run takes at most ${LIMITS.tags} tags.`);
    for (const tag of tags) {
      if (tag.length === 0 || tag.length > LIMITS.tag)
        throw new AppError(
          "INVALID_ARGUMENT",
          `Each tag must be 1 to ${LIMITS.tag} characters (not only spaces).`,
        );
    }
    out.tags = tags;
  }
  return out;
}

/** Applies an edit from the run page; the user must be allowed to write to the run's project. */
export async function editRun(deps: Deps, user: UserRecord, path: RunPath, edit: RunEdit): Promise<void> {
  const checked = checkRunEdit(edit);
  const { run } = await deps.runs.forWrite(user, path.entity, path.project, path.run);
  const fields: { displayName?: string; notes?: string; tags?: readonly string[] } = {};
  if (checked.displayName !== undefined) fields.displayName = checked.displayName;
  if (checked.notes !== undefined) fields.notes = checked.notes;
  if (checked.tags !== undefined) fields.tags = checked.tags;
  await deps.runs.upsert(user, { storageRunId: run.id, fields });
}

/**
 * Console lines after line `after` (or from the first with null), at most `limit`. Line numbers are
 * the client's: a `\r` progress bar rewrites a line in place, so a follower re-reads its last line.
 */
export async function runLogLines(
  deps: Pick<Deps, "stores" | "access">,
  user: UserRecord,
  path: RunPath,
  after: number | null,
  limit: number,
): Promise<{ lines: { line: number; text: string }[]; more: boolean; total: number }> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LOG_PAGE)
    throw new AppError("INVALID_ARGUMENT", `limit must be from 1 to ${MAX_LOG_PAGE}.`);
  if (after !== null && (!Number.isSafeInteger(after) || after < -1))
    throw new AppError("INVALID_ARGUMENT", "after must be a line number (0 or more).");
  const { run } = await readableRun(deps, user, path);
  const rows = await deps.stores.runs.logLines(run.id, after === null ? 0 : after + 1, limit + 1);
  return {
    lines: rows.slice(0, limit).map((row) => ({ line: row.lineNo, text: row.line })),
    more: rows.length > limit,
    total: run.logLineCount,
  };
}

/** The run's files by name (up to MAX_LISTED_FILES; `truncated` says when there were more). */
export async function runFileList(
  deps: Pick<Deps, "stores" | "access">,
  user: UserRecord,
  path: RunPath,
): Promise<{ files: RunFileRecord[]; truncated: boolean }> {
  const { run } = await readableRun(deps, user, path);
  const files = await deps.stores.runReads.runFiles(run.id, {
    names: null,
    pattern: null,
    afterName: "",
    limit: MAX_LISTED_FILES + 1,
  });
  return { files: files.slice(0, MAX_LISTED_FILES), truncated: files.length > MAX_LISTED_FILES };
}

/** A short-lived download URL for one of the run's files. */
export async function runFileUrl(
  deps: Pick<Deps, "stores" | "access" | "config">,
  user: UserRecord,
  path: RunPath,
  name: string,
): Promise<string> {
  const { run } = await readableRun(deps, user, path);
  const [file] = await deps.stores.runReads.runFiles(run.id, {
    names: [name],
    pattern: null,
    afterName: "",
    limit: 1,
  });
  if (!file || file.name !== name)
    throw new AppError("NOT_FOUND", `The run has no file ${JSON.stringify(name)}.`);
  return deps.stores.objects.signDownload(file.storageKey, deps.config.limits.downloadUrlTtlSeconds);
}
