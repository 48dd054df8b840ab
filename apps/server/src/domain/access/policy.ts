import type { MemberRole } from "../../stores/records.ts";

/**
 * Who may do what to an entity's data. Read it as a table: the role a user holds in the entity
 * that owns the data → the actions allowed. Instance admins may read everything but write only
 * where they are members (an admin's key must not silently write into someone's project).
 */
export type Action = "read" | "write";

const ALLOWED: Record<MemberRole, readonly Action[]> = {
  admin: ["read", "write"],
  member: ["read", "write"],
  viewer: ["read"],
};

export function allows(role: MemberRole | undefined, action: Action, isInstanceAdmin: boolean): boolean {
  if (role !== undefined && ALLOWED[role].includes(action)) return true;
  return action === "read" && isInstanceAdmin;
}
