import {
  AUDIT_COLUMNS,
  type AuditQuery,
  type AuditRecord,
  type AuditRepository,
  type AuditRow,
  auditFilter,
  auditValues,
  type NewAuditRecord,
  toAuditRecord,
} from "../audit-repository.ts";
import type { SqliteDatabase } from "./database.ts";

/** The audit log in the embedded SQLite store (migration 0014_audit_log.sql). */
export class SqliteAuditRepository implements AuditRepository {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async append(entry: NewAuditRecord): Promise<AuditRecord> {
    const { lastInsertRowid } = this.db.run(
      "INSERT INTO audit_log (at, action, actor_id, actor_username, entity, target, detail, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      auditValues(entry),
    );
    return { ...entry, id: lastInsertRowid };
  }

  async list(query: AuditQuery): Promise<AuditRecord[]> {
    const { where, params } = auditFilter(query);
    return this.db
      .all<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log ${where} ORDER BY id DESC LIMIT ?`, [
        ...params,
        query.limit,
      ])
      .map(toAuditRecord);
  }

  async after(afterId: number, limit: number): Promise<AuditRecord[]> {
    return this.db
      .all<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`, [
        afterId,
        limit,
      ])
      .map(toAuditRecord);
  }

  async compareAndSetSetting(key: string, expected: string | undefined, value: string): Promise<boolean> {
    const { changes } =
      expected === undefined
        ? this.db.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING", [key, value])
        : this.db.run("UPDATE settings SET value = ? WHERE key = ? AND value = ?", [value, key, expected]);
    return changes === 1;
  }
}
