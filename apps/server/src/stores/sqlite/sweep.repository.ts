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
import type { SqliteDatabase } from "./database.ts";

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

/** Sweeps, agents and assignments in the embedded SQLite store (migration 0005_sweeps.sql). */
export class SqliteSweepRepository implements SweepRepository {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async createSweep(sweep: NewSweep): Promise<SweepRecord | undefined> {
    return this.db.transaction(() => {
      const { changes, lastInsertRowid } = this.db.run(
        `INSERT INTO sweeps (project_id, name, display_name, description, config, method, state, user_id,
           created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (project_id, name) DO NOTHING`,
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
      );
      return changes === 0 ? undefined : this.byId(lastInsertRowid);
    });
  }

  private byId(id: number): SweepRecord | undefined {
    return this.db.get<SweepRecord>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE id = ?`, [id]);
  }

  async findSweep(projectId: number, name: string): Promise<SweepRecord | undefined> {
    return this.db.get<SweepRecord>(`SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE project_id = ? AND name = ?`, [
      projectId,
      name,
    ]);
  }

  async findSweepById(id: number): Promise<SweepRecord | undefined> {
    return this.byId(id);
  }

  async listSweeps(projectId: number, beforeId: number | null, limit: number): Promise<SweepRecord[]> {
    return this.db.all<SweepRecord>(
      `SELECT ${SWEEP_COLUMNS} FROM sweeps WHERE project_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      [projectId, beforeId ?? Number.MAX_SAFE_INTEGER, limit],
    );
  }

  async countSweeps(projectId: number): Promise<number> {
    return (
      this.db.get<{ n: number }>("SELECT count(*) AS n FROM sweeps WHERE project_id = ?", [projectId])?.n ?? 0
    );
  }

  async updateSweep(id: number, changes: SweepChanges, now: number): Promise<SweepRecord> {
    return this.db.transaction(() => {
      const sets: string[] = [];
      const values: string[] = [];
      for (const [field, column] of Object.entries(CHANGE_COLUMNS) as [keyof SweepChanges, string][]) {
        const value = changes[field];
        if (value === undefined) continue;
        sets.push(`${column} = ?`);
        values.push(value);
      }
      this.db.run(`UPDATE sweeps SET ${[...sets, "updated_at = ?"].join(", ")} WHERE id = ?`, [
        ...values,
        now,
        id,
      ]);
      const sweep = this.byId(id);
      if (!sweep) throw new Error(`sweep ${id} vanished inside its own transaction`);
      return sweep;
    });
  }

  async attachRuns(projectId: number, sweepName: string, runNames: readonly string[]): Promise<number> {
    return this.db.transaction(() => {
      let attached = 0;
      for (const name of runNames) {
        attached += this.db.run("UPDATE runs SET sweep_name = ? WHERE project_id = ? AND name = ?", [
          sweepName,
          projectId,
          name,
        ]).changes;
      }
      return attached;
    });
  }

  async sweepRuns(projectId: number, sweepName: string): Promise<SweepRunRecord[]> {
    const rows = this.db.all<Omit<SweepRunRecord, "stopRequested"> & { stopRequested: number }>(
      `SELECT id, name, state, config, summary, exit_code AS exitCode, stop_requested AS stopRequested,
              created_at AS createdAt, heartbeat_at AS heartbeatAt
         FROM runs WHERE project_id = ? AND sweep_name = ? ORDER BY created_at, id`,
      [projectId, sweepName],
    );
    return rows.map((row) => ({ ...row, stopRequested: row.stopRequested === 1 }));
  }

  async existingRunNames(projectId: number, names: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const name of names) {
      if (this.db.get("SELECT 1 AS x FROM runs WHERE project_id = ? AND name = ?", [projectId, name]))
        found.add(name);
    }
    return found;
  }

  async createAgent(agent: {
    sweepId: number;
    name: string;
    host: string;
    userId: number;
    now: number;
  }): Promise<SweepAgentRecord | undefined> {
    const { changes, lastInsertRowid } = this.db.run(
      `INSERT INTO sweep_agents (sweep_id, name, host, state, user_id, created_at, heartbeat_at)
       VALUES (?, ?, ?, 'RUNNING', ?, ?, ?) ON CONFLICT (sweep_id, name) DO NOTHING`,
      [agent.sweepId, agent.name, agent.host, agent.userId, agent.now, agent.now],
    );
    return changes === 0 ? undefined : this.findAgent(lastInsertRowid);
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
    this.db.run("UPDATE sweep_agents SET state = ?, heartbeat_at = ? WHERE id = ?", [state, now, id]);
  }

  async assignments(sweepId: number): Promise<SweepAssignmentRecord[]> {
    return this.db.all<SweepAssignmentRecord>(
      `SELECT sweep_id AS sweepId, run_name AS runName, agent_id AS agentId, args, point_key AS pointKey,
              status, created_at AS createdAt
         FROM sweep_assignments WHERE sweep_id = ? ORDER BY created_at, rowid`,
      [sweepId],
    );
  }

  async addAssignment(a: NewAssignment): Promise<boolean> {
    const { changes } = this.db.run(
      `INSERT INTO sweep_assignments (sweep_id, run_name, agent_id, args, point_key, status, created_at)
       VALUES (?, ?, ?, ?, ?, 'assigned', ?) ON CONFLICT DO NOTHING`,
      [a.sweepId, a.runName, a.agentId, a.args, a.pointKey, a.now],
    );
    return changes === 1;
  }

  async releaseAssignments(sweepId: number, runNames: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      for (const name of runNames) {
        this.db.run(
          "UPDATE sweep_assignments SET status = 'released' WHERE sweep_id = ? AND run_name = ? AND status = 'assigned'",
          [sweepId, name],
        );
      }
    });
  }
}
