import type { AuditEntry } from "./audit-event.ts";

/** An entry as the API answers it and the export writes it: the time in ISO 8601 (UTC). */
export interface AuditEntryJson {
  readonly id: number;
  readonly at: string;
  readonly action: string;
  readonly actor: { readonly id: number; readonly username: string } | null;
  readonly entity: string | null;
  readonly target: string | null;
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
  readonly address: string | null;
}

export function auditEntryJson(entry: AuditEntry): AuditEntryJson {
  return {
    id: entry.id,
    at: new Date(entry.at).toISOString(),
    action: entry.action,
    actor: entry.actor,
    entity: entry.entity ?? null,
    target: entry.target ?? null,
    detail: entry.detail ?? {},
    address: entry.address ?? null,
  };
}
