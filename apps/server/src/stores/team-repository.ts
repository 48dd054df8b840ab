/**
 * Teams, their members and service accounts, the instance's user list and sign-in identities
 * (docs/teams.md). Each method is one atomic unit of work; implementations in sqlite/ and mysql/,
 * one contract suite (team.contract.ts) for both.
 */
import type { EntityRecord, MemberRecord, MemberRole, ServiceAccountRecord, UserRecord } from "./records.ts";

export interface TeamRepository {
  /** Creates the team entity and makes `adminUserId` its admin; ALREADY_EXISTS when the name is taken. */
  createTeam(input: { name: string; adminUserId: number; now: number }): Promise<EntityRecord>;
  /** Every team, by name. */
  listTeams(): Promise<EntityRecord[]>;
  /** Deletes a team with no projects and no service accounts; false when it has either. */
  deleteTeam(entityId: number): Promise<boolean>;
  /** The team's members who are people (not service accounts), by username. */
  listMembers(entityId: number): Promise<MemberRecord[]>;
  /** Adds the user to the entity with the role, or changes the role it has. */
  setMemberRole(entityId: number, userId: number, role: MemberRole): Promise<void>;
  /**
   * Removes the membership; false when there was none. Refused with LAST_ADMIN (nothing changed)
   * when it would leave the entity without an admin.
   */
  removeMember(entityId: number, userId: number): Promise<boolean>;
  /** Changes a role; LAST_ADMIN when it would demote the entity's only admin; false when no membership. */
  changeRole(entityId: number, userId: number, role: MemberRole): Promise<boolean>;

  /** A user owned by the team, with no password and no personal entity, and its membership. */
  createServiceAccount(input: {
    entityId: number;
    username: string;
    email: string;
    role: MemberRole;
    createdBy: number;
    now: number;
  }): Promise<UserRecord>;
  /** The team's service accounts that are not deleted, by username. */
  listServiceAccounts(entityId: number): Promise<ServiceAccountRecord[]>;
  /** Revokes every key of the service account and ends its membership; false when none is live. */
  deleteServiceAccount(entityId: number, userId: number, now: number): Promise<boolean>;

  findUserById(id: number): Promise<UserRecord | undefined>;
  /** People (not service accounts) with this email, compared case-insensitively. */
  findUsersByEmail(email: string): Promise<UserRecord[]>;
  /** Every person on the instance, by username. */
  listUsers(): Promise<UserRecord[]>;
  setInstanceAdmin(userId: number, isAdmin: boolean): Promise<void>;
  /**
   * Deactivates (ending every session of the user) or reactivates a user; false when it already
   * was in that state.
   */
  setDeactivated(input: { userId: number; deactivated: boolean; by: number; now: number }): Promise<boolean>;

  /** The user linked to the provider's subject. */
  findUserByIdentity(provider: string, subject: string): Promise<UserRecord | undefined>;
  /**
   * Creates a user (personal entity and admin membership, as createUser) linked to the provider's
   * subject, atomically. ALREADY_EXISTS when the username or the link is taken.
   */
  createUserWithIdentity(input: {
    provider: string;
    subject: string;
    username: string;
    email: string;
    now: number;
  }): Promise<UserRecord>;
  /** The providers a user is linked to (`oidc:<issuer>`, `ldap`). */
  identityProvidersOf(userId: number): Promise<string[]>;
}
