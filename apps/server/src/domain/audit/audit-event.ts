import type { AuditRecord } from "../../stores/audit-repository.ts";

/** Every security-relevant action Ballast records in the audit log. */
export type AuditAction =
  | "user.sign_in"
  | "user.sign_in_failed"
  | "user.sign_out"
  | "user.created"
  | "user.admin_changed"
  | "user.deactivated"
  | "user.reactivated"
  | "user.password_changed"
  | "api_key.created"
  | "api_key.revoked"
  | "team.created"
  | "team.deleted"
  | "team.member_added"
  | "team.member_removed"
  | "team.role_changed"
  | "service_account.created"
  | "service_account.deleted"
  | "invitation.created"
  | "invitation.accepted"
  | "invitation.revoked"
  | "password_reset.requested"
  | "password_reset.completed"
  | "run.deleted"
  | "artifact.deleted"
  | "settings.changed";

export const auditActions: readonly AuditAction[] = [
  "user.sign_in",
  "user.sign_in_failed",
  "user.sign_out",
  "user.created",
  "user.admin_changed",
  "user.deactivated",
  "user.reactivated",
  "user.password_changed",
  "api_key.created",
  "api_key.revoked",
  "team.created",
  "team.deleted",
  "team.member_added",
  "team.member_removed",
  "team.role_changed",
  "service_account.created",
  "service_account.deleted",
  "invitation.created",
  "invitation.accepted",
  "invitation.revoked",
  "password_reset.requested",
  "password_reset.completed",
  "run.deleted",
  "artifact.deleted",
  "settings.changed",
];

export interface AuditActor {
  readonly id: number;
  readonly username: string;
}

/** Detail values are flat scalars: never secrets (no keys, passwords or tokens). */
export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

/** What a caller records: who did what, to which entity/target, from which address. */
export interface AuditEvent {
  readonly action: AuditAction;
  readonly actor: AuditActor | null;
  readonly entity?: string;
  readonly target?: string;
  readonly detail?: AuditDetail;
  readonly address?: string;
}

/**
 * A recorded event: `id` grows with every entry, `at` is milliseconds since the epoch. Its action is
 * kept as stored (a string: entries outlive the list of actions of the version that reads them).
 */
export type AuditEntry = AuditRecord;

export function isAuditAction(value: string): value is AuditAction {
  return (auditActions as readonly string[]).includes(value);
}

/** The actor of an event: a user's id and name as they are now (the log keeps the name it was). */
export function actorOf(user: { readonly id: number; readonly username: string }): AuditActor {
  return { id: user.id, username: user.username };
}
