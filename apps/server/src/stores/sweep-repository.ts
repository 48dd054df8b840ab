/**
 * The sweep store contract: sweeps, their agents, and the run commands handed out (assignments).
 * Like the other contracts (repositories.ts), each method is one atomic unit of work. Times are Unix
 * milliseconds.
 */

export type SweepState = "PENDING" | "RUNNING" | "PAUSED" | "FINISHED" | "CANCELED";

export interface SweepRecord {
  readonly id: number;
  readonly projectId: number;
  /** The sweep id the client uses (8 characters). */
  readonly name: string;
  readonly displayName: string | null;
  readonly description: string | null;
  /** The config text exactly as sent (YAML or JSON). */
  readonly config: string;
  readonly method: string;
  readonly state: SweepState;
  readonly userId: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SweepAgentRecord {
  readonly id: number;
  readonly sweepId: number;
  readonly name: string;
  readonly host: string;
  readonly state: "RUNNING" | "FINISHED";
  readonly userId: number | null;
  readonly createdAt: number;
  readonly heartbeatAt: number;
}

export interface SweepAssignmentRecord {
  readonly sweepId: number;
  readonly runName: string;
  readonly agentId: number;
  /** JSON of the run command's args. */
  readonly args: string;
  readonly pointKey: string | null;
  readonly status: "assigned" | "released";
  readonly createdAt: number;
}

/** The columns of a sweep's run that the scheduler and the sweep reads need. */
export interface SweepRunRecord {
  readonly id: number;
  readonly name: string;
  readonly state: string;
  readonly config: string;
  readonly summary: string;
  readonly exitCode: number | null;
  readonly stopRequested: boolean;
  readonly createdAt: number;
  readonly heartbeatAt: number;
}

export interface NewSweep {
  readonly projectId: number;
  readonly name: string;
  readonly displayName: string | null;
  readonly description: string | null;
  readonly config: string;
  readonly method: string;
  readonly state: SweepState;
  readonly userId: number;
  readonly now: number;
}

export interface SweepChanges {
  readonly displayName?: string;
  readonly description?: string;
  readonly config?: string;
  readonly method?: string;
  readonly state?: SweepState;
}

export interface NewAssignment {
  readonly sweepId: number;
  readonly runName: string;
  readonly agentId: number;
  readonly args: string;
  readonly pointKey: string | null;
  readonly now: number;
}

export interface SweepRepository {
  /** Inserts the sweep; undefined when the project already has a sweep with that name. */
  createSweep(sweep: NewSweep): Promise<SweepRecord | undefined>;
  findSweep(projectId: number, name: string): Promise<SweepRecord | undefined>;
  findSweepById(id: number): Promise<SweepRecord | undefined>;
  /** A project's sweeps, newest first, after the sweep with id `beforeId` (cursor), at most `limit`. */
  listSweeps(projectId: number, beforeId: number | null, limit: number): Promise<SweepRecord[]>;
  countSweeps(projectId: number): Promise<number>;
  /** Applies the given changes; `undefined` fields stay as they are. */
  updateSweep(id: number, changes: SweepChanges, now: number): Promise<SweepRecord>;
  /** Sets `sweep_name` on the project's runs with these names (prior runs); returns how many. */
  attachRuns(projectId: number, sweepName: string, runNames: readonly string[]): Promise<number>;
  /** The project's runs that name the sweep, oldest first. */
  sweepRuns(projectId: number, sweepName: string): Promise<SweepRunRecord[]>;
  /** Which of these run names exist in the project (started by a client). */
  existingRunNames(projectId: number, names: readonly string[]): Promise<Set<string>>;

  createAgent(agent: {
    sweepId: number;
    name: string;
    host: string;
    userId: number;
    now: number;
  }): Promise<SweepAgentRecord | undefined>;
  findAgent(id: number): Promise<SweepAgentRecord | undefined>;
  findAgentByName(sweepId: number, name: string): Promise<SweepAgentRecord | undefined>;
  listAgents(sweepId: number): Promise<SweepAgentRecord[]>;
  touchAgent(id: number, state: SweepAgentRecord["state"], now: number): Promise<void>;

  assignments(sweepId: number): Promise<SweepAssignmentRecord[]>;
  /** Records a run command; false when its grid point is already handed out (nothing is written). */
  addAssignment(assignment: NewAssignment): Promise<boolean>;
  releaseAssignments(sweepId: number, runNames: readonly string[]): Promise<void>;
}
