/** One function per JSON API call the web UI makes. */
import { request } from "./client.ts";
import type {
  ApiKeySummary,
  ConsoleView,
  CreatedApiKey,
  InvitationPreview,
  ProjectSummary,
  SessionState,
  SignedIn,
  StorageSettingsInput,
  SystemOverview,
} from "./types.ts";

export const getSession = () => request<SessionState>("GET", "/api/v1/session");

export const signIn = (username: string, password: string) =>
  request<SignedIn>("POST", "/api/v1/session", { username, password });

export const signOut = () => request<undefined>("DELETE", "/api/v1/session");

export const completeSetup = (input: { token: string; username: string; email: string; password: string }) =>
  request<SignedIn>("POST", "/api/v1/setup", input);

/** The caller's keys, and whether it may create more (self-service keys can be turned off). */
export const listApiKeys = () =>
  request<{ keys: ApiKeySummary[]; canCreate: boolean }>("GET", "/api/v1/api-keys");

export const createApiKey = (name: string) => request<CreatedApiKey>("POST", "/api/v1/api-keys", { name });

export const revokeApiKey = (id: number | string) =>
  request<undefined>("DELETE", `/api/v1/api-keys/${encodeURIComponent(String(id))}`);

export const systemOverview = () => request<SystemOverview>("GET", "/api/v1/system-admin");

export const updateStorage = (input: StorageSettingsInput) =>
  request<SystemOverview>("PUT", "/api/v1/system-admin/storage", input);

export const listProjects = () => request<{ projects: ProjectSummary[] }>("GET", "/api/v1/projects");

export const consoleView = () => request<ConsoleView>("GET", "/api/v1/console");

export const updateConsoleValues = (values: unknown) =>
  request<ConsoleView>("PUT", "/api/v1/console/user-values", { values });

export const consoleLogin = (password: string) =>
  request<{ ok: true }>("POST", "/api/v1/console/login", { password });

export const previewInvitation = (token: string) =>
  request<InvitationPreview>("GET", `/api/v1/invitations/by-token/${encodeURIComponent(token)}`);

/** With a username and password: a new account, signed in. Without: the signed-in user joins. */
export const acceptInvitation = (token: string, account?: { username: string; password: string }) =>
  request<SignedIn>(
    "POST",
    `/api/v1/invitations/by-token/${encodeURIComponent(token)}/accept`,
    account ?? {},
  );

export const requestPasswordReset = (email: string) =>
  request<{ message: string }>("POST", "/api/v1/password-reset", { email });

export const completePasswordReset = (token: string, password: string) =>
  request<{ username: string }>("POST", `/api/v1/password-reset/${encodeURIComponent(token)}`, { password });
