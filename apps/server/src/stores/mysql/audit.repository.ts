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
import type { MysqlDatabase } from "./database.ts";

/** The audit log on MySQL (migration 0008_audit_log.sql). */
export class MysqlAuditRepository implements AuditRepository {
  private readonly db: MysqlDatabase;

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  async append(entry: NewAuditRecord): Promise<AuditRecord> {
    const { insertId } = await this.db.run(
      "INSERT INTO audit_log (at, action, actor_id, actor_username, entity, target, detail, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      auditValues(entry),
    );
    return { ...entry, id: Number(insertId) };
  }

  async list(query: AuditQuery): Promise<AuditRecord[]> {
    const { where, params } = auditFilter(query);
    const rows = await this.db.all<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log ${where} ORDER BY id DESC LIMIT ?`,
      [...params, query.limit],
    );
    return rows.map(toAuditRecord);
  }

  async after(afterId: number, limit: number): Promise<AuditRecord[]> {
    const rows = await this.db.all<AuditRow>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`,
      [afterId, limit],
    );
    return rows.map(toAuditRecord);
  }

  async compareAndSetSetting(key: string, expected: string | undefined, value: string): Promise<boolean> {
    // mysql2 connects with CLIENT_FOUND_ROWS: an UPDATE that matches reports 1 even when the value
    // is unchanged, and a duplicate that INSERT IGNORE skips reports 0.
    const { affectedRows } =
      expected === undefined
        ? await this.db.run("INSERT IGNORE INTO settings (`key`, value) VALUES (?, ?)", [key, value])
        : await this.db.run("UPDATE settings SET value = ? WHERE `key` = ? AND value = ?", [
            value,
            key,
            expected,
          ]);
    return affectedRows === 1;
  }
}
