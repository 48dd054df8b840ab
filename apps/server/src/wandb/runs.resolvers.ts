/**
 * The run read side of wandb.Api() (reference read-verify §4, §5.1): `api.runs` (Runs), `api.run`
 * (Run), history reads (RunFullHistory, RunSampledHistory, RunHistoryKeys, and wandb-core's
 * RunParquetHistory, HistoryPage, SampledHistoryPage), run files (RunFiles), run mutations
 * (DeleteRun, UpdateRunState; UpsertBucket lives on the logging path) and projects (GetProjects,
 * GetProject). Parsing of filters and orders is the domain's (domain/runs/run-query.ts).
 */
import type { JsonValue } from "@ballast/core";
import { actorOf } from "../domain/audit/audit-event.ts";
import type { ProjectRecord, RunFileRecord, UserRecord } from "../stores/records.ts";
import { globalId, parseGlobalId } from "./ids.ts";
import {
  type GraphqlContext,
  type ProjectParent,
  presentFile,
  presentProject,
  presentRun,
  presentUser,
  type RunParent,
} from "./presenters.ts";
import type { ResolverArea } from "./schema.ts";

type Args = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const int = (value: unknown): number | null => (typeof value === "number" ? value : null);
const iso = (ms: number): string => new Date(ms).toISOString();

/** A presented run may carry its user, fetched for a whole page at once (`Runs` lists). */
type RunWithUser = RunParent & { readonly _user?: UserRecord | null };

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * A value for a JSON (object) field. The response must be strict JSON: wandb-core refuses a bare NaN
 * anywhere in it (verified with 0.31: "invalid character 'N'"). NaN and ±Infinity go out as the
 * strings "NaN", "Infinity", "-Infinity" (what W&B's own server sends in sampled history), integers
 * beyond 2^53 as exact number literals.
 */
export function wireJson(value: JsonValue): unknown {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    return value;
  }
  if (typeof value === "bigint") return rawJson(value.toString());
  if (Array.isArray(value)) return value.map(wireJson);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, {
        value: wireJson(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

const MIME_TYPES: Readonly<Record<string, string>> = {
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  json: "application/json",
  jsonl: "application/jsonl",
  yaml: "application/x-yaml",
  yml: "application/x-yaml",
  py: "text/x-python",
  html: "text/html",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  svg: "image/svg+xml",
};

function presentRunFile(file: RunFileRecord, project: ProjectRecord, ctx: GraphqlContext) {
  const { runReads } = ctx.services;
  const extension = /\.([A-Za-z0-9]+)$/.exec(file.name)?.[1]?.toLowerCase() ?? "";
  const cursor = Buffer.from(file.name, "utf8").toString("base64");
  return {
    cursor,
    node: async () => {
      const directUrl = await runReads.fileUrl(file);
      return {
        ...presentFile({
          id: globalId("File", `${file.runId}:${file.name}`),
          name: file.name,
          size: file.size,
          digest: file.md5,
          storagePath: file.storageKey,
          directUrl,
        }),
        url: async ({ upload }: { upload?: boolean | null }) => {
          if (upload !== true) return directUrl;
          // A PUT URL replaces the file's bytes: that is writing to the project, not reading it.
          await ctx.services.access.projectById(ctx.user, project.id, "write");
          return runReads.fileUploadUrl(file);
        },
        mimetype: MIME_TYPES[extension] ?? "application/octet-stream",
        updatedAt: iso(file.updatedAt),
      };
    },
  };
}

const projectTypes = {
  isBenchmark: () => false,
  user: async (parent: ProjectParent, _args: Args, ctx: GraphqlContext) => {
    const owner = await ctx.services.runReads.projectOwner(parent._project);
    return owner ? presentUser(owner, ctx) : null;
  },
  runCount: (parent: ProjectParent, args: Args, ctx: GraphqlContext) =>
    ctx.services.runReads.count(parent._project, str(args.filters)),
  runs: async (parent: ProjectParent, args: Args, ctx: GraphqlContext) => {
    const project = parent._project;
    const page = await ctx.services.runReads.list(project, {
      filters: str(args.filters),
      order: str(args.order),
      after: str(args.after),
      first: int(args.first),
    });
    const edges = page.runs.map(({ run, cursor }) => ({
      cursor,
      node: {
        ...presentRun(run, project, ctx),
        _user: run.userId === null ? null : (page.users.get(run.userId) ?? null),
      },
    }));
    return {
      edges,
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage: page.hasNextPage },
    };
  },
};

const runTypes = {
  projectId: (parent: RunParent) => parent._run.projectId,
  readOnly: () => false,
  user: async (parent: RunWithUser, _args: Args, ctx: GraphqlContext) => {
    const user = parent._user !== undefined ? parent._user : await ctx.services.runReads.user(parent._run);
    return user ? presentUser(user, ctx) : null;
  },
  systemMetrics: (parent: RunParent, _args: Args, ctx: GraphqlContext) =>
    ctx.services.runReads.systemMetrics(parent._run),
  historyKeys: async (parent: RunParent, _args: Args, ctx: GraphqlContext) => {
    const { lastStep, keys } = await ctx.services.runReads.historyKeys(parent._run);
    const byName: Record<string, { previousValue: unknown }> = {};
    for (const key of keys) {
      // NaN is stored as null in the per-metric layout (it is the only non-number a series holds).
      Object.defineProperty(byName, key.name, {
        value: { previousValue: wireJson(key.value ?? Number.NaN) },
        enumerable: true,
      });
    }
    // No history: -1, which the client reads as "nothing to scan" (runs.py `lastHistoryStep`).
    return { lastStep: lastStep ?? -1, keys: byName };
  },
  history: (parent: RunParent, args: Args, ctx: GraphqlContext) =>
    ctx.services.runReads.history(parent._run, {
      samples: int(args.samples),
      minStep: int(args.minStep),
      maxStep: int(args.maxStep),
    }),
  events: (parent: RunParent, args: Args, ctx: GraphqlContext) =>
    ctx.services.runReads.events(parent._run, int(args.samples)),
  sampledHistory: async (parent: RunParent, args: Args, ctx: GraphqlContext) => {
    const specs = Array.isArray(args.specs) ? args.specs.map(String) : [];
    const result = await ctx.services.runReads.sampledHistory(parent._run, specs);
    return result.map((rows) => rows.map(wireJson));
  },
  parquetHistory: () => ({ parquetUrls: [], liveData: [] }),
  fileCount: (parent: RunParent, _args: Args, ctx: GraphqlContext) =>
    ctx.services.runReads.fileCount(parent._run),
  files: async (parent: RunParent, args: Args, ctx: GraphqlContext) => {
    const { files, hasNextPage } = await ctx.services.runReads.files(parent._run, {
      names: Array.isArray(args.names) ? args.names.map((n) => str(n)) : null,
      pattern: str(args.pattern),
      after: str(args.after),
      first: int(args.first),
    });
    const edges = files.map((file) => presentRunFile(file, parent._project, ctx));
    return {
      totalCount: await ctx.services.runReads.fileCount(parent._run),
      pageInfo: { endCursor: edges.at(-1)?.cursor ?? null, hasNextPage },
      edges,
    };
  },
};

const queryResolvers = {
  models: async (args: Args, ctx: GraphqlContext) => {
    const after = str(args.after);
    const afterId = after
      ? Number(/^n:(\d+)$/.exec(Buffer.from(after, "base64").toString("utf8"))?.[1] ?? 0)
      : 0;
    const { projects, hasNextPage } = await ctx.services.runReads.projects(
      ctx.user,
      str(args.entityName),
      afterId,
      int(args.first),
    );
    const edges = projects.map((project) => ({
      cursor: Buffer.from(`n:${project.id}`).toString("base64"),
      node: presentProject(project, ctx),
    }));
    return {
      pageInfo: { __typename: "PageInfo", endCursor: edges.at(-1)?.cursor ?? null, hasNextPage },
      edges,
    };
  },
};

const mutationResolvers = {
  deleteRun: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Args;
    const runId = parseGlobalId("Run", input.id);
    const deleteArtifacts = input.deleteArtifacts === true;
    const run = await ctx.services.runReads.delete(ctx.user, runId, deleteArtifacts);
    await ctx.services.audit.record({
      action: "run.deleted",
      actor: actorOf(ctx.user),
      entity: run.entity,
      target: `${run.project}/${run.name}`,
      detail: { runId, deleteArtifacts },
      ...(ctx.address === undefined ? {} : { address: ctx.address }),
    });
    return { clientMutationId: str(input.clientMutationId) };
  },
  updateRunState: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Args;
    await ctx.services.runReads.updateState(ctx.user, parseGlobalId("Run", input.id), String(input.state));
    return { success: true };
  },
};

export const runsArea: ResolverArea = {
  query: queryResolvers,
  mutation: mutationResolvers,
  types: { Project: projectTypes, Run: runTypes },
};
