/**
 * Users, their entities, API keys, projects, settings and web sessions on MySQL: the behaviour of
 * stores/sqlite/identity.repository.ts (read its comments), on the tables of migrations/0001_core.sql.
 *
 * SQLite serialises every writer; MySQL does not, so what SQLite gets from that is made explicit:
 * - "create if absent" (projects, settings) is one `INSERT … ON DUPLICATE KEY UPDATE` that leaves
 *   an existing row alone, then a read: two servers racing get the same row. Not `INSERT IGNORE`,
 *   which would also swallow a foreign-key failure.
 * - a name taken between the check and the insert (two sign-ups of one name) meets the unique index
 *   and is answered ALREADY_EXISTS, like the check.
 * - the first-admin setup locks the setup token's row, so of two concurrent setups one completes and
 *   the other sees `setup-complete`.
 */
import { AppError } from "@ballast/core";
import type {
  ApiKeyRecord,
  EntityRecord,
  MemberRole,
  ProjectRecord,
  SessionRecord,
  UserRecord,
} from "../records.ts";
import type { IdentityRepository } from "../repositories.ts";
import type { MysqlDatabase, Queryable } from "./database.ts";
import { refuseTooLong } from "./errors.ts";

/** ER_DUP_ENTRY. */
const DUPLICATE_ENTRY = 1062;

export interface UserRow {
  id: number;
  username: string;
  email: string;
  is_admin: number;
  /** 1 for a service account (service_accounts has its row). */
  is_service: number;
  /** 1 while deactivated (user_deactivations has its row). */
  is_deactivated: number;
  default_entity_id: number;
  entity_name: string;
  created_at: number;
}

export const USER_SELECT = `SELECT u.id, u.username, u.email, u.is_admin,
  CASE WHEN sa.user_id IS NULL THEN 0 ELSE 1 END AS is_service,
  CASE WHEN ud.user_id IS NULL THEN 0 ELSE 1 END AS is_deactivated, u.default_entity_id, e.name AS entity_name, u.created_at
  FROM users u JOIN entities e ON e.id = u.default_entity_id LEFT JOIN service_accounts sa ON sa.user_id = u.id
  LEFT JOIN user_deactivations ud ON ud.user_id = u.id`;

export function toUser(row: UserRow): UserRecord {
  return {
    id: Number(row.id),
    username: row.username,
    email: row.email,
    isAdmin: Number(row.is_admin) === 1,
    accountType: Number(row.is_service) === 1 ? "service" : "user",
    deactivated: Number(row.is_deactivated) === 1,
    defaultEntityId: Number(row.default_entity_id),
    defaultEntityName: row.entity_name,
    createdAt: Number(row.created_at),
  };
}

const PROJECT_SELECT = `SELECT p.id, p.entity_id AS entityId, e.name AS entityName, p.name, p.created_at AS createdAt
  FROM projects p JOIN entities e ON e.id = p.entity_id`;

const nameTaken = (name: string) =>
  new AppError("ALREADY_EXISTS", `The name "${name}" is already taken by a user or team.`);

export class MysqlIdentityRepository implements IdentityRepository {
  private readonly db: MysqlDatabase;

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  async countUsers(): Promise<number> {
    return Number((await this.db.get<{ n: number }>("SELECT count(*) AS n FROM users"))?.n ?? 0);
  }

  async createUser(input: {
    username: string;
    email: string;
    isAdmin: boolean;
    now: number;
  }): Promise<UserRecord> {
    return this.db.transaction((tx) => insertUser(tx, input));
  }

  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.get<UserRow>(`${USER_SELECT} WHERE u.username = ?`, [username]);
    return row && toUser(row);
  }

  async insertApiKey(input: {
    userId: number;
    keyHash: string;
    keyPrefix: string;
    name: string;
    now: number;
  }): Promise<number> {
    try {
      const { insertId } = await this.db.run(
        "INSERT INTO api_keys (user_id, key_hash, key_prefix, name, created_at) VALUES (?, ?, ?, ?, ?)",
        [input.userId, input.keyHash, input.keyPrefix, input.name, input.now],
      );
      return insertId;
    } catch (error) {
      throw refuseTooLong(error, "The key's name is too long");
    }
  }

  async findUserByApiKeyHash(
    keyHash: string,
  ): Promise<{ user: UserRecord; keyId: number; lastUsedAt: number | null } | undefined> {
    const row = await this.db.get<UserRow & { key_id: number; last_used_at: number | null }>(
      `${USER_SELECT.replace("SELECT ", "SELECT k.id AS key_id, k.last_used_at, ")}
       JOIN api_keys k ON k.user_id = u.id WHERE k.key_hash = ? AND k.revoked_at IS NULL`,
      [keyHash],
    );
    return (
      row && {
        user: toUser(row),
        keyId: Number(row.key_id),
        lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
      }
    );
  }

  async touchApiKey(keyId: number, now: number): Promise<void> {
    await this.db.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [now, keyId]);
  }

  async findEntityByName(name: string): Promise<EntityRecord | undefined> {
    return this.db.get<EntityRecord>("SELECT id, name, kind FROM entities WHERE name = ?", [name]);
  }

  async findEntityById(id: number): Promise<EntityRecord | undefined> {
    return this.db.get<EntityRecord>("SELECT id, name, kind FROM entities WHERE id = ?", [id]);
  }

  async memberRole(entityId: number, userId: number): Promise<MemberRole | undefined> {
    const row = await this.db.get<{ role: MemberRole }>(
      "SELECT role FROM entity_members WHERE entity_id = ? AND user_id = ?",
      [entityId, userId],
    );
    return row?.role;
  }

  async entitiesOfUser(userId: number): Promise<EntityRecord[]> {
    return this.db.all<EntityRecord>(
      `SELECT e.id, e.name, e.kind FROM entities e JOIN entity_members m ON m.entity_id = e.id
       WHERE m.user_id = ? ORDER BY e.kind = 'user' DESC, e.name`,
      [userId],
    );
  }

  async findProject(entityId: number, name: string): Promise<ProjectRecord | undefined> {
    return this.db.get<ProjectRecord>(`${PROJECT_SELECT} WHERE p.entity_id = ? AND p.name = ?`, [
      entityId,
      name,
    ]);
  }

  async findProjectById(id: number): Promise<ProjectRecord | undefined> {
    return this.db.get<ProjectRecord>(`${PROJECT_SELECT} WHERE p.id = ?`, [id]);
  }

  /** Projects are created on first use, as W&B does; two servers creating one get the same row. */
  async getOrCreateProject(entityId: number, name: string, now: number): Promise<ProjectRecord> {
    try {
      await this.db.run(
        "INSERT INTO projects (entity_id, name, created_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE id = id",
        [entityId, name, now],
      );
    } catch (error) {
      throw refuseTooLong(error, "The project name is too long (at most 255 characters)");
    }
    const project = await this.findProject(entityId, name);
    if (!project) throw new Error("project vanished after insert");
    return project;
  }

  async getSetting(key: string): Promise<string | undefined> {
    return (await this.db.get<{ value: string }>("SELECT value FROM settings WHERE `key` = ?", [key]))?.value;
  }

  async getOrInitSetting(key: string, value: string): Promise<string> {
    await this.db.run(
      "INSERT INTO settings (`key`, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE `key` = `key`",
      [key, value],
    );
    return (await this.getSetting(key)) ?? value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db.run(
      "INSERT INTO settings (`key`, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)",
      [key, value],
    );
  }

  async deleteSetting(key: string): Promise<void> {
    await this.db.run("DELETE FROM settings WHERE `key` = ?", [key]);
  }

  async findCredentials(
    username: string,
  ): Promise<{ user: UserRecord; passwordHash: string | null } | undefined> {
    const row = await this.db.get<UserRow & { password_hash: string | null }>(
      `${USER_SELECT.replace("SELECT ", "SELECT u.password_hash, ")} WHERE u.username = ?`,
      [username],
    );
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async anyUserHasPassword(): Promise<boolean> {
    return hasPasswordUser(this.db);
  }

  /** Sets the password and ends the user's sessions, so a reset locks out whoever had the old one. */
  async setPasswordHash(userId: number, passwordHash: string | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run("UPDATE users SET password_hash = ? WHERE id = ?", [passwordHash, userId]);
      await tx.run("DELETE FROM sessions WHERE user_id = ?", [userId]);
    });
  }

  async completeSetup(input: {
    setupTokenSetting: string;
    setupTokenHash: string;
    username: string;
    email: string;
    passwordHash: string;
    now: number;
  }): Promise<{ user: UserRecord } | { refused: "setup-complete" | "token-invalid" }> {
    return this.db.transaction(async (tx) => {
      // The token's row is the lock: a second setup waits here, then finds the token consumed.
      const stored = await tx.get<{ value: string }>(
        "SELECT value FROM settings WHERE `key` = ? FOR UPDATE",
        [input.setupTokenSetting],
      );
      if (await hasPasswordUser(tx)) return { refused: "setup-complete" as const };
      if (stored?.value !== input.setupTokenHash) return { refused: "token-invalid" as const };
      const existing = await tx.get<UserRow>(`${USER_SELECT} WHERE u.username = ?`, [input.username]);
      if (existing && Number(existing.is_admin) !== 1) {
        throw new AppError(
          "ALREADY_EXISTS",
          `The name "${input.username}" is already taken by a user who is not an admin.`,
        );
      }
      const user = existing ? toUser(existing) : await insertUser(tx, { ...input, isAdmin: true });
      await tx.run("UPDATE users SET email = ?, password_hash = ? WHERE id = ?", [
        input.email,
        input.passwordHash,
        user.id,
      ]);
      await tx.run("DELETE FROM settings WHERE `key` = ?", [input.setupTokenSetting]);
      return { user: { ...user, email: input.email } };
    });
  }

  async insertSession(input: {
    idHash: string;
    userId: number;
    csrfToken: string;
    now: number;
    expiresAt: number;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run("DELETE FROM sessions WHERE expires_at <= ?", [input.now]);
      await tx.run(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [input.idHash, input.userId, input.csrfToken, input.now, input.expiresAt],
      );
    });
  }

  async findSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    const row = await this.db.get<UserRow & { csrf_token: string; expires_at: number }>(
      `${USER_SELECT.replace("SELECT ", "SELECT s.csrf_token, s.expires_at, ")}
       JOIN sessions s ON s.user_id = u.id WHERE s.id_hash = ? AND s.expires_at > ?`,
      [idHash, now],
    );
    return row && { user: toUser(row), csrfToken: row.csrf_token, expiresAt: Number(row.expires_at) };
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.run("DELETE FROM sessions WHERE id_hash = ?", [idHash]);
  }

  async listApiKeys(userId: number): Promise<ApiKeyRecord[]> {
    return this.db.all<ApiKeyRecord>(
      `SELECT id, name, key_prefix AS prefix, created_at AS createdAt, last_used_at AS lastUsedAt
       FROM api_keys WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`,
      [userId],
    );
  }

  async revokeApiKey(userId: number, keyId: number, now: number): Promise<boolean> {
    // The pool counts matched rows (CLIENT_FOUND_ROWS): the WHERE clause alone decides the answer.
    const { affectedRows } = await this.db.run(
      "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
      [now, keyId, userId],
    );
    return affectedRows === 1;
  }
}

async function hasPasswordUser(db: Queryable): Promise<boolean> {
  return (await db.get("SELECT 1 AS x FROM users WHERE password_hash IS NOT NULL LIMIT 1")) !== undefined;
}

/** The user, its personal entity and its admin membership, inside the caller's transaction. */
export async function insertUser(
  tx: Queryable,
  input: { username: string; email: string; isAdmin: boolean; now: number },
): Promise<UserRecord> {
  // Service accounts have a username but no entity: both namespaces are checked.
  if (
    await tx.get(
      "SELECT 1 AS x FROM entities WHERE name = ? UNION ALL SELECT 1 FROM users WHERE username = ?",
      [input.username, input.username],
    )
  )
    throw nameTaken(input.username);
  try {
    const entity = await tx.run("INSERT INTO entities (name, kind, created_at) VALUES (?, 'user', ?)", [
      input.username,
      input.now,
    ]);
    const user = await tx.run(
      "INSERT INTO users (username, email, is_admin, default_entity_id, created_at) VALUES (?, ?, ?, ?, ?)",
      [input.username, input.email, input.isAdmin ? 1 : 0, entity.insertId, input.now],
    );
    await tx.run("INSERT INTO entity_members (entity_id, user_id, role) VALUES (?, ?, 'admin')", [
      entity.insertId,
      user.insertId,
    ]);
    const row = await tx.get<UserRow>(`${USER_SELECT} WHERE u.id = ?`, [user.insertId]);
    if (!row) throw new Error("user vanished inside its own transaction");
    return toUser(row);
  } catch (error) {
    if ((error as { errno?: unknown }).errno === DUPLICATE_ENTRY) throw nameTaken(input.username);
    throw refuseTooLong(error, "The user name or email is too long");
  }
}
