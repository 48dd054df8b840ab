/** The audit log page's JSON API calls (docs/auth.md, "Audit log"). */
import { request } from "./client.ts";

export interface AuditEntry {
  readonly id: number;
  /** ISO 8601. */
  readonly at: string;
  readonly action: string;
  readonly actor: { readonly id: number; readonly username: string } | null;
  readonly entity: string | null;
  readonly target: string | null;
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
  readonly address: string | null;
}

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  readonly nextCursor: string | null;
  /** Every action the server records (for the filter's suggestions). */
  readonly actions: readonly string[];
}

export interface AuditFilter {
  readonly action?: string;
  readonly actor?: string;
}

export function listAuditLog(filter: AuditFilter, cursor: string | null): Promise<AuditPage> {
  const query = new URLSearchParams();
  if (filter.action) query.set("action", filter.action);
  if (filter.actor) query.set("actor", filter.actor);
  if (cursor !== null) query.set("cursor", cursor);
  const text = query.toString();
  return request<AuditPage>("GET", `/api/v1/audit-log${text === "" ? "" : `?${text}`}`);
}
