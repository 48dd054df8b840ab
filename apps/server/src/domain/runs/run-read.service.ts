/**
 * The read side of runs for `wandb.Api()`: run queries, history and system-metric reads, run files,
 * and the run mutations the public API sends (delete, state). Callers reach a run through a project
 * they were allowed to read (the GraphQL `project` field checks); mutations check write access here.
 */
import { AppError, type JsonValue, parseLenientJson, stringifyLenientJson } from "@ballast/core";
import type { ServerConfig } from "../../config.ts";
import type { ProjectRecord, RunFileRecord, RunRecord, UserRecord } from "../../stores/records.ts";
import type { AccessService } from "../access/access.service.ts";
import type { Stores } from "../services.ts";
import { chartSeries, type Series } from "./chart-series.ts";
import { chartSeriesByX, type XSeries, type XSeriesQuery } from "./chart-x.ts";
import { runFileKey } from "./run.service.ts";
import { cachedHistoryKeys, cachedSeries, cachedXSeries } from "./run-cache.ts";
import { decodeRunCursor, encodeRunCursor, parseRunFilter, parseRunOrder } from "./run-query.ts";
import { type SystemSeries, systemSeries } from "./system-series.ts";

const MAX_PAGE = 1000;
const MAX_SAMPLES = 100_000;
const DEFAULT_SAMPLES = 500;
const MAX_SPECS = 50;
const MAX_SPEC_KEYS = 200;

type JsonObject = { [key: string]: JsonValue };

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function pageLimit(first: number | null | undefined, fallback: number): number {
  if (first === null || first === undefined) return fallback;
  if (!Number.isInteger(first) || first < 1)
    throw new AppError("INVALID_ARGUMENT", "`first` must be a positive integer.");
  return Math.min(first, MAX_PAGE);
}

function sampleCount(samples: number | null | undefined): number {
  if (samples === null || samples === undefined) return DEFAULT_SAMPLES;
  if (!Number.isInteger(samples) || samples < 1)
    throw new AppError("INVALID_ARGUMENT", "`samples` must be a positive integer.");
  return Math.min(samples, MAX_SAMPLES);
}

/** A history key → where it may be in a row: as a top-level key, or (dotted) as a nested path. */
function keyPaths(key: string): string[][] {
  const parts = key.split(".");
  return parts.length > 1 && parts.every((p) => p !== "") ? [[key], parts] : [[key]];
}

function lookup(row: JsonObject, key: string): JsonValue | undefined {
  if (Object.hasOwn(row, key)) return row[key];
  let current: JsonValue | undefined = row;
  for (const part of key.split(".")) {
    if (!isObject(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

interface HistorySpec {
  keys: string[];
  samples: number;
  minStep?: number;
  maxStep?: number;
}

function parseSpec(text: string): HistorySpec {
  let value: JsonValue;
  try {
    value = parseLenientJson(text);
  } catch {
    throw new AppError("INVALID_ARGUMENT", "A sampledHistory spec must be a JSON object.");
  }
  if (!isObject(value) || !Array.isArray(value.keys) || !value.keys.every((k) => typeof k === "string")) {
    throw new AppError("INVALID_ARGUMENT", 'A sampledHistory spec needs "keys": a list of strings.');
  }
  const keys = [...new Set(value.keys as string[])];
  if (keys.length === 0 || keys.length > MAX_SPEC_KEYS) {
    throw new AppError("INVALID_ARGUMENT", `A sampledHistory spec takes 1 to ${MAX_SPEC_KEYS} keys.`);
  }
  const int = (name: string): number | undefined => {
    const v = value[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isSafeInteger(v)) {
      throw new AppError("INVALID_ARGUMENT", `sampledHistory "${name}" must be an integer.`);
    }
    return v;
  };
  const spec: HistorySpec = { keys, samples: sampleCount(int("samples")) };
  const minStep = int("minStep");
  const maxStep = int("maxStep");
  if (minStep !== undefined) spec.minStep = minStep;
  // A spec's maxStep is inclusive (wandb-core's SampledHistoryPage sends the page's last step).
  if (maxStep !== undefined) spec.maxStep = maxStep + 1;
  return spec;
}

export interface RunPage {
  readonly runs: readonly { readonly run: RunRecord; readonly cursor: string }[];
  readonly hasNextPage: boolean;
  readonly users: ReadonlyMap<number, UserRecord>;
}

export class RunReadService {
  private readonly config: ServerConfig;
  private readonly stores: Stores;
  private readonly access: AccessService;

  constructor(config: ServerConfig, stores: Stores, access: AccessService) {
    this.config = config;
    this.stores = stores;
    this.access = access;
  }

  /** One page of a project's runs matching the client's filters, in the client's order. */
  async list(
    project: ProjectRecord,
    args: { filters: string | null; order: string | null; after: string | null; first: number | null },
  ): Promise<RunPage> {
    const filter = parseRunFilter(args.filters);
    const orderText = (args.order ?? "").trim() || "+created_at";
    const order = parseRunOrder(orderText);
    const limit = pageLimit(args.first, 50);
    const page = await this.stores.runReads.listRuns({
      projectId: project.id,
      filter,
      order,
      after: decodeRunCursor(orderText, args.after),
      limit: limit + 1,
    });
    const shown = page.slice(0, limit);
    // The runs' users in one query (the list shows `user { name username }` for every run).
    const users = await this.stores.runReads.usersByIds(
      shown.flatMap(({ run }) => (run.userId === null ? [] : [run.userId])),
    );
    return {
      runs: shown.map(({ run, cursor }) => ({ run, cursor: encodeRunCursor(orderText, cursor) })),
      hasNextPage: page.length > limit,
      users,
    };
  }

  async count(project: ProjectRecord, filters: string | null): Promise<number> {
    return this.stores.runReads.countRuns(project.id, parseRunFilter(filters));
  }

  async user(run: RunRecord): Promise<UserRecord | undefined> {
    if (run.userId === null) return undefined;
    return (await this.stores.runReads.usersByIds([run.userId])).get(run.userId);
  }

  /** `historyKeys`: the last step and the last value of every numeric history key (flattened). */
  async historyKeys(run: RunRecord) {
    return cachedHistoryKeys(this.stores.cache, run, () => this.stores.runReads.historyKeys(run.id));
  }

  /** History lines exactly as logged, at most `samples`, evenly spread; steps in [minStep, maxStep). */
  async history(
    run: RunRecord,
    args: { samples: number | null; minStep: number | null; maxStep: number | null },
  ): Promise<string[]> {
    return this.stores.runReads.sampleLines({
      runId: run.id,
      file: "history",
      minStep: args.minStep ?? undefined,
      maxStep: args.maxStep ?? undefined,
      samples: sampleCount(args.samples),
    });
  }

  /** System-metric lines (`wandb-events.jsonl`) exactly as logged, sampled like history. */
  async events(run: RunRecord, samples: number | null): Promise<string[]> {
    return this.stores.runReads.sampleLines({ runId: run.id, file: "events", samples: sampleCount(samples) });
  }

  /**
   * `sampledHistory(specs)`: per spec, the rows holding every requested key, with only those keys
   * (a dotted key also finds a nested value), sampled like history.
   */
  async sampledHistory(run: RunRecord, specs: readonly string[]): Promise<JsonObject[][]> {
    if (specs.length > MAX_SPECS) throw new AppError("INVALID_ARGUMENT", `At most ${MAX_SPECS} specs.`);
    return Promise.all(
      specs.map(async (text) => {
        const spec = parseSpec(text);
        const lines = await this.stores.runReads.sampleLines({
          runId: run.id,
          file: "history",
          minStep: spec.minStep,
          maxStep: spec.maxStep,
          keys: spec.keys.map(keyPaths),
          samples: spec.samples,
        });
        const rows: JsonObject[] = [];
        for (const line of lines) {
          const parsed = parseLenientJson(line, { exactIntegers: true });
          if (!isObject(parsed)) continue;
          const row: JsonObject = {};
          for (const key of spec.keys) {
            const value = lookup(parsed, key);
            if (value !== undefined) row[key] = value;
          }
          rows.push(row);
        }
        return rows;
      }),
    );
  }

  /**
   * A bucketed min/max/last series of one metric of a run the user may read (Ballast's own API);
   * an unknown metric has no points. Steps are inclusive bounds.
   */
  async series(
    user: UserRecord,
    path: { entity: string; project: string; run: string },
    query: { metric: string; buckets: number; minStep?: number | undefined; maxStep?: number | undefined },
  ): Promise<Series> {
    const project = await this.access.project(user, path.entity, path.project, "read");
    const run = await this.stores.runs.findRun(project.id, path.run);
    if (!run)
      throw new AppError("RUN_NOT_FOUND", `Run ${path.entity}/${path.project}/${path.run} does not exist.`);
    return cachedSeries(this.stores.cache, run, query, () =>
      chartSeries(this.stores, { runId: run.id, ...query }),
    );
  }

  /**
   * The runs of a project the user may read, by run id, in the order asked and without repeats;
   * ids with no run are left out (a workspace selection may hold a run deleted since).
   */
  async readableRuns(
    user: UserRecord,
    entity: string,
    projectName: string,
    names: readonly string[],
  ): Promise<RunRecord[]> {
    const project = await this.access.project(user, entity, projectName, "read");
    const runs = await Promise.all(
      [...new Set(names)].map((name) => this.stores.runs.findRun(project.id, name)),
    );
    return runs.filter((run): run is RunRecord => run !== undefined);
  }

  /** A bucketed series of one metric of a readable run, x by step or time (domain/runs/chart-x.ts). */
  async seriesByX(run: RunRecord, query: Omit<XSeriesQuery, "runId">): Promise<XSeries> {
    return cachedXSeries(this.stores.cache, run, query, () =>
      chartSeriesByX(this.stores, { runId: run.id, ...query }),
    );
  }

  /** The runs' system-metric samples as chart columns, at most `samples` of them per run. */
  async systemSeries(run: RunRecord, samples: number | null): Promise<SystemSeries> {
    return systemSeries(await this.events(run, samples));
  }

  /** `systemMetrics`: the `system.*` values of the last system-metrics line, as JSON text. */
  async systemMetrics(run: RunRecord): Promise<string> {
    const line = await this.stores.runs.lastLine(run.id, "events");
    if (line === undefined) return "{}";
    try {
      const parsed = parseLenientJson(line, { exactIntegers: true });
      if (!isObject(parsed)) return "{}";
      const picked: JsonObject = {};
      for (const [key, value] of Object.entries(parsed)) if (key.startsWith("system.")) picked[key] = value;
      return stringifyLenientJson(picked);
    } catch {
      return "{}";
    }
  }

  async fileCount(run: RunRecord): Promise<number> {
    return this.stores.runReads.countRunFiles(run.id);
  }

  /**
   * A page of the run's files, by name. Requested names match with any leading `./` removed
   * (`wandb verify` asks for `./test with_special-characters.txt`; the run stored it without).
   */
  async files(
    run: RunRecord,
    args: {
      names: readonly (string | null)[] | null;
      pattern: string | null;
      after: string | null;
      first: number | null;
    },
  ): Promise<{ files: RunFileRecord[]; hasNextPage: boolean }> {
    const names = args.names
      ?.filter((n): n is string => typeof n === "string")
      .map((n) => n.replace(/^(\.\/)+/, ""));
    const limit = pageLimit(args.first, 50);
    const files = await this.stores.runReads.runFiles(run.id, {
      names: names && names.length > 0 ? names : null,
      pattern: args.pattern,
      afterName: args.after ? Buffer.from(args.after, "base64").toString("utf8") : "",
      limit: limit + 1,
    });
    return { files: files.slice(0, limit), hasNextPage: files.length > limit };
  }

  /** A self-authorising GET URL for a run file (absolute; the client sends no credentials with it). */
  async fileUrl(file: RunFileRecord): Promise<string> {
    return this.stores.objects.signDownload(file.storageKey, this.config.limits.downloadUrlTtlSeconds);
  }

  /** `url(upload: true)`: where the file's bytes may be replaced. */
  async fileUploadUrl(file: RunFileRecord): Promise<string> {
    return (
      await this.stores.objects.signUpload(
        runFileKey(file.runId, file.name),
        this.config.limits.uploadUrlTtlSeconds,
      )
    ).url;
  }

  /**
   * `run.delete()`: the run, its history, files (rows and bytes); its artifacts only when asked.
   * Returns where the run was (for the audit log).
   */
  async delete(
    user: UserRecord,
    runId: number,
    deleteArtifacts: boolean,
  ): Promise<{ entity: string; project: string; name: string }> {
    const run = await this.stores.runs.findRunById(runId);
    if (!run) throw new AppError("RUN_NOT_FOUND", "No run has that id.");
    const project = await this.access.projectById(user, run.projectId, "write");
    const { storageKeys } = await this.stores.runReads.deleteRun(run.id, deleteArtifacts, Date.now());
    // After the rows are gone: a leftover object is harmless, a row pointing at nothing is not.
    await Promise.all(storageKeys.map((key) => this.stores.objects.delete(key)));
    return { entity: project.entityName, project: project.name, name: run.name };
  }

  /**
   * `run.update_state()`: to `pending` from running/failed/crashed/preempted, to `failed` from
   * pending/running (the transitions wandb/apis/public/runs.py `update_state` documents).
   */
  async updateState(user: UserRecord, runId: number, state: string): Promise<void> {
    const run = await this.stores.runs.findRunById(runId);
    if (!run) throw new AppError("RUN_NOT_FOUND", "No run has that id.");
    await this.access.projectById(user, run.projectId, "write");
    const allowed: Record<string, readonly string[]> = {
      pending: ["running", "failed", "crashed", "preempted"],
      failed: ["pending", "running"],
    };
    if (run.sweepName !== null)
      throw new AppError("INVALID_ARGUMENT", "A sweep run's state cannot be changed.");
    if (!allowed[state]?.includes(run.state)) {
      throw new AppError("INVALID_ARGUMENT", `A ${run.state} run cannot be set to ${JSON.stringify(state)}.`);
    }
    await this.stores.runReads.setRunState(run.id, state, Date.now());
  }

  /** `api.projects(entity)`: the entity's projects by id; `afterId` 0 for the first page. */
  async projects(user: UserRecord, entityName: string | null, afterId: number, first: number | null) {
    const entity = await this.access.entity(user, entityName, "read");
    const limit = pageLimit(first, 50);
    const projects = await this.stores.runReads.projectsOfEntity(entity.id, afterId, limit + 1);
    return { projects: projects.slice(0, limit), hasNextPage: projects.length > limit };
  }

  /** The user owning a project (its personal entity's user); undefined for team projects. */
  async projectOwner(project: ProjectRecord): Promise<UserRecord | undefined> {
    return this.stores.runReads.userOfEntity(project.entityId);
  }
}
