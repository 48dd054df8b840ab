/**
 * The sweeps area: UpsertSweep (create, update, pause/resume/stop/cancel), CreateAgent, the agent
 * Heartbeat, and Project.sweep / sweeps / totalSweeps. Clients: `wandb/apis/public/sweeps.py`,
 * `wandb/wandb_agent.py`, `wandb/agents/pyagent.py`, `wandb/cli/cli.py` (sweep, agent).
 */
import { AppError, type JsonValue, parseLenientJson } from "@ballast/core";
import type { ProjectRecord } from "../stores/records.ts";
import type { SweepAgentRecord, SweepRecord, SweepRunRecord } from "../stores/sweep-repository.ts";
import { globalId, parseGlobalId } from "./ids.ts";
import { type GraphqlContext, type ProjectParent, presentProject } from "./presenters.ts";
import type { ResolverArea } from "./schema.ts";

type Args = Record<string, unknown>;
type Input = Record<string, unknown>;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function optionalString(input: Input, key: string): string | null {
  const value = input[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== "string") throw new AppError("INVALID_ARGUMENT", `${key} must be a string.`);
  return value;
}

function requiredString(input: Input, key: string): string {
  const value = optionalString(input, key);
  if (value === null || value === "") throw new AppError("INVALID_ARGUMENT", `${key} is required.`);
  return value;
}

function jsonObject(text: string | null, what: string): Record<string, unknown> {
  if (text === null || text === "") return {};
  let value: JsonValue;
  try {
    value = parseLenientJson(text);
  } catch {
    throw new AppError("INVALID_JSON", `${what} is not valid JSON.`);
  }
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/** The run names of a `priorRunsFilters` value as `wandb sweep -R` builds it: {"$or": [{"name": id}]}. */
function priorRunNames(text: string | null): string[] {
  const filters = jsonObject(text, "priorRunsFilters");
  const clauses = Array.isArray(filters.$or) ? filters.$or : [filters];
  return clauses.flatMap((clause) =>
    clause !== null && typeof clause === "object" && typeof (clause as Input).name === "string"
      ? [(clause as Input).name as string]
      : [],
  );
}

export function presentAgent(agent: SweepAgentRecord, ctx: GraphqlContext) {
  return {
    id: globalId("Agent", agent.id),
    name: agent.name,
    host: agent.host,
    state: agent.state,
    totalRuns: async () =>
      (await ctx.services.stores.sweeps.assignments(agent.sweepId)).filter(
        (a) => a.agentId === agent.id && a.status === "assigned",
      ).length,
    createdAt: iso(agent.createdAt),
    heartbeatAt: iso(agent.heartbeatAt),
  };
}

export function presentSweep(sweep: SweepRecord, project: ProjectRecord, ctx: GraphqlContext) {
  const { services } = ctx;
  let runs: Promise<SweepRunRecord[]> | undefined;
  const sweepRuns = () => {
    runs ??= services.stores.sweeps.sweepRuns(project.id, sweep.name);
    return runs;
  };
  return {
    _sweep: sweep,
    _project: project,
    __typename: "Sweep",
    id: globalId("Sweep", sweep.id),
    name: sweep.name,
    displayName: sweep.displayName,
    description: sweep.description,
    method: sweep.method,
    state: sweep.state,
    config: sweep.config,
    createdAt: iso(sweep.createdAt),
    updatedAt: iso(sweep.updatedAt),
    heartbeatAt: async () => {
      const agents = await services.stores.sweeps.listAgents(sweep.id);
      return iso(agents.reduce<number | null>((at, a) => Math.max(at ?? 0, a.heartbeatAt), null));
    },
    bestLoss: async () => services.sweeps.bestMetric(sweep, await sweepRuns()),
    runCount: async () => (await sweepRuns()).length,
    runCountExpected: () => services.sweeps.expectedRunCount(sweep),
    earlyStopJobRunning: false,
    controller: null,
    scheduler: null,
    controllerRunName: "",
    project: () => presentProject(project, ctx),
    runs: async (args: { first?: number | null; after?: string | null }) =>
      runConnection(await sweepRuns(), args, ctx),
    agent: async ({ agentName }: { agentName: string }) => {
      const agent = await services.stores.sweeps.findAgentByName(sweep.id, agentName);
      return agent ? presentAgent(agent, ctx) : null;
    },
    agents: async () => ({
      edges: (await services.stores.sweeps.listAgents(sweep.id)).map((a) => ({ node: presentAgent(a, ctx) })),
    }),
  };
}

const MAX_RUNS_PAGE = 1000;

function runConnection(
  all: readonly SweepRunRecord[],
  args: { first?: number | null; after?: string | null },
  ctx: GraphqlContext,
) {
  const start = args.after ? Number(Buffer.from(args.after, "base64").toString("utf8")) + 1 || 0 : 0;
  const first = Math.min(Math.max(args.first ?? MAX_RUNS_PAGE, 0), MAX_RUNS_PAGE);
  const page = all.slice(start, start + first);
  const cursor = (i: number) => Buffer.from(String(start + i), "utf8").toString("base64");
  return {
    totalCount: all.length,
    pageInfo: {
      endCursor: page.length > 0 ? cursor(page.length - 1) : null,
      hasNextPage: start + page.length < all.length,
    },
    edges: page.map((run, i) => ({ cursor: cursor(i), node: presentSweepRun(run, ctx) })),
  };
}

function presentSweepRun(run: SweepRunRecord, ctx: GraphqlContext) {
  return {
    id: globalId("Run", run.id),
    name: run.name,
    displayName: null,
    state: run.state,
    config: run.config,
    summaryMetrics: run.summary,
    exitcode: run.exitCode,
    createdAt: iso(run.createdAt),
    heartbeatAt: iso(run.heartbeatAt),
    shouldStop: run.stopRequested,
    failed: run.state === "failed" || run.state === "crashed",
    stopped: run.state === "killed",
    running: run.state === "running",
    sampledHistory: ({ specs }: { specs: readonly string[] }) =>
      Promise.all(specs.map((spec) => sampledRows(run.id, spec, ctx))),
  };
}

const HISTORY_PAGE = 1000;
/** Lines read at most per spec, so a sweep poll of a very long run stays bounded. */
const HISTORY_SCAN_LIMIT = 100_000;

/**
 * Rows for one spec `{"keys": [...], "samples": N}`: up to N evenly spaced history rows that hold
 * every requested key, each reduced to those keys and `_step` (all keys when none are given).
 */
async function sampledRows(runId: number, specText: string, ctx: GraphqlContext): Promise<JsonValue[]> {
  const spec = jsonObject(specText, "history spec");
  const keys = Array.isArray(spec.keys) ? spec.keys.map(String) : null;
  const samples = typeof spec.samples === "number" && spec.samples > 0 ? Math.floor(spec.samples) : 500;
  const rows: { [key: string]: JsonValue }[] = [];
  for (let from = 0; from < HISTORY_SCAN_LIMIT; from += HISTORY_PAGE) {
    const lines = await ctx.services.stores.runs.historyLines(runId, from, HISTORY_PAGE);
    for (const { line } of lines) {
      let row: JsonValue;
      try {
        row = parseLenientJson(line);
      } catch {
        continue;
      }
      if (row === null || typeof row !== "object" || Array.isArray(row)) continue;
      if (keys === null) rows.push(row);
      else if (keys.every((k) => k in row)) {
        const picked: { [key: string]: JsonValue } = {};
        for (const k of [...keys, "_step"]) if (row[k] !== undefined) picked[k] = row[k] ?? null;
        rows.push(picked);
      }
    }
    if (lines.length < HISTORY_PAGE) break;
  }
  if (rows.length <= samples) return rows;
  return Array.from({ length: samples }, (_, i) => rows[Math.floor((i * rows.length) / samples)] ?? null);
}

const mutation = {
  upsertSweep: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const id = optionalString(input, "id");
    const { sweep, project } = await ctx.services.sweeps.upsert(ctx.user, {
      id: id ? parseGlobalId("Sweep", id) : undefined,
      entity: optionalString(input, "entityName"),
      project: optionalString(input, "projectName"),
      config: optionalString(input, "config"),
      description: optionalString(input, "description"),
      displayName: optionalString(input, "displayName"),
      state: optionalString(input, "state"),
      priorRuns: priorRunNames(optionalString(input, "priorRunsFilters")),
    });
    // Invalid configs are refused with an error instead; the client prints warnings, if any, as-is.
    return { sweep: presentSweep(sweep, project, ctx), configValidationWarnings: [], inserted: id === null };
  },

  createAgent: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const agent = await ctx.services.sweeps.createAgent(ctx.user, {
      entity: optionalString(input, "entityName"),
      project: optionalString(input, "projectName"),
      sweep: requiredString(input, "sweep"),
      host: optionalString(input, "host") ?? "",
    });
    return { agent: presentAgent(agent, ctx) };
  },

  agentHeartbeat: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const runState = jsonObject(optionalString(input, "runState"), "runState");
    const { agent, commands } = await ctx.services.sweeps.heartbeat(
      ctx.user,
      parseGlobalId("Agent", input.id),
      runState,
    );
    return { agent: presentAgent(agent, ctx), commands: JSON.stringify(commands) };
  },
};

const SWEEPS_PAGE = 50;

const types = {
  Project: {
    sweep: async (parent: ProjectParent, args: Args, ctx: GraphqlContext) => {
      const name = typeof args.sweepName === "string" ? args.sweepName : "";
      const sweep = await ctx.services.sweeps.find(parent._project, name);
      return sweep ? presentSweep(sweep, parent._project, ctx) : null;
    },
    sweeps: async (parent: ProjectParent, args: Args, ctx: GraphqlContext) => {
      const first = typeof args.first === "number" ? Math.min(Math.max(args.first, 0), 1000) : SWEEPS_PAGE;
      const after = typeof args.after === "string" && args.after ? parseGlobalId("Sweep", args.after) : null;
      const page = await ctx.services.stores.sweeps.listSweeps(parent._project.id, after, first + 1);
      const sweeps = page.slice(0, first);
      return {
        pageInfo: {
          endCursor: sweeps.length > 0 ? globalId("Sweep", sweeps[sweeps.length - 1]?.id ?? 0) : null,
          hasNextPage: page.length > first,
        },
        edges: sweeps.map((s) => ({
          cursor: globalId("Sweep", s.id),
          node: presentSweep(s, parent._project, ctx),
        })),
      };
    },
    totalSweeps: (parent: ProjectParent, _args: Args, ctx: GraphqlContext) =>
      ctx.services.stores.sweeps.countSweeps(parent._project.id),
  },
};

export const sweepsArea: ResolverArea = { mutation, types };
