/** The workspace's JSON API calls (docs/web-api.md, "Workspace") and their shapes. */
import { request } from "./client.ts";

/** A config/summary cell: ±Infinity arrive as text, NaN as null, lists and big integers as text. */
export type Cell = null | boolean | number | string;

/** One row of the runs table. */
export interface TableRun {
  /** The run id (the last segment of the run's address). */
  readonly name: string;
  readonly displayName: string;
  readonly state: string;
  readonly user: string | null;
  readonly createdAt: string;
  readonly heartbeatAt: string;
  /** Seconds. */
  readonly runtime: number;
  readonly tags: readonly string[];
  readonly notes: string | null;
  readonly group: string | null;
  readonly jobType: string | null;
  readonly sweep: string | null;
  /** The asked-for `config.*` / `summary.*` columns the run has. */
  readonly values: { readonly [key: string]: Cell };
}

export interface RunWindow {
  readonly total: number;
  readonly offset: number;
  readonly runs: readonly TableRun[];
}

export interface WindowQuery {
  /** Filter JSON text in wandb.Api's language; "" for all runs. */
  readonly filters: string;
  /** `+created_at`, `-summary.loss`… */
  readonly order: string;
  readonly offset: number;
  readonly limit: number;
  readonly columns: readonly string[];
}

const projectBase = (entity: string, project: string) =>
  `/api/v1/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;

export function getRunWindow(entity: string, project: string, query: WindowQuery): Promise<RunWindow> {
  const params = new URLSearchParams({
    order: query.order,
    offset: String(query.offset),
    limit: String(query.limit),
  });
  if (query.filters !== "") params.set("filters", query.filters);
  for (const column of query.columns) params.append("column", column);
  return request<RunWindow>("GET", `${projectBase(entity, project)}/runs?${params}`);
}

export const getRunKeys = (entity: string, project: string) =>
  request<{ config: string[]; summary: string[] }>("GET", `${projectBase(entity, project)}/run-keys`);

export interface RunGroup {
  /** The value as the filter language compares it (null: the field is absent or null). */
  readonly value: Cell | object;
  readonly count: number;
}

export function getRunGroups(entity: string, project: string, by: string, filters: string) {
  const params = new URLSearchParams({ by });
  if (filters !== "") params.set("filters", filters);
  return request<{ groups: RunGroup[]; truncated: boolean }>(
    "GET",
    `${projectBase(entity, project)}/run-groups?${params}`,
  );
}

export interface RecentRun extends TableRun {
  readonly entity: string;
  readonly project: string;
}

export const getRecentRuns = (limit = 20) =>
  request<{ runs: RecentRun[] }>("GET", `/api/v1/recent-runs?limit=${limit}`);
