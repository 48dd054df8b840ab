/** The run page's JSON API calls (`/api/v1/runs/:entity/:project/:run…`) and their shapes. */
import { request } from "./client.ts";

/** A JSON value from the run's config or summary; ±Infinity arrive as text, NaN as null. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

export interface RunGit {
  readonly remote: string | null;
  readonly commit: string | null;
}

/** `GET /api/v1/runs/:entity/:project/:run`. */
export interface RunOverview {
  readonly entity: string;
  readonly project: string;
  /** The run id (the last path segment of the run's address). */
  readonly name: string;
  readonly displayName: string;
  readonly state: string;
  readonly user: string | null;
  readonly group: string | null;
  readonly jobType: string | null;
  readonly sweep: string | null;
  readonly tags: readonly string[];
  readonly notes: string;
  readonly config: { readonly [key: string]: JsonValue };
  readonly summary: { readonly [key: string]: JsonValue };
  readonly host: string | null;
  readonly program: string | null;
  /** The program's path relative to the git root, when the client knew it. */
  readonly codePath: string | null;
  readonly git: RunGit | null;
  readonly args: readonly string[];
  readonly python: string | null;
  readonly os: string | null;
  readonly executable: string | null;
  readonly exitCode: number | null;
  readonly createdAt: string;
  readonly heartbeatAt: string | null;
  readonly finishedAt: string | null;
  /** Seconds the run ran (or has been running). */
  readonly runtime: number;
  readonly logLineCount: number;
  readonly canWrite: boolean;
}

/** `PATCH /api/v1/runs/:entity/:project/:run`: the fields to change; absent ones stay. */
export interface RunPatch {
  readonly displayName?: string;
  readonly notes?: string;
  readonly tags?: readonly string[];
}

export interface LogLine {
  /** The 0-based line number in the run's console output. */
  readonly line: number;
  readonly text: string;
}

/** `GET …/logs?after=N&limit=M`: lines after line N (or from the start), in order. */
export interface LogPage {
  readonly lines: readonly LogLine[];
  /** The cursor for the next page: pass as `after`; null when no line was returned. */
  readonly next: number | null;
  /** Whether more lines were stored when this page was read. */
  readonly more: boolean;
}

export interface RunFile {
  readonly name: string;
  readonly size: number;
  readonly md5: string | null;
  readonly updatedAt: string | null;
}

/** `GET …/files/url?name=…`: a short-lived, self-authorising download link. */
export interface FileLink {
  readonly url: string;
}

function runPath(entity: string, project: string, run: string): string {
  return `/api/v1/runs/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/${encodeURIComponent(run)}`;
}

export const getRun = (entity: string, project: string, run: string) =>
  request<RunOverview>("GET", runPath(entity, project, run));

export const patchRun = (entity: string, project: string, run: string, patch: RunPatch) =>
  request<RunOverview>("PATCH", runPath(entity, project, run), patch);

export const getRunLogs = (
  entity: string,
  project: string,
  run: string,
  after: number | null,
  limit: number,
) => {
  const query = new URLSearchParams({ limit: String(limit) });
  if (after !== null) query.set("after", String(after));
  return request<LogPage>("GET", `${runPath(entity, project, run)}/logs?${query}`);
};

export const getRunFiles = (entity: string, project: string, run: string) =>
  request<{ files: RunFile[]; truncated: boolean }>("GET", `${runPath(entity, project, run)}/files`);

export const getRunFileLink = (entity: string, project: string, run: string, name: string) =>
  request<FileLink>("GET", `${runPath(entity, project, run)}/files/url?${new URLSearchParams({ name })}`);
