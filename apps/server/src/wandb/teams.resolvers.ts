/**
 * The teams area (schema/teams.graphql): what `wandb.Api()` sends to create and read teams, add
 * members and make service accounts. The rules are TeamService's (docs/teams.md); W&B's shapes stay
 * here. Where W&B shows a service account's key in `members { apiKey }`, Ballast answers null: keys
 * are stored hashed and shown only when made (in the web UI or `POST …/service-accounts`).
 */
import { AppError } from "@ballast/core";
import type { EntityRecord, MemberRole, UserRecord } from "../stores/records.ts";
import { globalId, parseGlobalId } from "./ids.ts";
import { type GraphqlContext, presentEntity, presentUser } from "./presenters.ts";
import type { ResolverArea } from "./schema.ts";

type Args = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

function actor(ctx: GraphqlContext) {
  return { user: ctx.user, address: ctx.address };
}

function presentMember(user: UserRecord, role: MemberRole) {
  return {
    id: globalId("User", user.id),
    admin: role === "admin",
    pending: false,
    email: user.accountType === "service" ? null : user.email,
    username: user.username,
    name: user.username,
    photoUrl: null,
    accountType: user.accountType === "service" ? "SERVICE" : "USER",
    apiKey: null,
    role,
  };
}

/** A service account's name from W&B's free-text description: `<team>-<slug>`, made valid. */
export function serviceAccountName(team: string, description: string): string {
  const slug = description
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `${team}-${slug || "service"}`.slice(0, 63).replace(/-+$/, "");
}

const entityTypes = {
  isTeam: (parent: { _entity: EntityRecord }) => parent._entity.kind === "team",
  entityType: (parent: { _entity: EntityRecord }) => (parent._entity.kind === "team" ? "TEAM" : "USER"),
  available: () => false,
  photoUrl: () => null,
  readOnly: () => false,
  readOnlyAdmin: () => false,
  privateOnly: () => false,
  storageBytes: () => 0,
  codeSavingEnabled: () => true,
  defaultAccess: () => "MEMBER",
  isPaid: () => false,
  limits: () => "{}",
  members: async (parent: { _entity: EntityRecord }, _args: Args, ctx: GraphqlContext) => {
    const entity = parent._entity;
    await ctx.services.access.assert(ctx.user, entity, "read");
    // People, then a team's service accounts (a user's personal entity has none).
    const members = await ctx.services.stores.teams.listMembers(entity.id);
    const accounts =
      entity.kind === "team" ? await ctx.services.stores.teams.listServiceAccounts(entity.id) : [];
    return [
      ...members.map((m) => presentMember(m.user, m.role)),
      ...accounts.map((s) => presentMember(s.user, s.role)),
    ];
  },
};

const mutationResolvers = {
  createTeam: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Args;
    const team = await ctx.services.teams.create(actor(ctx), {
      name: String(input.teamName ?? ""),
      adminUsername: str(input.teamAdminUserName) ?? undefined,
    });
    return { entity: presentEntity(team), clientMutationId: str(input.clientMutationId) };
  },
  /**
   * W&B invites by username or email. A user who exists (by username, or the one person with that
   * email) joins at once, as admin with `admin: true`, else member. An email nobody has gets an
   * invitation by mail (docs/auth.md "Invitations"), as in W&B.
   */
  createInvite: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Args;
    const teamName = String(input.entityName ?? "");
    const role: MemberRole = input.admin === true ? "admin" : "member";
    const username = str(input.username);
    const email = str(input.email);
    let user: UserRecord | undefined;
    if (username) {
      user = await ctx.services.identity.userByUsername(username);
    } else if (email) {
      await ctx.services.teams.assertCanManage(ctx.user, teamName);
      const found = await ctx.services.stores.teams.findUsersByEmail(email);
      if (found.length > 1) {
        throw new AppError("INVALID_ARGUMENT", `Several users have the email ${email}; invite by username.`);
      }
      user = found[0];
      if (!user) {
        const sent = await ctx.services.invitations.invite(actor(ctx), { email, team: teamName, role });
        return {
          invite: {
            id: globalId("Invite", sent.invitation.id),
            name: null,
            email,
            createdAt: new Date(sent.invitation.createdAt).toISOString(),
            toUser: null,
          },
          success: true,
          clientMutationId: str(input.clientMutationId),
        };
      }
    }
    if (!user) throw new AppError("INVALID_ARGUMENT", "Give username or email.");
    await ctx.services.teams.addMember(actor(ctx), teamName, user.username, role);
    return {
      invite: {
        id: globalId("User", user.id),
        name: user.username,
        email: user.email,
        createdAt: new Date().toISOString(),
        toUser: presentUser(user, ctx),
      },
      success: true,
      clientMutationId: str(input.clientMutationId),
    };
  },
  /** Removes a member (W&B's Member.delete); `id` is the member's User id. */
  deleteInvite: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Args;
    const teamName = String(input.entityName ?? "");
    const user = await ctx.services.stores.teams.findUserById(parseGlobalId("User", input.id));
    if (!user) throw new AppError("NOT_FOUND", "No such member.");
    if (user.accountType === "service") {
      await ctx.services.teams.deleteServiceAccount(actor(ctx), teamName, user.username);
    } else {
      await ctx.services.teams.removeMember(actor(ctx), teamName, user.username);
    }
    return { success: true, clientMutationId: str(input.clientMutationId) };
  },
  createServiceAccount: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Args;
    const teamName = String(input.entityName ?? "");
    const base = serviceAccountName(teamName, String(input.description ?? ""));
    for (let attempt = 1; ; attempt++) {
      const name = attempt === 1 ? base : `${base.slice(0, 58)}-${attempt}`;
      try {
        const created = await ctx.services.teams.createServiceAccount(actor(ctx), teamName, {
          name,
          role: "member",
        });
        return { user: presentUser(created.account, ctx), clientMutationId: str(input.clientMutationId) };
      } catch (error) {
        if (!(error instanceof AppError && error.code === "ALREADY_EXISTS") || attempt >= 20) throw error;
      }
    }
  },
};

export const teamsArea: ResolverArea = { mutation: mutationResolvers, types: { Entity: entityTypes } };
