import { AppError, isAppError } from "@ballast/core";
import type { AuditRepository } from "../../stores/audit-repository.ts";
import type { AuditEntry, AuditEvent } from "./audit-event.ts";

export const DEFAULT_AUDIT_PAGE = 100;
export const MAX_AUDIT_PAGE = 1000;

/** Filters of the audit log page; times in ms, `cursor` as answered by the previous page. */
export interface AuditListQuery {
  readonly action?: string;
  readonly actor?: string;
  readonly entity?: string;
  readonly since?: number;
  readonly until?: number;
  readonly cursor?: string;
  readonly limit?: number;
}

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Longest stored texts: a forged X-Forwarded-For or a long path cannot bloat the log. */
const LIMITS = { entity: 255, target: 1024, address: 64, detailText: 1024 } as const;

/**
 * The audit log: records security-relevant actions (who, what, on which entity, from where) and
 * reads them back for instance admins. Recording is awaited by the action it describes and fails
 * it (5xx) when the log cannot be written: a security action must not go unaudited.
 */
export class AuditService {
  private readonly repository: AuditRepository;
  private readonly now: () => number;

  constructor(repository: AuditRepository, now: () => number = Date.now) {
    this.repository = repository;
    this.now = now;
  }

  async record(event: AuditEvent): Promise<AuditEntry> {
    try {
      return await this.repository.append({
        at: this.now(),
        action: event.action,
        actor: event.actor && { id: event.actor.id, username: event.actor.username },
        ...(event.entity === undefined ? {} : { entity: event.entity.slice(0, LIMITS.entity) }),
        ...(event.target === undefined ? {} : { target: event.target.slice(0, LIMITS.target) }),
        ...(event.detail === undefined ? {} : { detail: clipDetail(event.detail) }),
        ...(event.address === undefined ? {} : { address: event.address.slice(0, LIMITS.address) }),
      });
    } catch (error) {
      if (isAppError(error) && error.transient) throw error;
      console.error("audit log write failed:", error);
      throw new AppError(
        "UNAVAILABLE",
        "The audit log cannot be written right now, so the action was not confirmed; retry shortly.",
      );
    }
  }

  async list(query: AuditListQuery): Promise<AuditPage> {
    const limit = query.limit ?? DEFAULT_AUDIT_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `limit must be a whole number from 1 to ${MAX_AUDIT_PAGE} (got ${limit}).`,
      );
    }
    let beforeId: number | undefined;
    if (query.cursor !== undefined) {
      beforeId = Number(query.cursor);
      if (!/^\d+$/.test(query.cursor) || !Number.isSafeInteger(beforeId)) {
        throw new AppError("INVALID_ARGUMENT", "cursor must be the nextCursor of a previous page.");
      }
    }
    const rows = await this.repository.list({
      ...(query.action === undefined ? {} : { action: query.action }),
      ...(query.actor === undefined ? {} : { actor: query.actor }),
      ...(query.entity === undefined ? {} : { entity: query.entity }),
      ...(query.since === undefined ? {} : { since: query.since }),
      ...(query.until === undefined ? {} : { until: query.until }),
      ...(beforeId === undefined ? {} : { beforeId }),
      limit: limit + 1,
    });
    const entries = rows.slice(0, limit);
    const last = entries.at(-1);
    return { entries, nextCursor: rows.length > limit && last ? String(last.id) : null };
  }
}

function clipDetail(detail: AuditEvent["detail"] & object): Record<string, string | number | boolean | null> {
  const clipped: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(detail)) {
    clipped[key] = typeof value === "string" ? value.slice(0, LIMITS.detailText) : value;
  }
  return clipped;
}
