/**
 * Teams, their members and service accounts, and the instance admins' users and key policy
 * (server: api/teams.handler.ts and api/users.handler.ts; docs/teams.md).
 */
import { request } from "./client.ts";
import type { ApiKeySummary, CreatedApiKey } from "./types.ts";

export type TeamRole = "admin" | "member" | "viewer";
export const TEAM_ROLES: readonly TeamRole[] = ["admin", "member", "viewer"];
/** Service accounts write or read data; they never manage the team. */
export const SERVICE_ACCOUNT_ROLES: readonly TeamRole[] = ["member", "viewer"];

export interface TeamSummary {
  readonly name: string;
  /** The caller's role; null for an instance admin who is not a member. */
  readonly role: TeamRole | null;
}

export interface TeamMember {
  readonly username: string;
  readonly email: string;
  readonly isAdmin: boolean;
  readonly role: TeamRole;
}

export interface ServiceAccount {
  readonly username: string;
  readonly role: TeamRole;
  readonly createdBy: string | null;
  readonly createdAt: string | null;
}

export interface TeamDetail {
  readonly name: string;
  readonly role: TeamRole | null;
  /** The caller may add and remove members, change roles and manage service accounts. */
  readonly canManage: boolean;
  readonly members: readonly TeamMember[];
  readonly serviceAccounts: readonly ServiceAccount[];
}

/** `POST …/service-accounts`: the account and its first key, shown this once. */
export interface CreatedServiceAccount {
  readonly username: string;
  readonly role: TeamRole;
  readonly key: { readonly id: number; readonly key: string };
}

export interface InstanceUser {
  readonly username: string;
  readonly email: string;
  readonly isAdmin: boolean;
  /** False while deactivated: keys, sessions and sign-ins refused. */
  readonly active: boolean;
  /** The ways this user has signed in besides a password: identity providers such as `oidc`, `ldap`. */
  readonly signIn: readonly string[];
}

export interface InstanceSettings {
  /** Users may create their own API keys (else only instance admins issue them). */
  readonly apiKeySelfService: boolean;
}

const team = (name: string) => `/api/v1/teams/${encodeURIComponent(name)}`;
const account = (teamName: string, username: string) =>
  `${team(teamName)}/service-accounts/${encodeURIComponent(username)}`;
const person = (username: string) => `/api/v1/users/${encodeURIComponent(username)}`;

export const listTeams = () => request<{ teams: TeamSummary[] }>("GET", "/api/v1/teams");

export const createTeam = (name: string, admin: string | null) =>
  request<{ name: string }>("POST", "/api/v1/teams", admin === null ? { name } : { name, admin });

export const getTeam = (name: string) => request<TeamDetail>("GET", team(name));

export const deleteTeam = (name: string) => request<undefined>("DELETE", team(name));

export const addMember = (teamName: string, username: string, role: TeamRole) =>
  request<unknown>("POST", `${team(teamName)}/members`, { username, role });

export const changeRole = (teamName: string, username: string, role: TeamRole) =>
  request<undefined>("PATCH", `${team(teamName)}/members/${encodeURIComponent(username)}`, { role });

export const removeMember = (teamName: string, username: string) =>
  request<undefined>("DELETE", `${team(teamName)}/members/${encodeURIComponent(username)}`);

export const createServiceAccount = (teamName: string, name: string, role: TeamRole) =>
  request<CreatedServiceAccount>("POST", `${team(teamName)}/service-accounts`, { name, role });

export const deleteServiceAccount = (teamName: string, username: string) =>
  request<undefined>("DELETE", account(teamName, username));

export const listServiceAccountKeys = (teamName: string, username: string) =>
  request<{ keys: ApiKeySummary[] }>("GET", `${account(teamName, username)}/api-keys`);

export const createServiceAccountKey = (teamName: string, username: string, name: string) =>
  request<CreatedApiKey>("POST", `${account(teamName, username)}/api-keys`, { name });

export const revokeServiceAccountKey = (teamName: string, username: string, id: number | string) =>
  request<undefined>("DELETE", `${account(teamName, username)}/api-keys/${encodeURIComponent(String(id))}`);

export const listUsers = () => request<{ users: InstanceUser[] }>("GET", "/api/v1/users");

export const setInstanceAdmin = (username: string, isAdmin: boolean) =>
  request<undefined>("PATCH", person(username), { isAdmin });

/** Deactivates (`false`) or reactivates a user. */
export const setUserActive = (username: string, active: boolean) =>
  request<undefined>("PATCH", person(username), { active });

export const listUserApiKeys = (username: string) =>
  request<{ keys: ApiKeySummary[] }>("GET", `${person(username)}/api-keys`);

export const createUserApiKey = (username: string, name: string) =>
  request<CreatedApiKey>("POST", `${person(username)}/api-keys`, { name });

export const revokeUserApiKey = (username: string, id: number | string) =>
  request<undefined>("DELETE", `${person(username)}/api-keys/${encodeURIComponent(String(id))}`);

export const instanceSettings = () => request<InstanceSettings>("GET", "/api/v1/instance-settings");

export const updateInstanceSettings = (settings: InstanceSettings) =>
  request<InstanceSettings>("PUT", "/api/v1/instance-settings", settings);
