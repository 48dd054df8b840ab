/**
 * The web UI's runs table (Ballast's own JSON API, not W&B's): windows of a project's runs by
 * offset, in the wandb.Api filter and order language (run-query.ts), with only the config/summary
 * columns the table shows; the keys a column picker offers; value groups with counts; and the
 * newest runs across a user's projects for the home page. Access is the same project read check the
 * GraphQL `project` field makes.
 */
import { AppError, type JsonValue, parseLenientJson } from "@ballast/core";
import type { ProjectRecord, RunRecord, UserRecord } from "../../stores/records.ts";
import type { RunGroup } from "../../stores/run-query.ts";
import type { AccessService } from "../access/access.service.ts";
import type { Stores } from "../services.ts";
import { type Cell, flattenConfig, flattenSummary } from "./run-columns.ts";
import { parseField, parseRunFilter, parseRunOrder } from "./run-query.ts";

export const MAX_WINDOW = 500;
/** Runs whose config/summary keys make up the column picker's list (the newest ones). */
export const KEY_SAMPLE_RUNS = 500;
export const MAX_GROUPS = 1000;
const MAX_COLUMNS = 200;

export interface TableRun {
  readonly name: string;
  readonly displayName: string;
  readonly state: string;
  readonly user: string | null;
  readonly createdAt: string;
  readonly heartbeatAt: string;
  /** Seconds from creation to finish (or the last heartbeat while it runs). */
  readonly runtime: number;
  readonly tags: readonly string[];
  readonly notes: string | null;
  readonly group: string | null;
  readonly jobType: string | null;
  readonly sweep: string | null;
  /** Only the asked-for `config.*` / `summary.*` keys; a key the run lacks is left out. */
  readonly values: Readonly<Record<string, Cell>>;
}

type Deps = { stores: Pick<Stores, "runReads" | "identity">; access: AccessService };

function parseJson(text: string): JsonValue {
  try {
    return parseLenientJson(text, { exactIntegers: true });
  } catch {
    return null;
  }
}

function tagsOf(run: RunRecord): string[] {
  const tags = parseJson(run.tags);
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

/** A run as a table row, with the `columns` it was asked for (parsed only when one is asked for). */
export function tableRun(run: RunRecord, username: string | null, columns: readonly string[]): TableRun {
  const values: Record<string, Cell> = {};
  const wantsConfig = columns.some((c) => c.startsWith("config."));
  const wantsSummary = columns.some((c) => c.startsWith("summary."));
  const config = wantsConfig ? flattenConfig(parseJson(run.config)) : undefined;
  const summary = wantsSummary ? flattenSummary(parseJson(run.summary)) : undefined;
  for (const column of columns) {
    const cell = (column.startsWith("config.") ? config : summary)?.get(column);
    if (cell !== undefined) values[column] = cell;
  }
  return {
    name: run.name,
    displayName: run.displayName ?? run.name,
    state: run.state,
    user: username,
    createdAt: new Date(run.createdAt).toISOString(),
    heartbeatAt: new Date(run.heartbeatAt).toISOString(),
    runtime: Math.max(0, ((run.finishedAt ?? run.heartbeatAt) - run.createdAt) / 1000),
    tags: tagsOf(run),
    notes: run.notes,
    group: run.groupName,
    jobType: run.jobType,
    sweep: run.sweepName,
    values,
  };
}

function checkColumns(columns: readonly string[]): void {
  if (columns.length > MAX_COLUMNS) throw new AppError("INVALID_ARGUMENT", `At most ${MAX_COLUMNS} columns.`);
  for (const column of columns) {
    if (!/^(config|summary)\.[^.]/.test(column))
      throw new AppError(
        "INVALID_ARGUMENT",
        `Column ${JSON.stringify(column)} must start with config. or summary.`,
      );
  }
}

export interface RunWindow {
  readonly total: number;
  readonly offset: number;
  readonly runs: readonly TableRun[];
}

/** Runs [offset, offset + limit) of the project's runs matching `filters`, in `order`, and the total. */
export async function runWindow(
  deps: Deps,
  user: UserRecord,
  path: { entity: string; project: string },
  query: {
    filters: string | null;
    order: string | null;
    offset: number;
    limit: number;
    columns: readonly string[];
  },
): Promise<RunWindow> {
  const project = await deps.access.project(user, path.entity, path.project, "read");
  if (!Number.isSafeInteger(query.offset) || query.offset < 0)
    throw new AppError("INVALID_ARGUMENT", "offset must be a non-negative integer.");
  if (!Number.isSafeInteger(query.limit) || query.limit < 1 || query.limit > MAX_WINDOW)
    throw new AppError("INVALID_ARGUMENT", `limit must be from 1 to ${MAX_WINDOW}.`);
  checkColumns(query.columns);
  const filter = parseRunFilter(query.filters);
  const order = parseRunOrder(query.order);
  const [total, page] = await Promise.all([
    deps.stores.runReads.countRuns(project.id, filter),
    deps.stores.runReads.listRuns({
      projectId: project.id,
      filter,
      order,
      after: null,
      offset: query.offset,
      limit: query.limit,
    }),
  ]);
  const users = await deps.stores.runReads.usersByIds(
    page.flatMap(({ run }) => (run.userId === null ? [] : [run.userId])),
  );
  const runs = page.map(({ run }) =>
    tableRun(run, run.userId === null ? null : (users.get(run.userId)?.username ?? null), query.columns),
  );
  return { total, offset: query.offset, runs };
}

/** The config and summary keys of the project's newest runs, sorted: the column picker's choices. */
export async function runKeys(
  deps: Deps,
  user: UserRecord,
  path: { entity: string; project: string },
): Promise<{ config: string[]; summary: string[] }> {
  const project = await deps.access.project(user, path.entity, path.project, "read");
  const page = await newestRuns(deps, project, KEY_SAMPLE_RUNS);
  const config = new Set<string>();
  const summary = new Set<string>();
  for (const { run } of page) {
    for (const key of flattenConfig(parseJson(run.config)).keys()) config.add(key);
    for (const key of flattenSummary(parseJson(run.summary)).keys()) summary.add(key);
  }
  return { config: [...config].sort(), summary: [...summary].sort() };
}

function newestRuns(deps: Deps, project: ProjectRecord, limit: number) {
  return deps.stores.runReads.listRuns({
    projectId: project.id,
    filter: { kind: "all" },
    order: { field: { kind: "column", column: "created_at" }, descending: true },
    after: null,
    limit,
  });
}

/**
 * The distinct values of `by` (a filter field name: `config.batch`, `state`, `group`, `username`…)
 * among the matching runs, with their counts. Tags are not groupable (a run has several).
 */
export async function runGroups(
  deps: Deps,
  user: UserRecord,
  path: { entity: string; project: string },
  query: { by: string; filters: string | null },
): Promise<{ groups: RunGroup[]; truncated: boolean }> {
  const project = await deps.access.project(user, path.entity, path.project, "read");
  const field = parseField(query.by);
  if (!field || field.kind === "tags")
    throw new AppError("INVALID_ARGUMENT", `Runs cannot be grouped by ${JSON.stringify(query.by)}.`);
  const filter = parseRunFilter(query.filters);
  const groups = await deps.stores.runReads.groupRuns(project.id, filter, field, MAX_GROUPS + 1);
  return { groups: groups.slice(0, MAX_GROUPS), truncated: groups.length > MAX_GROUPS };
}

export interface RecentRun extends TableRun {
  readonly entity: string;
  readonly project: string;
}

/** The newest runs across the projects of the user's entities (the home page), newest first. */
export async function recentRuns(deps: Deps, user: UserRecord, limit: number): Promise<RecentRun[]> {
  const found: { entity: string; project: string; run: RunRecord }[] = [];
  for (const entity of await deps.stores.identity.entitiesOfUser(user.id)) {
    // The home page lists at most this many projects per entity as well (project-list.ts).
    for (const project of await deps.stores.runReads.projectsOfEntity(entity.id, 0, 200)) {
      for (const { run } of await newestRuns(deps, project, limit))
        found.push({ entity: entity.name, project: project.name, run });
    }
  }
  const newest = found.sort((a, b) => b.run.createdAt - a.run.createdAt).slice(0, limit);
  const users = await deps.stores.runReads.usersByIds(
    newest.flatMap(({ run }) => (run.userId === null ? [] : [run.userId])),
  );
  return newest.map(({ entity, project, run }) => ({
    entity,
    project,
    ...tableRun(run, run.userId === null ? null : (users.get(run.userId)?.username ?? null), []),
  }));
}
