import { AppError } from "@ballast/core";
import type { EntityRecord, MemberRecord, MemberRole, ServiceAccountRecord, UserRecord } from "../records.ts";
import type { TeamRepository } from "../team-repository.ts";
import type { SqliteDatabase } from "./database.ts";
import { insertUser, toUser, USER_SELECT, type UserRow } from "./identity.repository.ts";

const lastAdmin = (): AppError =>
  new AppError("FAILED_PRECONDITION", "A team keeps at least one admin: make someone else admin first.");

/** Teams, members, service accounts and sign-in identities (team-repository.ts). */
export class SqliteTeamRepository implements TeamRepository {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async createTeam(input: { name: string; adminUserId: number; now: number }): Promise<EntityRecord> {
    return this.db.transaction(() => {
      if (this.db.get("SELECT 1 AS x FROM entities WHERE name = ?", [input.name])) {
        throw new AppError("ALREADY_EXISTS", `The name "${input.name}" is already taken by a user or team.`);
      }
      const id = this.db.run("INSERT INTO entities (name, kind, created_at) VALUES (?, 'team', ?)", [
        input.name,
        input.now,
      ]).lastInsertRowid;
      this.db.run("INSERT INTO entity_members (entity_id, user_id, role) VALUES (?, ?, 'admin')", [
        id,
        input.adminUserId,
      ]);
      return { id, name: input.name, kind: "team" as const };
    });
  }

  async listTeams(): Promise<EntityRecord[]> {
    return this.db.all<EntityRecord>("SELECT id, name, kind FROM entities WHERE kind = 'team' ORDER BY name");
  }

  async deleteTeam(entityId: number): Promise<boolean> {
    return this.db.transaction(() => {
      if (
        this.db.get("SELECT 1 AS x FROM projects WHERE entity_id = ? LIMIT 1", [entityId]) ||
        this.db.get("SELECT 1 AS x FROM service_accounts WHERE entity_id = ? LIMIT 1", [entityId])
      ) {
        return false;
      }
      this.db.run("DELETE FROM entity_members WHERE entity_id = ?", [entityId]);
      return this.db.run("DELETE FROM entities WHERE id = ? AND kind = 'team'", [entityId]).changes === 1;
    });
  }

  async listMembers(entityId: number): Promise<MemberRecord[]> {
    return this.db
      .all<UserRow & { role: MemberRole }>(
        `${USER_SELECT} JOIN entity_members m ON m.user_id = u.id
         WHERE m.entity_id = ? AND sa.user_id IS NULL ORDER BY u.username`.replace(
          "SELECT ",
          "SELECT m.role, ",
        ),
        [entityId],
      )
      .map((row) => ({ user: toUser(row), role: row.role }));
  }

  async setMemberRole(entityId: number, userId: number, role: MemberRole): Promise<void> {
    this.db.run(
      `INSERT INTO entity_members (entity_id, user_id, role) VALUES (?, ?, ?)
       ON CONFLICT (entity_id, user_id) DO UPDATE SET role = excluded.role`,
      [entityId, userId, role],
    );
  }

  async changeRole(entityId: number, userId: number, role: MemberRole): Promise<boolean> {
    return this.db.transaction(() => {
      const current = this.role(entityId, userId);
      if (current === undefined) return false;
      if (current === "admin" && role !== "admin" && this.adminCount(entityId) <= 1) throw lastAdmin();
      this.db.run("UPDATE entity_members SET role = ? WHERE entity_id = ? AND user_id = ?", [
        role,
        entityId,
        userId,
      ]);
      return true;
    });
  }

  async removeMember(entityId: number, userId: number): Promise<boolean> {
    return this.db.transaction(() => {
      const current = this.role(entityId, userId);
      if (current === undefined) return false;
      if (current === "admin" && this.adminCount(entityId) <= 1) throw lastAdmin();
      this.db.run("DELETE FROM entity_members WHERE entity_id = ? AND user_id = ?", [entityId, userId]);
      return true;
    });
  }

  private role(entityId: number, userId: number): MemberRole | undefined {
    return this.db.get<{ role: MemberRole }>(
      "SELECT role FROM entity_members WHERE entity_id = ? AND user_id = ?",
      [entityId, userId],
    )?.role;
  }

  private adminCount(entityId: number): number {
    return (
      this.db.get<{ n: number }>(
        "SELECT count(*) AS n FROM entity_members WHERE entity_id = ? AND role = 'admin'",
        [entityId],
      )?.n ?? 0
    );
  }

  async createServiceAccount(input: {
    entityId: number;
    username: string;
    email: string;
    role: MemberRole;
    createdBy: number;
    now: number;
  }): Promise<UserRecord> {
    return this.db.transaction(() => {
      if (
        this.db.get(
          "SELECT 1 AS x FROM entities WHERE name = ? UNION SELECT 1 FROM users WHERE username = ?",
          [input.username, input.username],
        )
      ) {
        throw new AppError("ALREADY_EXISTS", `The name "${input.username}" is already taken.`);
      }
      const userId = this.db.run(
        "INSERT INTO users (username, email, is_admin, default_entity_id, created_at) VALUES (?, ?, 0, ?, ?)",
        [input.username, input.email, input.entityId, input.now],
      ).lastInsertRowid;
      this.db.run(
        "INSERT INTO service_accounts (user_id, entity_id, created_by, created_at) VALUES (?, ?, ?, ?)",
        [userId, input.entityId, input.createdBy, input.now],
      );
      this.db.run("INSERT INTO entity_members (entity_id, user_id, role) VALUES (?, ?, ?)", [
        input.entityId,
        userId,
        input.role,
      ]);
      const row = this.db.get<UserRow>(`${USER_SELECT} WHERE u.id = ?`, [userId]);
      if (!row) throw new Error("service account vanished inside its own transaction");
      return toUser(row);
    });
  }

  async listServiceAccounts(entityId: number): Promise<ServiceAccountRecord[]> {
    return this.db
      .all<UserRow & { role: MemberRole; creator: string | null; sa_created_at: number }>(
        `${USER_SELECT} JOIN entity_members m ON m.user_id = u.id AND m.entity_id = sa.entity_id
         LEFT JOIN users c ON c.id = sa.created_by
         WHERE sa.entity_id = ? AND sa.deleted_at IS NULL ORDER BY u.username`.replace(
          "SELECT ",
          "SELECT m.role, c.username AS creator, sa.created_at AS sa_created_at, ",
        ),
        [entityId],
      )
      .map((row) => ({
        user: toUser(row),
        role: row.role,
        createdBy: row.creator,
        createdAt: row.sa_created_at,
      }));
  }

  async deleteServiceAccount(entityId: number, userId: number, now: number): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.db.run(
        "UPDATE service_accounts SET deleted_at = ? WHERE user_id = ? AND entity_id = ? AND deleted_at IS NULL",
        [now, userId, entityId],
      ).changes;
      if (changed !== 1) return false;
      this.db.run("UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", [
        now,
        userId,
      ]);
      this.db.run("DELETE FROM entity_members WHERE user_id = ?", [userId]);
      return true;
    });
  }

  async findUserById(id: number): Promise<UserRecord | undefined> {
    const row = this.db.get<UserRow>(`${USER_SELECT} WHERE u.id = ?`, [id]);
    return row && toUser(row);
  }

  async findUsersByEmail(email: string): Promise<UserRecord[]> {
    return this.db
      .all<UserRow>(`${USER_SELECT} WHERE lower(u.email) = lower(?) AND sa.user_id IS NULL ORDER BY u.id`, [
        email,
      ])
      .map(toUser);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.db.all<UserRow>(`${USER_SELECT} WHERE sa.user_id IS NULL ORDER BY u.username`).map(toUser);
  }

  async setInstanceAdmin(userId: number, isAdmin: boolean): Promise<void> {
    this.db.run("UPDATE users SET is_admin = ? WHERE id = ?", [isAdmin ? 1 : 0, userId]);
  }

  async setDeactivated(input: {
    userId: number;
    deactivated: boolean;
    by: number;
    now: number;
  }): Promise<boolean> {
    return this.db.transaction(() => {
      if (!input.deactivated) {
        return this.db.run("DELETE FROM user_deactivations WHERE user_id = ?", [input.userId]).changes === 1;
      }
      const inserted = this.db.run(
        "INSERT INTO user_deactivations (user_id, deactivated_at, deactivated_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [input.userId, input.now, input.by],
      ).changes;
      this.db.run("DELETE FROM sessions WHERE user_id = ?", [input.userId]);
      return inserted === 1;
    });
  }

  async findUserByIdentity(provider: string, subject: string): Promise<UserRecord | undefined> {
    const row = this.db.get<UserRow>(
      `${USER_SELECT} JOIN user_identities i ON i.user_id = u.id WHERE i.provider = ? AND i.subject = ?`,
      [provider, subject],
    );
    return row && toUser(row);
  }

  async createUserWithIdentity(input: {
    provider: string;
    subject: string;
    username: string;
    email: string;
    now: number;
  }): Promise<UserRecord> {
    return this.db.transaction(() => {
      if (
        this.db.get("SELECT 1 AS x FROM user_identities WHERE provider = ? AND subject = ?", [
          input.provider,
          input.subject,
        ])
      ) {
        throw new AppError("ALREADY_EXISTS", "This sign-in identity is already linked to a user.");
      }
      const user = insertUser(this.db, { ...input, isAdmin: false });
      this.db.run(
        "INSERT INTO user_identities (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)",
        [input.provider, input.subject, user.id, input.now],
      );
      return user;
    });
  }

  async identityProvidersOf(userId: number): Promise<string[]> {
    return this.db
      .all<{ provider: string }>("SELECT provider FROM user_identities WHERE user_id = ? ORDER BY provider", [
        userId,
      ])
      .map((row) => row.provider);
  }
}
