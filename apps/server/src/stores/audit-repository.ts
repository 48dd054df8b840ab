/**
 * The audit log's store: append-only (no update or delete), read newest first for the admin page and
 * oldest first for the export to the bucket. Times are Unix milliseconds. The domain's types
 * (domain/audit/audit-event.ts) narrow `action` to the known actions when recording; what is read
 * back is kept as stored.
 */

export type AuditDetailRecord = Readonly<Record<string, string | number | boolean | null>>;

/** An entry to store; absent fields are stored as NULL. */
export interface NewAuditRecord {
  readonly at: number;
  readonly action: string;
  readonly actor: { readonly id: number; readonly username: string } | null;
  readonly entity?: string;
  readonly target?: string;
  readonly detail?: AuditDetailRecord;
  readonly address?: string;
}

/** A stored entry: `id` grows with every entry. */
export interface AuditRecord extends NewAuditRecord {
  readonly id: number;
}

export interface AuditQuery {
  readonly action?: string;
  /** The actor's username at the time of the action. */
  readonly actor?: string;
  readonly entity?: string;
  /** Entries at or after this time (ms). */
  readonly since?: number;
  /** Entries before this time (ms). */
  readonly until?: number;
  /** Entries with a smaller id than this (the page cursor). */
  readonly beforeId?: number;
  readonly limit: number;
}

export interface AuditRepository {
  /** Stores the entry durably (committed when the promise resolves) and returns it with its id. */
  append(entry: NewAuditRecord): Promise<AuditRecord>;
  /** Entries matching `query`, newest (highest id) first. */
  list(query: AuditQuery): Promise<AuditRecord[]>;
  /** Up to `limit` entries with an id above `afterId`, oldest first (the export). */
  after(afterId: number, limit: number): Promise<AuditRecord[]>;
  /**
   * Sets the settings row `key` to `value` if it holds `expected` (undefined: if there is no row).
   * Returns whether it did: the export's cursor and lease are compare-and-set, so two replicas never
   * both advance the cursor from the same value.
   */
  compareAndSetSetting(key: string, expected: string | undefined, value: string): Promise<boolean>;
}

/** The table's row, as both engines return it. */
export interface AuditRow {
  readonly id: number | string;
  readonly at: number | string;
  readonly action: string;
  readonly actor_id: number | string | null;
  readonly actor_username: string | null;
  readonly entity: string | null;
  readonly target: string | null;
  readonly detail: string | null;
  readonly address: string | null;
}

export const AUDIT_COLUMNS = "id, at, action, actor_id, actor_username, entity, target, detail, address";

export function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: Number(row.id),
    at: Number(row.at),
    action: row.action,
    actor:
      row.actor_id === null || row.actor_username === null
        ? null
        : { id: Number(row.actor_id), username: row.actor_username },
    ...(row.entity === null ? {} : { entity: row.entity }),
    ...(row.target === null ? {} : { target: row.target }),
    ...(row.detail === null ? {} : { detail: JSON.parse(row.detail) as AuditDetailRecord }),
    ...(row.address === null ? {} : { address: row.address }),
  };
}

/** The row's values in AUDIT_COLUMNS order, without the id. */
export function auditValues(entry: NewAuditRecord): (string | number | null)[] {
  return [
    entry.at,
    entry.action,
    entry.actor?.id ?? null,
    entry.actor?.username ?? null,
    entry.entity ?? null,
    entry.target ?? null,
    entry.detail === undefined ? null : JSON.stringify(entry.detail),
    entry.address ?? null,
  ];
}

/** The WHERE clause (both engines' syntax) and its parameters for a query. */
export function auditFilter(query: AuditQuery): { where: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const add = (clause: string, value: string | number | undefined) => {
    if (value === undefined) return;
    clauses.push(clause);
    params.push(value);
  };
  add("action = ?", query.action);
  add("actor_username = ?", query.actor);
  add("entity = ?", query.entity);
  add("at >= ?", query.since);
  add("at < ?", query.until);
  add("id < ?", query.beforeId);
  return { where: clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`, params };
}
