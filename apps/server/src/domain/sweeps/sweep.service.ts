/**
 * Sweeps: creation and state changes (UpsertSweep), agents (CreateAgent) and the scheduler that
 * answers an agent's heartbeat with the next run command. What the agents expect comes from
 * `wandb/wandb_agent.py` (CLI agent) and `wandb/agents/pyagent.py` (`wandb.agent(function=…)`):
 * they heartbeat every 5 s with `runState` = {run id: true} for the runs they still run (or have
 * queued), and obey `run` (start a run with `args`), `stop` and `exit` commands.
 */
import { randomInt } from "node:crypto";
import { AppError, parseLenientJson } from "@ballast/core";
import type { ProjectRecord, UserRecord } from "../../stores/records.ts";
import type {
  SweepAgentRecord,
  SweepAssignmentRecord,
  SweepRecord,
  SweepRunRecord,
  SweepState,
} from "../../stores/sweep-repository.ts";
import type { AccessService } from "../access/access.service.ts";
import type { Stores } from "../services.ts";
import {
  bayesPoint,
  gridPoint,
  gridSize,
  type Observation,
  type Point,
  pointKey,
  pointOf,
  type Rng,
  randomPoint,
  toArgs,
} from "./search.ts";
import { parseSweepConfig, type SweepConfig } from "./sweep-config.ts";

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
/** An agent silent this long has dropped the runs it never started (their grid points return). */
export const AGENT_TIMEOUT_MS = 10 * 60_000;

export const SWEEP_STATES: readonly SweepState[] = ["PENDING", "RUNNING", "PAUSED", "FINISHED", "CANCELED"];

export type AgentCommand =
  | { type: "run"; run_id: string; args: Record<string, { value: unknown }>; program?: string }
  | { type: "exit" };

export interface UpsertSweepInput {
  /** Storage id of an existing sweep (the GraphQL `id`); absent to create one. */
  readonly id?: number | undefined;
  readonly entity?: string | null | undefined;
  readonly project?: string | null | undefined;
  readonly config?: string | null | undefined;
  readonly description?: string | null | undefined;
  readonly displayName?: string | null | undefined;
  readonly state?: string | null | undefined;
  /** Run names from `priorRunsFilters` ({"$or": [{"name": …}]}): existing runs to attach. */
  readonly priorRuns?: readonly string[] | undefined;
}

export function randomId(length = 8): string {
  let id = "";
  for (let i = 0; i < length; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/**
 * Which state changes are allowed: pause only a running (or paused) sweep, stop or cancel only one
 * that is not over yet, resume from anything (a stopped grid sweep that is exhausted finishes again
 * on the next heartbeat). Mirrors the checks of `wandb/apis/public/sweeps.py: _set_sweep_state`.
 */
export function checkTransition(from: SweepState, to: SweepState): void {
  const over = from === "FINISHED" || from === "CANCELED";
  if (to === "PAUSED" && from !== "RUNNING" && from !== "PAUSED")
    throw new AppError("INVALID_ARGUMENT", `Cannot pause a ${from.toLowerCase()} sweep.`);
  if ((to === "FINISHED" || to === "CANCELED") && over)
    throw new AppError("INVALID_ARGUMENT", `Sweep already ${from.toLowerCase()}.`);
}

function parseState(value: string): SweepState {
  const state = value.toUpperCase() as SweepState;
  if (!SWEEP_STATES.includes(state))
    throw new AppError("INVALID_ARGUMENT", `Unknown sweep state ${JSON.stringify(value)}.`);
  return state;
}

export class SweepService {
  private readonly stores: Stores;
  private readonly access: AccessService;
  private readonly rng: Rng;
  /** Heartbeats of one sweep are scheduled one at a time in this process. */
  private readonly locks = new Map<number, Promise<unknown>>();

  constructor(stores: Stores, access: AccessService, rng: Rng = Math.random) {
    this.stores = stores;
    this.access = access;
    this.rng = rng;
  }

  /** UpsertSweep: creates a sweep from its config, or changes an existing one's config or state. */
  async upsert(
    user: UserRecord,
    input: UpsertSweepInput,
  ): Promise<{ sweep: SweepRecord; project: ProjectRecord }> {
    const now = Date.now();
    if (input.id !== undefined) {
      const existing = await this.stores.sweeps.findSweepById(input.id);
      if (!existing) throw new AppError("NOT_FOUND", "No sweep has that id.");
      const project = await this.access.projectById(user, existing.projectId, "write");
      const state = input.state ? parseState(input.state) : undefined;
      if (state !== undefined) checkTransition(existing.state, state);
      const config = input.config ? parseSweepConfig(input.config) : undefined;
      const sweep = await this.stores.sweeps.updateSweep(
        existing.id,
        {
          ...(state !== undefined && { state }),
          ...(config && input.config && { config: input.config, method: config.method }),
          ...(input.description != null && { description: input.description }),
          ...(input.displayName != null && { displayName: input.displayName }),
        },
        now,
      );
      if (input.priorRuns?.length)
        await this.stores.sweeps.attachRuns(project.id, sweep.name, input.priorRuns);
      return { sweep, project };
    }
    if (!input.config) throw new AppError("INVALID_ARGUMENT", "A new sweep needs a config.");
    const config = parseSweepConfig(input.config);
    const project = await this.access.projectForWrite(user, input.entity, input.project || "uncategorized");
    const state = input.state ? parseState(input.state) : "RUNNING";
    for (let attempt = 0; attempt < 5; attempt++) {
      const sweep = await this.stores.sweeps.createSweep({
        projectId: project.id,
        name: randomId(),
        displayName: input.displayName || config.name,
        description: input.description ?? config.description,
        config: input.config,
        method: config.method,
        state,
        userId: user.id,
        now,
      });
      if (!sweep) continue; // the random id was taken in this project
      if (input.priorRuns?.length)
        await this.stores.sweeps.attachRuns(project.id, sweep.name, input.priorRuns);
      return { sweep, project };
    }
    throw new AppError("INTERNAL", "Could not pick an unused sweep id.");
  }

  /** The named sweep of a readable project, or undefined. */
  async find(project: ProjectRecord, name: string): Promise<SweepRecord | undefined> {
    return this.stores.sweeps.findSweep(project.id, name);
  }

  /** CreateAgent: registers an agent of the sweep (by sweep id, in entity/project). */
  async createAgent(
    user: UserRecord,
    input: { entity: string | null; project: string | null; sweep: string; host: string },
  ): Promise<SweepAgentRecord> {
    const project = await this.access.project(user, input.entity, input.project || "uncategorized", "write");
    const sweep = await this.stores.sweeps.findSweep(project.id, input.sweep);
    if (!sweep)
      throw new AppError(
        "NOT_FOUND",
        `Sweep ${project.entityName}/${project.name}/${input.sweep} does not exist.`,
      );
    for (let attempt = 0; attempt < 5; attempt++) {
      const agent = await this.stores.sweeps.createAgent({
        sweepId: sweep.id,
        name: randomId(),
        host: input.host,
        userId: user.id,
        now: Date.now(),
      });
      if (agent) return agent;
    }
    throw new AppError("INTERNAL", "Could not pick an unused agent id.");
  }

  /**
   * AgentHeartbeat: records that the agent is alive and decides its next commands.
   * - CANCELED: exit (the agent kills its runs).
   * - the agent still runs (or has queued) a run: nothing — one run per agent at a time.
   * - PENDING / PAUSED: nothing; the agent keeps polling.
   * - FINISHED: exit.
   * - RUNNING: a run command with the method's next point; when there is none (grid exhausted or
   *   run_cap reached) the sweep becomes FINISHED and the agent exits — unless another agent holds a
   *   run it has not started yet, whose point may still come back.
   */
  async heartbeat(
    user: UserRecord,
    agentId: number,
    runState: Readonly<Record<string, unknown>>,
  ): Promise<{ agent: SweepAgentRecord; commands: AgentCommand[] }> {
    const agent = await this.stores.sweeps.findAgent(agentId);
    const sweepRecord = agent && (await this.stores.sweeps.findSweepById(agent.sweepId));
    if (!agent || !sweepRecord) throw new AppError("NOT_FOUND", "No sweep agent has that id.");
    const project = await this.access.projectById(user, sweepRecord.projectId, "write");
    const running = new Set(Object.keys(runState).filter((name) => Boolean(runState[name])));
    return this.serialized(sweepRecord.id, async () => {
      const now = Date.now();
      // Re-read inside the lock: another heartbeat may have just finished the sweep.
      const sweep = (await this.stores.sweeps.findSweepById(sweepRecord.id)) ?? sweepRecord;
      const assignments = await this.releaseDropped(project, sweep, agent, running, now);
      const commands = await this.decide(project, sweep, agent, running, assignments, now);
      const exiting = commands.some((c) => c.type === "exit");
      await this.stores.sweeps.touchAgent(agent.id, exiting ? "FINISHED" : "RUNNING", now);
      const updated = (await this.stores.sweeps.findAgent(agent.id)) ?? agent;
      return { agent: updated, commands };
    });
  }

  private async serialized<T>(key: number, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }

  /**
   * Releases the runs this agent was given but no longer reports and never started (the agent
   * dropped them: it stopped at its --count, or the process died before wandb.init), and the
   * never-started runs of agents silent for AGENT_TIMEOUT_MS. Returns the assignments still held.
   */
  private async releaseDropped(
    project: ProjectRecord,
    sweep: SweepRecord,
    agent: SweepAgentRecord,
    running: ReadonlySet<string>,
    now: number,
  ): Promise<SweepAssignmentRecord[]> {
    const all = await this.stores.sweeps.assignments(sweep.id);
    const held = all.filter((a) => a.status === "assigned");
    const agents = new Map((await this.stores.sweeps.listAgents(sweep.id)).map((a) => [a.id, a]));
    const suspects = held.filter((a) =>
      a.agentId === agent.id
        ? !running.has(a.runName)
        : (agents.get(a.agentId)?.heartbeatAt ?? 0) < now - AGENT_TIMEOUT_MS,
    );
    if (suspects.length === 0) return held;
    const started = await this.stores.sweeps.existingRunNames(
      project.id,
      suspects.map((a) => a.runName),
    );
    const dropped = suspects.filter((a) => !started.has(a.runName)).map((a) => a.runName);
    if (dropped.length === 0) return held;
    await this.stores.sweeps.releaseAssignments(sweep.id, dropped);
    return held.filter((a) => !dropped.includes(a.runName));
  }

  private async decide(
    project: ProjectRecord,
    sweep: SweepRecord,
    agent: SweepAgentRecord,
    running: ReadonlySet<string>,
    held: readonly SweepAssignmentRecord[],
    now: number,
  ): Promise<AgentCommand[]> {
    if (sweep.state === "CANCELED") return [{ type: "exit" }];
    if (running.size > 0 || sweep.state === "PENDING" || sweep.state === "PAUSED") return [];
    if (sweep.state === "FINISHED") return [{ type: "exit" }];
    const config = parseSweepConfig(sweep.config);
    for (let attempt = 0; attempt < 10; attempt++) {
      const point = await this.nextPoint(project, sweep, config, held);
      if (point === undefined) {
        const started = await this.stores.sweeps.existingRunNames(
          project.id,
          held.map((a) => a.runName),
        );
        if (held.some((a) => !started.has(a.runName))) return [];
        await this.stores.sweeps.updateSweep(sweep.id, { state: "FINISHED" }, now);
        return [{ type: "exit" }];
      }
      const args = toArgs(config.params, point);
      const runName = randomId();
      const added = await this.stores.sweeps.addAssignment({
        sweepId: sweep.id,
        runName,
        agentId: agent.id,
        args: JSON.stringify(args),
        pointKey: config.method === "grid" ? pointKey(point) : null,
        now,
      });
      // Not added: another process handed out this grid point (or the run id) first; pick again.
      if (!added) {
        held = (await this.stores.sweeps.assignments(sweep.id)).filter((a) => a.status === "assigned");
        continue;
      }
      const command: AgentCommand = { type: "run", run_id: runName, args };
      if (config.program !== null) command.program = config.program;
      return [command];
    }
    return [];
  }

  /** The method's next point, or undefined when the sweep has no more work. */
  private async nextPoint(
    project: ProjectRecord,
    sweep: SweepRecord,
    config: SweepConfig,
    held: readonly SweepAssignmentRecord[],
  ): Promise<Point | undefined> {
    if (config.runCap !== null && held.length >= config.runCap) return undefined;
    if (config.method === "grid") {
      const used = new Set(held.map((a) => a.pointKey));
      const size = gridSize(config.params);
      for (let i = 0; i < size; i++) {
        const point = gridPoint(config.params, i);
        if (!used.has(pointKey(point))) return point;
      }
      return undefined;
    }
    if (config.method === "random") return randomPoint(config.params, this.rng);
    const metric = config.metric;
    const runs = await this.stores.sweeps.sweepRuns(project.id, sweep.name);
    const observations = metric ? observationsOf(config, runs, metric.name) : [];
    return bayesPoint(config.params, observations, metric?.goal ?? "minimize", this.rng);
  }

  /** The best value of the config's metric among the sweep's runs (W&B's `bestLoss`). */
  bestMetric(sweep: SweepRecord, runs: readonly SweepRunRecord[]): number | null {
    let config: SweepConfig;
    try {
      config = parseSweepConfig(sweep.config);
    } catch {
      return null;
    }
    if (!config.metric) return null;
    const values = runs.map((r) => metricOf(r.summary, config.metric?.name ?? "")).filter(Number.isFinite);
    if (values.length === 0) return null;
    return config.metric.goal === "maximize" ? Math.max(...values) : Math.min(...values);
  }

  /** How many runs the sweep will make: the grid size (capped by run_cap), run_cap, or null. */
  expectedRunCount(sweep: SweepRecord): number | null {
    try {
      const config = parseSweepConfig(sweep.config);
      const size = config.method === "grid" ? gridSize(config.params) : null;
      if (size === null) return config.runCap;
      return config.runCap === null ? size : Math.min(size, config.runCap);
    } catch {
      return null;
    }
  }
}

/** A summary's value for `name` (a top-level key, or a dotted path into nested objects). */
export function metricOf(summaryText: string, name: string): number {
  let summary: unknown;
  try {
    summary = parseLenientJson(summaryText);
  } catch {
    return Number.NaN;
  }
  const record = summary as Record<string, unknown> | null;
  let value: unknown = record?.[name];
  if (value === undefined) {
    value = summary;
    for (const part of name.split(".")) value = (value as Record<string, unknown> | null)?.[part];
  }
  return typeof value === "number" ? value : Number.NaN;
}

/** Finished runs' points and metric values, for bayes. */
function observationsOf(config: SweepConfig, runs: readonly SweepRunRecord[], metric: string): Observation[] {
  const observations: Observation[] = [];
  for (const run of runs) {
    if (run.state !== "finished") continue;
    let parsed: unknown;
    try {
      parsed = parseLenientJson(run.config);
    } catch {
      continue;
    }
    const point = pointOf(config.params, parsed);
    const value = metricOf(run.summary, metric);
    if (point !== undefined && Number.isFinite(value)) observations.push({ point, metric: value });
  }
  return observations;
}
