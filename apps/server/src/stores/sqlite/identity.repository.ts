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
import type { SqliteDatabase } from "./database.ts";

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
    id: row.id,
    username: row.username,
    email: row.email,
    isAdmin: row.is_admin === 1,
    accountType: Number(row.is_service) === 1 ? "service" : "user",
    deactivated: Number(row.is_deactivated) === 1,
    defaultEntityId: row.default_entity_id,
    defaultEntityName: row.entity_name,
    createdAt: row.created_at,
  };
}

/** Users, their entities, API keys and projects. */
export class SqliteIdentityRepository implements IdentityRepository {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async countUsers(): Promise<number> {
    return this.db.get<{ n: number }>("SELECT count(*) AS n FROM users")?.n ?? 0;
  }

  /** Creates the user, its personal entity (named like the user) and admin membership of it. */
  async createUser(input: {
    username: string;
    email: string;
    isAdmin: boolean;
    now: number;
  }): Promise<UserRecord> {
    return this.db.transaction(() => insertUser(this.db, input));
  }

  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const row = this.db.get<UserRow>(`${USER_SELECT} WHERE u.username = ?`, [username]);
    return row && toUser(row);
  }

  async insertApiKey(input: {
    userId: number;
    keyHash: string;
    keyPrefix: string;
    name: string;
    now: number;
  }): Promise<number> {
    return this.db.run(
      "INSERT INTO api_keys (user_id, key_hash, key_prefix, name, created_at) VALUES (?, ?, ?, ?, ?)",
      [input.userId, input.keyHash, input.keyPrefix, input.name, input.now],
    ).lastInsertRowid;
  }

  /** The user owning an unrevoked key with this hash. */
  async findUserByApiKeyHash(
    keyHash: string,
  ): Promise<{ user: UserRecord; keyId: number; lastUsedAt: number | null } | undefined> {
    const row = this.db.get<UserRow & { key_id: number; last_used_at: number | null }>(
      `${USER_SELECT} JOIN api_keys k ON k.user_id = u.id WHERE k.key_hash = ? AND k.revoked_at IS NULL`.replace(
        "SELECT ",
        "SELECT k.id AS key_id, k.last_used_at, ",
      ),
      [keyHash],
    );
    return row && { user: toUser(row), keyId: row.key_id, lastUsedAt: row.last_used_at };
  }

  async touchApiKey(keyId: number, now: number): Promise<void> {
    this.db.run("UPDATE api_keys SET last_used_at = ? WHERE id = ?", [now, keyId]);
  }

  async findEntityByName(name: string): Promise<EntityRecord | undefined> {
    return this.db.get<EntityRecord>("SELECT id, name, kind FROM entities WHERE name = ?", [name]);
  }

  async findEntityById(id: number): Promise<EntityRecord | undefined> {
    return this.db.get<EntityRecord>("SELECT id, name, kind FROM entities WHERE id = ?", [id]);
  }

  async memberRole(entityId: number, userId: number): Promise<MemberRole | undefined> {
    return this.db.get<{ role: MemberRole }>(
      "SELECT role FROM entity_members WHERE entity_id = ? AND user_id = ?",
      [entityId, userId],
    )?.role;
  }

  async entitiesOfUser(userId: number): Promise<EntityRecord[]> {
    return this.db.all<EntityRecord>(
      `SELECT e.id, e.name, e.kind FROM entities e JOIN entity_members m ON m.entity_id = e.id
       WHERE m.user_id = ? ORDER BY e.kind = 'user' DESC, e.name`,
      [userId],
    );
  }

  async findProject(entityId: number, name: string): Promise<ProjectRecord | undefined> {
    return this.db.get<ProjectRecord>(
      `SELECT p.id, p.entity_id AS entityId, e.name AS entityName, p.name, p.created_at AS createdAt
       FROM projects p JOIN entities e ON e.id = p.entity_id WHERE p.entity_id = ? AND p.name = ?`,
      [entityId, name],
    );
  }

  async findProjectById(id: number): Promise<ProjectRecord | undefined> {
    return this.db.get<ProjectRecord>(
      `SELECT p.id, p.entity_id AS entityId, e.name AS entityName, p.name, p.created_at AS createdAt
       FROM projects p JOIN entities e ON e.id = p.entity_id WHERE p.id = ?`,
      [id],
    );
  }

  /** Projects are created on first use, as W&B does. */
  async getOrCreateProject(entityId: number, name: string, now: number): Promise<ProjectRecord> {
    this.db.run(
      "INSERT INTO projects (entity_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
      [entityId, name, now],
    );
    const project = await this.findProject(entityId, name);
    if (!project) throw new Error("project vanished after insert");
    return project;
  }

  async getSetting(key: string): Promise<string | undefined> {
    return this.db.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", [key])?.value;
  }

  /** Stores `value` unless the key already has one; returns whichever value is stored. */
  async getOrInitSetting(key: string, value: string): Promise<string> {
    this.db.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", [key, value]);
    return (await this.getSetting(key)) ?? value;
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.db.run(
      "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
      [key, value],
    );
  }

  async deleteSetting(key: string): Promise<void> {
    this.db.run("DELETE FROM settings WHERE key = ?", [key]);
  }

  async findCredentials(
    username: string,
  ): Promise<{ user: UserRecord; passwordHash: string | null } | undefined> {
    const row = this.db.get<UserRow & { password_hash: string | null }>(
      `${USER_SELECT} WHERE u.username = ?`.replace("SELECT ", "SELECT u.password_hash, "),
      [username],
    );
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async anyUserHasPassword(): Promise<boolean> {
    return this.hasPasswordUser();
  }

  private hasPasswordUser(): boolean {
    return this.db.get("SELECT 1 AS x FROM users WHERE password_hash IS NOT NULL LIMIT 1") !== undefined;
  }

  /** Sets the password and ends the user's sessions, so a reset locks out whoever had the old one. */
  async setPasswordHash(userId: number, passwordHash: string | null): Promise<void> {
    this.db.transaction(() => {
      this.db.run("UPDATE users SET password_hash = ? WHERE id = ?", [passwordHash, userId]);
      this.db.run("DELETE FROM sessions WHERE user_id = ?", [userId]);
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
    return this.db.transaction(() => {
      if (this.hasPasswordUser()) return { refused: "setup-complete" as const };
      const stored = this.db.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", [
        input.setupTokenSetting,
      ]);
      if (stored?.value !== input.setupTokenHash) return { refused: "token-invalid" as const };
      const existing = this.db.get<UserRow>(`${USER_SELECT} WHERE u.username = ?`, [input.username]);
      if (existing && existing.is_admin !== 1) {
        throw new AppError(
          "ALREADY_EXISTS",
          `The name "${input.username}" is already taken by a user who is not an admin.`,
        );
      }
      const user = existing ? toUser(existing) : insertUser(this.db, { ...input, isAdmin: true });
      this.db.run("UPDATE users SET email = ?, password_hash = ? WHERE id = ?", [
        input.email,
        input.passwordHash,
        user.id,
      ]);
      this.db.run("DELETE FROM settings WHERE key = ?", [input.setupTokenSetting]);
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
    this.db.transaction(() => {
      this.db.run("DELETE FROM sessions WHERE expires_at <= ?", [input.now]);
      this.db.run(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [input.idHash, input.userId, input.csrfToken, input.now, input.expiresAt],
      );
    });
  }

  async findSession(idHash: string, now: number): Promise<SessionRecord | undefined> {
    const row = this.db.get<UserRow & { csrf_token: string; expires_at: number }>(
      `${USER_SELECT} JOIN sessions s ON s.user_id = u.id WHERE s.id_hash = ? AND s.expires_at > ?`.replace(
        "SELECT ",
        "SELECT s.csrf_token, s.expires_at, ",
      ),
      [idHash, now],
    );
    return row && { user: toUser(row), csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.run("DELETE FROM sessions WHERE id_hash = ?", [idHash]);
  }

  async listApiKeys(userId: number): Promise<ApiKeyRecord[]> {
    return this.db.all<ApiKeyRecord>(
      `SELECT id, name, key_prefix AS prefix, created_at AS createdAt, last_used_at AS lastUsedAt
       FROM api_keys WHERE user_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`,
      [userId],
    );
  }

  async revokeApiKey(userId: number, keyId: number, now: number): Promise<boolean> {
    return (
      this.db.run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL", [
        now,
        keyId,
        userId,
      ]).changes === 1
    );
  }
}

/** The user, its personal entity and its admin membership, inside the caller's transaction. */
export function insertUser(
  db: SqliteDatabase,
  input: { username: string; email: string; isAdmin: boolean; now: number },
): UserRecord {
  // Service accounts have a username but no entity: both namespaces are checked.
  if (
    db.get("SELECT 1 AS x FROM entities WHERE name = ? UNION ALL SELECT 1 FROM users WHERE username = ?", [
      input.username,
      input.username,
    ])
  ) {
    throw new AppError("ALREADY_EXISTS", `The name "${input.username}" is already taken by a user or team.`);
  }
  const entityId = db.run("INSERT INTO entities (name, kind, created_at) VALUES (?, 'user', ?)", [
    input.username,
    input.now,
  ]).lastInsertRowid;
  const userId = db.run(
    "INSERT INTO users (username, email, is_admin, default_entity_id, created_at) VALUES (?, ?, ?, ?, ?)",
    [input.username, input.email, input.isAdmin ? 1 : 0, entityId, input.now],
  ).lastInsertRowid;
  db.run("INSERT INTO entity_members (entity_id, user_id, role) VALUES (?, ?, 'admin')", [entityId, userId]);
  const row = db.get<UserRow>(`${USER_SELECT} WHERE u.id = ?`, [userId]);
  if (!row) throw new Error("user vanished inside its own transaction");
  return toUser(row);
}
