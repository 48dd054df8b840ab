/**
 * Teams (docs/teams.md): creating them, their members and roles, and their service accounts with
 * the accounts' API keys. Who may do each thing is the policy table's `manage` (domain/access/
 * policy.ts): the team's admins and instance admins. Every change is audited before it is answered.
 */
import { AppError } from "@ballast/core";
import {
  type ApiKeyRecord,
  type EntityRecord,
  MEMBER_ROLES,
  type MemberRecord,
  type MemberRole,
  type ServiceAccountRecord,
  type UserRecord,
} from "../../stores/records.ts";
import type { AccessService } from "../access/access.service.ts";
import type { AuditService } from "../audit/audit.service.ts";
import type { AuditEvent } from "../audit/audit-event.ts";
import { checkUserFields, type IdentityService } from "../identity/identity.service.ts";
import type { Stores } from "../services.ts";

/** Who acts, and from where (for the audit log). */
export interface Actor {
  readonly user: UserRecord;
  readonly address?: string | undefined;
}

export interface TeamSummary {
  readonly team: EntityRecord;
  /** The caller's role; undefined for an instance admin who is not a member. */
  readonly role: MemberRole | undefined;
}

export interface TeamDetail extends TeamSummary {
  readonly members: MemberRecord[];
  readonly serviceAccounts: ServiceAccountRecord[];
  readonly canManage: boolean;
}

/** Service accounts get an address that can never receive mail (RFC 2606 `.invalid`). */
const SERVICE_ACCOUNT_EMAIL_DOMAIN = "service-account.invalid";

export function parseRole(value: unknown): MemberRole {
  if (typeof value === "string" && (MEMBER_ROLES as readonly string[]).includes(value))
    return value as MemberRole;
  throw new AppError("INVALID_ARGUMENT", `role must be one of ${MEMBER_ROLES.join(", ")}.`);
}

export class TeamService {
  private readonly stores: Stores;
  private readonly access: AccessService;
  private readonly identity: IdentityService;
  private readonly audit: AuditService;

  constructor(stores: Stores, access: AccessService, identity: IdentityService, audit: AuditService) {
    this.stores = stores;
    this.access = access;
    this.identity = identity;
    this.audit = audit;
  }

  /**
   * Instance admins create teams; the team's first admin is `adminUsername` (default: the caller,
   * who must then be a person).
   */
  async create(
    actor: Actor,
    input: { name: string; adminUsername?: string | undefined },
  ): Promise<EntityRecord> {
    if (!actor.user.isAdmin) {
      throw new AppError("PERMISSION_DENIED", "Only instance admins create teams.");
    }
    checkUserFields({ username: input.name, email: "team@example.com" });
    const admin = input.adminUsername ? await this.identity.userByUsername(input.adminUsername) : actor.user;
    if (admin.accountType === "service") {
      throw new AppError("INVALID_ARGUMENT", "A team's first admin must be a person, not a service account.");
    }
    const team = await this.stores.teams.createTeam({
      name: input.name,
      adminUserId: admin.id,
      now: Date.now(),
    });
    await this.record(actor, "team.created", team, admin.username, { admin: admin.username });
    return team;
  }

  /** The caller's teams; instance admins see every team. */
  async list(user: UserRecord): Promise<TeamSummary[]> {
    const mine = (await this.stores.identity.entitiesOfUser(user.id)).filter((e) => e.kind === "team");
    const roles = new Map<number, MemberRole | undefined>();
    for (const team of mine) roles.set(team.id, await this.stores.identity.memberRole(team.id, user.id));
    const teams = user.isAdmin ? await this.stores.teams.listTeams() : mine;
    return teams.map((team) => ({ team, role: roles.get(team.id) }));
  }

  /** A team with its members and service accounts, for anyone who may read the team's data. */
  async get(user: UserRecord, name: string): Promise<TeamDetail> {
    const team = await this.team(name);
    await this.access.assert(user, team, "read");
    const role = await this.stores.identity.memberRole(team.id, user.id);
    return {
      team,
      role,
      members: await this.stores.teams.listMembers(team.id),
      serviceAccounts: await this.stores.teams.listServiceAccounts(team.id),
      canManage: await this.access.permits(user, team, "manage"),
    };
  }

  async delete(actor: Actor, name: string): Promise<void> {
    const team = await this.assertCanManage(actor.user, name);
    if (!(await this.stores.teams.deleteTeam(team.id))) {
      throw new AppError(
        "FAILED_PRECONDITION",
        `Team "${name}" has projects or service accounts; only an empty team can be deleted.`,
      );
    }
    await this.record(actor, "team.deleted", team, name);
  }

  async addMember(actor: Actor, teamName: string, username: string, role: MemberRole): Promise<void> {
    const team = await this.assertCanManage(actor.user, teamName);
    const user = await this.identity.userByUsername(username);
    if (user.accountType === "service") {
      throw new AppError(
        "INVALID_ARGUMENT",
        `"${username}" is a service account; create one in the team instead.`,
      );
    }
    if (await this.stores.identity.memberRole(team.id, user.id)) {
      throw new AppError(
        "ALREADY_EXISTS",
        `"${username}" is already a member of "${teamName}"; change the role instead.`,
      );
    }
    await this.stores.teams.setMemberRole(team.id, user.id, role);
    await this.record(actor, "team.member_added", team, username, { role });
  }

  async changeRole(actor: Actor, teamName: string, username: string, role: MemberRole): Promise<void> {
    const team = await this.assertCanManage(actor.user, teamName);
    const user = await this.identity.userByUsername(username);
    const previous = await this.stores.identity.memberRole(team.id, user.id);
    if (!(await this.stores.teams.changeRole(team.id, user.id, role))) throw notMember(username, teamName);
    await this.record(actor, "team.role_changed", team, username, { from: previous ?? null, to: role });
  }

  /** Admins remove anyone; every member may leave on their own. */
  async removeMember(actor: Actor, teamName: string, username: string): Promise<void> {
    const team = await this.team(teamName);
    const user = await this.identity.userByUsername(username);
    if (user.id !== actor.user.id) await this.access.assert(actor.user, team, "manage");
    if (user.accountType === "service") {
      throw new AppError("INVALID_ARGUMENT", `"${username}" is a service account; delete it instead.`);
    }
    if (!(await this.stores.teams.removeMember(team.id, user.id))) throw notMember(username, teamName);
    await this.record(actor, "team.member_removed", team, username);
  }

  /** Creates the account and its first key, which is shown this once. */
  async createServiceAccount(
    actor: Actor,
    teamName: string,
    input: { name: string; role: MemberRole },
  ): Promise<{ account: UserRecord; key: { id: number; key: string } }> {
    const team = await this.assertCanManage(actor.user, teamName);
    if (input.role === "admin") {
      throw new AppError("INVALID_ARGUMENT", "A service account's role is member or viewer.");
    }
    checkUserFields({ username: input.name, email: `${input.name}@${SERVICE_ACCOUNT_EMAIL_DOMAIN}` });
    const account = await this.stores.teams.createServiceAccount({
      entityId: team.id,
      username: input.name,
      email: `${input.name}@${SERVICE_ACCOUNT_EMAIL_DOMAIN}`,
      role: input.role,
      createdBy: actor.user.id,
      now: Date.now(),
    });
    await this.record(actor, "service_account.created", team, account.username, { role: input.role });
    const key = await this.issueKey(actor, team, account, "default");
    return { account, key };
  }

  async deleteServiceAccount(actor: Actor, teamName: string, username: string): Promise<void> {
    const { team, account } = await this.serviceAccount(actor.user, teamName, username);
    if (!(await this.stores.teams.deleteServiceAccount(team.id, account.id, Date.now()))) {
      throw new AppError("NOT_FOUND", `Team "${teamName}" has no service account "${username}".`);
    }
    await this.identity.forgetKeyLookups();
    await this.record(actor, "service_account.deleted", team, username);
  }

  async serviceAccountKeys(user: UserRecord, teamName: string, username: string): Promise<ApiKeyRecord[]> {
    const { account } = await this.serviceAccount(user, teamName, username);
    return this.identity.listApiKeys(account.id);
  }

  async createServiceAccountKey(
    actor: Actor,
    teamName: string,
    username: string,
    name: string,
  ): Promise<{ id: number; key: string }> {
    const { team, account } = await this.serviceAccount(actor.user, teamName, username);
    return this.issueKey(actor, team, account, name);
  }

  async revokeServiceAccountKey(
    actor: Actor,
    teamName: string,
    username: string,
    keyId: number,
  ): Promise<void> {
    const { team, account } = await this.serviceAccount(actor.user, teamName, username);
    await this.identity.revokeApiKey(account.id, keyId);
    await this.record(actor, "api_key.revoked", team, account.username, { keyId });
  }

  /** Adds the user with the role, or sets its role; no permission check (an invitation is the authority). */
  async join(entityId: number, userId: number, role: MemberRole): Promise<void> {
    await this.stores.teams.setMemberRole(entityId, userId, role);
  }

  /** The team, if the user may manage it (its admin, or an instance admin). */
  async assertCanManage(user: UserRecord, teamName: string): Promise<EntityRecord> {
    const team = await this.team(teamName);
    await this.access.assert(user, team, "manage");
    return team;
  }

  private async team(name: string): Promise<EntityRecord> {
    const team = await this.stores.identity.findEntityByName(name);
    if (team?.kind !== "team") throw new AppError("ENTITY_NOT_FOUND", `Team "${name}" does not exist.`);
    return team;
  }

  private async serviceAccount(
    user: UserRecord,
    teamName: string,
    username: string,
  ): Promise<{ team: EntityRecord; account: UserRecord }> {
    const team = await this.assertCanManage(user, teamName);
    const listed = await this.stores.teams.listServiceAccounts(team.id);
    const account = listed.find((s) => s.user.username === username)?.user;
    if (!account) throw new AppError("NOT_FOUND", `Team "${teamName}" has no service account "${username}".`);
    return { team, account };
  }

  private async issueKey(
    actor: Actor,
    team: EntityRecord,
    account: UserRecord,
    name: string,
  ): Promise<{ id: number; key: string }> {
    const created = await this.identity.issueApiKey(account.id, name);
    await this.record(actor, "api_key.created", team, account.username, { keyId: created.id, name });
    return created;
  }

  private async record(
    actor: Actor,
    action: AuditEvent["action"],
    team: EntityRecord,
    target: string,
    detail?: AuditEvent["detail"],
  ): Promise<void> {
    await this.audit.record({
      action,
      actor: { id: actor.user.id, username: actor.user.username },
      entity: team.name,
      target,
      ...(detail === undefined ? {} : { detail }),
      ...(actor.address === undefined ? {} : { address: actor.address }),
    });
  }
}

function notMember(username: string, team: string): AppError {
  return new AppError("NOT_FOUND", `"${username}" is not a member of "${team}".`);
}
