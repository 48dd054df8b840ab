import type {
  NewAssignment,
  NewSweep,
  SweepAgentRecord,
  SweepAssignmentRecord,
  SweepChanges,
  SweepRecord,
  SweepRepository,
  SweepRunRecord,
} from "../sweep-repository.ts";
import type { MysqlDatabase } from "./database.ts";

/** ER_DUP_ENTRY: the name (or the grid point, or the run) is taken. */
const DUPLICATE_ENTRY = 1062;

/** Runs `insert`; false when a unique key refused it (the SQLite store's ON CONFLICT DO NOTHING). */
async function insertUnlessTaken<T>(insert: () => Promise<T>): Promise<T | undefined> {
  try {
    return await insert();
  } catch (error) {
    if ((error as { errno?: unknown }).errno === DUPLICATE_ENTRY) return undefined;
    throw error;
  }
}

const SWEEP_COLUMNS = `id, project_id AS projectId, name, display_name AS displayName, description, config,
  method, state, user_id AS userId, created_at AS createdAt, updated_at AS updatedAt`;

const AGENT_COLUMNS = `id, sweep_id AS sweepId, name, host, state, user_id AS userId, created_at AS createdAt,
  heartbeat_at AS heartbeatAt`;

const CHANGE_COLUMNS: Record<keyof SweepChanges, string> = {
  displayName: "display_name",
  description: "description",
  config: "config",
  method: "method",
  state: "state",
};

/**
 * Sweeps, agents and assignments on MySQL (migration 0004_sweeps.sql): the behaviour of
 * stores/sqlite/sweep.repository.ts. "Insert unless taken" is a plain INSERT whose duplicate-key
 * error means taken — not INSERT IGNORE, which would also hide a foreign-key or length error.
 */
export class MysqlSweepRepository implements SweepRepository {
  private readonly db: MysqlDatabase;

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  async createSweep(sweep: NewSweep): Promise<SweepRecord | undefined> {
    const inserted = await insertUnlessTaken(() =>
      this.db.run(
        `INSERT INTO sweeps (project_id, name, display_name, description, config, method, state, user_id,
           created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          sweep.projectId,
          sweep.name,
          sweep.displayName,
          sweep.description,
          sweep.config,
          sweep.method,
          sweep.state,
          sweep.userId,
          sweep.now,
          sweep.now,
        ],
      ),
    );
    return inserted && this.byId(inserted.insertId);
  }

  private byId(id: number): Promise<SweepRecord | undefined> {
    return this.db.get<SweepRecord>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE id = ?`, [id]);
  }

  async findSweep(projectId: number, name: string): Promise<SweepRecord | undefined> {
    return this.db.get<SweepRecord>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE project_id = ? AND name = ?`, [
      projectId,
      name,
    ]);
  }

  findSweepById(id: number): Promise<SweepRecord | undefined> {
    return this.byId(id);
  }

  async listSweeps(projectId: number, beforeId: number | null, limit: number): Promise<SweepRecord[]> {
    return this.db.all<SweepRecord>(
      `SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE project_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      [projectId, beforeId ?? Number.MAX_SAFE_INTEGER, limit],
    );
  }

  async countSweeps(projectId: number): Promise<number> {
    const row = await this.db.get<{ n: number }>("SELECT count(*) AS n FROM sweeps WHERE project_id = ?", [
      projectId,
    ]);
    return Number(row?.n ?? 0);
  }

  async updateSweep(id: number, changes: SweepChanges, now: number): Promise<SweepRecord> {
    return this.db.transaction(async (tx) => {
      const sets: string[] = [];
      const values: string[] = [];
      for (const [field, column] of Object.entries(CHANGE_COLUMNS) as [keyof SweepChanges, string][]) {
        const value = changes[field];
        if (value === undefined) continue;
        sets.push(`${column} = ?`);
        values.push(value);
      }
      await tx.run(`UPDATE sweeps SET ${[...sets, "updated_at = ?"].join(", ")} WHERE id = ?`, [
        ...values,
        now,
        id,
      ]);
      const sweep = await tx.get<SweepRecord>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE id = ?`, [id]);
      if (!sweep) throw new Error(`sweep ${id} vanished inside its own transaction`);
      return sweep;
    });
  }

  async attachRuns(projectId: number, sweepName: string, runNames: readonly string[]): Promise<number> {
    if (runNames.length === 0) return 0;
    // One statement: the pool counts matched rows, as SQLite's `changes` does.
    const { affectedRows } = await this.db.run(
      `UPDATE runs SET sweep_name = ? WHERE project_id = ? AND name IN (${runNames.map(() => "?").join(", ")})`,
      [sweepName, projectId, ...runNames],
    );
    return affectedRows;
  }

  async sweepRuns(projectId: number, sweepName: string): Promise<SweepRunRecord[]> {
    const rows = await this.db.all<Omit<SweepRunRecord, "stopRequested"> & { stopRequested: number }>(
      `SELECT id, name, state, config, summary, exit_code AS exitCode, stop_requested AS stopRequested,
              created_at AS createdAt, heartbeat_at AS heartbeatAt
         FROM runs WHERE project_id = ? AND sweep_name = ? ORDER BY created_at, id`,
      [projectId, sweepName],
    );
    return rows.map((row) => ({ ...row, stopRequested: Number(row.stopRequested) === 1 }));
  }

  async existingRunNames(projectId: number, names: readonly string[]): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const rows = await this.db.all<{ name: string }>(
      `SELECT name FROM runs WHERE project_id = ? AND name IN (${names.map(() => "?").join(", ")})`,
      [projectId, ...names],
    );
    return new Set(rows.map((row) => row.name));
  }

  async createAgent(agent: {
    sweepId: number;
    name: string;
    host: string;
    userId: number;
    now: number;
  }): Promise<SweepAgentRecord | undefined> {
    const inserted = await insertUnlessTaken(() =>
      this.db.run(
        `INSERT INTO sweep_agents (sweep_id, name, host, state, user_id, created_at, heartbeat_at)
         VALUES (?, ?, ?, 'RUNNING', ?, ?, ?)`,
        [agent.sweepId, agent.name, agent.host, agent.userId, agent.now, agent.now],
      ),
    );
    return inserted && this.findAgent(inserted.insertId);
  }

  async findAgent(id: number): Promise<SweepAgentRecord | undefined> {
    return this.db.get<SweepAgentRecord>(`SELECT ${AGENT_COLUMNS} FROM sweep_agents WHERE id = ?`, [id]);
  }

  async findAgentByName(sweepId: number, name: string): Promise<SweepAgentRecord | undefined> {
    return this.db.get<SweepAgentRecord>(
      `SELECT ${AGENT_COLUMNS} FROM sweep_agents WHERE sweep_id = ? AND name = ?`,
      [sweepId, name],
    );
  }

  async listAgents(sweepId: number): Promise<SweepAgentRecord[]> {
    return this.db.all<SweepAgentRecord>(
      `SELECT ${AGENT_COLUMNS} FROM sweep_agents WHERE sweep_id = ? ORDER BY id`,
      [sweepId],
    );
  }

  async touchAgent(id: number, state: SweepAgentRecord["state"], now: number): Promise<void> {
    await this.db.run("UPDATE sweep_agents SET state = ?, heartbeat_at = ? WHERE id = ?", [state, now, id]);
  }

  async assignments(sweepId: number): Promise<SweepAssignmentRecord[]> {
    return this.db.all<SweepAssignmentRecord>(
      `SELECT sweep_id AS sweepId, run_name AS runName, agent_id AS agentId, args, point_key AS pointKey,
              status, created_at AS createdAt
         FROM sweep_assignments WHERE sweep_id = ? ORDER BY created_at, seq`,
      [sweepId],
    );
  }

  async addAssignment(a: NewAssignment): Promise<boolean> {
    const inserted = await insertUnlessTaken(() =>
      this.db.run(
        `INSERT INTO sweep_assignments (sweep_id, run_name, agent_id, args, point_key, status, created_at)
         VALUES (?, ?, ?, ?, ?, 'assigned', ?)`,
        [a.sweepId, a.runName, a.agentId, a.args, a.pointKey, a.now],
      ),
    );
    return inserted !== undefined;
  }

  async releaseAssignments(sweepId: number, runNames: readonly string[]): Promise<void> {
    if (runNames.length === 0) return;
    await this.db.run(
      `UPDATE sweep_assignments SET status = 'released'
        WHERE sweep_id = ? AND status = 'assigned' AND run_name IN (${runNames.map(() => "?").join(", ")})`,
      [sweepId, ...runNames],
    );
  }
}
