/**
 * Teams, members, service accounts and sign-in identities on MySQL: the behaviour of
 * stores/sqlite/team.repository.ts on the tables of migrations/0001_core.sql and 0006_teams.sql.
 * The "keep one admin" checks lock the entity's membership rows (`FOR UPDATE`), so two concurrent
 * demotions of a team's two admins cannot both pass.
 */
import { AppError } from "@ballast/core";
import type { EntityRecord, MemberRecord, MemberRole, ServiceAccountRecord, UserRecord } from "../records.ts";
import type { TeamRepository } from "../team-repository.ts";
import type { MysqlDatabase, Queryable } from "./database.ts";
import { refuseTooLong } from "./errors.ts";
import { insertUser, toUser, USER_SELECT, type UserRow } from "./identity.repository.ts";

/** ER_DUP_ENTRY. */
const DUPLICATE_ENTRY = 1062;

const lastAdmin = (): AppError =>
  new AppError("FAILED_PRECONDITION", "A team keeps at least one admin: make someone else admin first.");
const nameTaken = (name: string): AppError =>
  new AppError("ALREADY_EXISTS", `The name "${name}" is already taken by a user or team.`);
const isDuplicate = (error: unknown): boolean => (error as { errno?: unknown }).errno === DUPLICATE_ENTRY;

export class MysqlTeamRepository implements TeamRepository {
  private readonly db: MysqlDatabase;

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  async createTeam(input: { name: string; adminUserId: number; now: number }): Promise<EntityRecord> {
    try {
      return await this.db.transaction(async (tx) => {
        if (await tx.get("SELECT 1 AS x FROM entities WHERE name = ?", [input.name]))
          throw nameTaken(input.name);
        const { insertId } = await tx.run(
          "INSERT INTO entities (name, kind, created_at) VALUES (?, 'team', ?)",
          [input.name, input.now],
        );
        await tx.run("INSERT INTO entity_members (entity_id, user_id, role) VALUES (?, ?, 'admin')", [
          insertId,
          input.adminUserId,
        ]);
        return { id: Number(insertId), name: input.name, kind: "team" as const };
      });
    } catch (error) {
      if (isDuplicate(error)) throw nameTaken(input.name);
      throw refuseTooLong(error, "The team name is too long");
    }
  }

  async listTeams(): Promise<EntityRecord[]> {
    const rows = await this.db.all<EntityRecord>(
      "SELECT id, name, kind FROM entities WHERE kind = 'team' ORDER BY name",
    );
    return rows.map((row) => ({ ...row, id: Number(row.id) }));
  }

  async deleteTeam(entityId: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.get("SELECT id FROM entities WHERE id = ? FOR UPDATE", [entityId]);
      if (
        (await tx.get("SELECT 1 AS x FROM projects WHERE entity_id = ? LIMIT 1", [entityId])) ||
        (await tx.get("SELECT 1 AS x FROM service_accounts WHERE entity_id = ? LIMIT 1", [entityId]))
      ) {
        return false;
      }
      await tx.run("DELETE FROM entity_members WHERE entity_id = ?", [entityId]);
      return (
        (await tx.run("DELETE FROM entities WHERE id = ? AND kind = 'team'", [entityId])).affectedRows === 1
      );
    });
  }

  async listMembers(entityId: number): Promise<MemberRecord[]> {
    const rows = await this.db.all<UserRow & { role: MemberRole }>(
      `${USER_SELECT.replace("SELECT ", "SELECT m.role, ")} JOIN entity_members m ON m.user_id = u.id
       WHERE m.entity_id = ? AND sa.user_id IS NULL ORDER BY u.username`,
      [entityId],
    );
    return rows.map((row) => ({ user: toUser(row), role: row.role }));
  }

  async setMemberRole(entityId: number, userId: number, role: MemberRole): Promise<void> {
    await this.db.run(
      `INSERT INTO entity_members (entity_id, user_id, role) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE role = VALUES(role)`,
      [entityId, userId, role],
    );
  }

  async changeRole(entityId: number, userId: number, role: MemberRole): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const roles = await lockedRoles(tx, entityId);
      const current = roles.get(userId);
      if (current === undefined) return false;
      if (current === "admin" && role !== "admin" && adminCount(roles) <= 1) throw lastAdmin();
      await tx.run("UPDATE entity_members SET role = ? WHERE entity_id = ? AND user_id = ?", [
        role,
        entityId,
        userId,
      ]);
      return true;
    });
  }

  async removeMember(entityId: number, userId: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const roles = await lockedRoles(tx, entityId);
      const current = roles.get(userId);
      if (current === undefined) return false;
      if (current === "admin" && adminCount(roles) <= 1) throw lastAdmin();
      await tx.run("DELETE FROM entity_members WHERE entity_id = ? AND user_id = ?", [entityId, userId]);
      return true;
    });
  }

  async createServiceAccount(input: {
    entityId: number;
    username: string;
    email: string;
    role: MemberRole;
    createdBy: number;
    now: number;
  }): Promise<UserRecord> {
    try {
      return await this.db.transaction(async (tx) => {
        if (
          await tx.get(
            "SELECT 1 AS x FROM entities WHERE name = ? UNION ALL SELECT 1 FROM users WHERE username = ?",
            [input.username, input.username],
          )
        ) {
          throw nameTaken(input.username);
        }
        const { insertId } = await tx.run(
          "INSERT INTO users (username, email, is_admin, default_entity_id, created_at) VALUES (?, ?, 0, ?, ?)",
          [input.username, input.email, input.entityId, input.now],
        );
        await tx.run(
          "INSERT INTO service_accounts (user_id, entity_id, created_by, created_at) VALUES (?, ?, ?, ?)",
          [insertId, input.entityId, input.createdBy, input.now],
        );
        await tx.run("INSERT INTO entity_members (entity_id, user_id, role) VALUES (?, ?, ?)", [
          input.entityId,
          insertId,
          input.role,
        ]);
        const row = await tx.get<UserRow>(`${USER_SELECT} WHERE u.id = ?`, [insertId]);
        if (!row) throw new Error("service account vanished inside its own transaction");
        return toUser(row);
      });
    } catch (error) {
      if (isDuplicate(error)) throw nameTaken(input.username);
      throw refuseTooLong(error, "The service account's name is too long");
    }
  }

  async listServiceAccounts(entityId: number): Promise<ServiceAccountRecord[]> {
    const rows = await this.db.all<
      UserRow & { role: MemberRole; creator: string | null; sa_created_at: number }
    >(
      `${USER_SELECT.replace("SELECT ", "SELECT m.role, c.username AS creator, sa.created_at AS sa_created_at, ")}
       JOIN entity_members m ON m.user_id = u.id AND m.entity_id = sa.entity_id
       LEFT JOIN users c ON c.id = sa.created_by
       WHERE sa.entity_id = ? AND sa.deleted_at IS NULL ORDER BY u.username`,
      [entityId],
    );
    return rows.map((row) => ({
      user: toUser(row),
      role: row.role,
      createdBy: row.creator,
      createdAt: Number(row.sa_created_at),
    }));
  }

  async deleteServiceAccount(entityId: number, userId: number, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { affectedRows } = await tx.run(
        "UPDATE service_accounts SET deleted_at = ? WHERE user_id = ? AND entity_id = ? AND deleted_at IS NULL",
        [now, userId, entityId],
      );
      if (affectedRows !== 1) return false;
      await tx.run("UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", [
        now,
        userId,
      ]);
      await tx.run("DELETE FROM entity_members WHERE user_id = ?", [userId]);
      return true;
    });
  }

  async findUserById(id: number): Promise<UserRecord | undefined> {
    const row = await this.db.get<UserRow>(`${USER_SELECT} WHERE u.id = ?`, [id]);
    return row && toUser(row);
  }

  async findUsersByEmail(email: string): Promise<UserRecord[]> {
    const rows = await this.db.all<UserRow>(
      `${USER_SELECT} WHERE lower(u.email) = lower(?) AND sa.user_id IS NULL ORDER BY u.id`,
      [email],
    );
    return rows.map(toUser);
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.db.all<UserRow>(`${USER_SELECT} WHERE sa.user_id IS NULL ORDER BY u.username`);
    return rows.map(toUser);
  }

  async setInstanceAdmin(userId: number, isAdmin: boolean): Promise<void> {
    await this.db.run("UPDATE users SET is_admin = ? WHERE id = ?", [isAdmin ? 1 : 0, userId]);
  }

  async setDeactivated(input: {
    userId: number;
    deactivated: boolean;
    by: number;
    now: number;
  }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!input.deactivated) {
        return (
          (await tx.run("DELETE FROM user_deactivations WHERE user_id = ?", [input.userId])).affectedRows ===
          1
        );
      }
      const existing = await tx.get("SELECT 1 AS x FROM user_deactivations WHERE user_id = ? FOR UPDATE", [
        input.userId,
      ]);
      if (!existing) {
        await tx.run(
          "INSERT INTO user_deactivations (user_id, deactivated_at, deactivated_by) VALUES (?, ?, ?)",
          [input.userId, input.now, input.by],
        );
      }
      await tx.run("DELETE FROM sessions WHERE user_id = ?", [input.userId]);
      return !existing;
    });
  }

  async findUserByIdentity(provider: string, subject: string): Promise<UserRecord | undefined> {
    const row = await this.db.get<UserRow>(
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
    try {
      return await this.db.transaction(async (tx) => {
        const user = await insertUser(tx, { ...input, isAdmin: false });
        await tx.run(
          "INSERT INTO user_identities (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)",
          [input.provider, input.subject, user.id, input.now],
        );
        return user;
      });
    } catch (error) {
      if (isDuplicate(error)) {
        throw new AppError("ALREADY_EXISTS", "This user name or sign-in identity is already taken.");
      }
      throw refuseTooLong(error, "The sign-in identity is too long");
    }
  }

  async identityProvidersOf(userId: number): Promise<string[]> {
    const rows = await this.db.all<{ provider: string }>(
      "SELECT provider FROM user_identities WHERE user_id = ? ORDER BY provider",
      [userId],
    );
    return rows.map((row) => row.provider);
  }
}

/** The entity's memberships, locked until the transaction ends. */
async function lockedRoles(tx: Queryable, entityId: number): Promise<Map<number, MemberRole>> {
  const rows = await tx.all<{ user_id: number; role: MemberRole }>(
    "SELECT user_id, role FROM entity_members WHERE entity_id = ? FOR UPDATE",
    [entityId],
  );
  return new Map(rows.map((row) => [Number(row.user_id), row.role]));
}

function adminCount(roles: Map<number, MemberRole>): number {
  return [...roles.values()].filter((role) => role === "admin").length;
}
