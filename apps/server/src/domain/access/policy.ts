import type { MemberRole, UserRecord } from "../../stores/records.ts";

/**
 * Who may do what in an entity (a user's personal entity or a team). Read it as a table: the role
 * the caller holds in the entity that owns the data → the actions allowed there (docs/teams.md).
 *
 *   read    see projects, runs, history, files, artifacts; download through signed URLs
 *   write   create and change runs, log, upload files and artifacts, delete runs and artifacts
 *   manage  add and remove members, change roles, service accounts and their keys, invitations
 */
export type Action = "read" | "write" | "manage";

const BY_ROLE: Record<MemberRole, readonly Action[]> = {
  admin: ["read", "write", "manage"],
  member: ["read", "write"],
  viewer: ["read"],
};

/**
 * Instance admins where they hold no role: read everything and manage every team, but never write
 * (an admin's key must not silently write into someone's project).
 */
const INSTANCE_ADMIN: readonly Action[] = ["read", "manage"];

/** Service accounts act on data through keys; people manage teams, so `manage` is never theirs. */
const SERVICE_ACCOUNT_NEVER: readonly Action[] = ["manage"];

export function allows(
  user: Pick<UserRecord, "isAdmin" | "accountType">,
  role: MemberRole | undefined,
  action: Action,
): boolean {
  if (user.accountType === "service" && SERVICE_ACCOUNT_NEVER.includes(action)) return false;
  if (role !== undefined && BY_ROLE[role].includes(action)) return true;
  return user.isAdmin && INSTANCE_ADMIN.includes(action);
}
