import { AppError, apiKeyDisplayPrefix, isWellFormedApiKey } from "@ballast/core";
import type { ApiKeyRecord, UserRecord } from "../../stores/records.ts";
import type { Stores } from "../services.ts";
import { generateApiKey, hashApiKey } from "./api-key.ts";
import { ApiKeyCache, forgetApiKeyLookups } from "./api-key-cache.ts";

const USERNAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
/**
 * Names a user or team cannot take: the first segments of the web app's own pages and the server's
 * routes, which would shadow (or be shadowed by) `/<entity>/<project>` URLs.
 */
const RESERVED_NAMES = new Set([
  "api",
  "artifacts",
  "assets",
  "console",
  "files",
  "graphql",
  "healthz",
  "invite",
  "metrics",
  "oidc",
  "readyz",
  "reset-password",
  "sdk",
  "settings",
  "storage",
  "system-admin",
  "teams",
]);
/** last_used_at is written at most this often per key, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;
/** The settings row that turns self-service key creation off (`false`); absent or `true`: on. */
export const API_KEY_SELF_SERVICE_SETTING = "api_key_self_service";
/** Provider and subject of a sign-in identity are stored in 255-character columns. */
const MAX_IDENTITY_LENGTH = 255;

/** Throws INVALID_ARGUMENT listing every rule a new user's name or email breaks. */
export function checkUserFields(input: { username: string; email: string }): void {
  const problems: string[] = [];
  if (!USERNAME.test(input.username)) {
    problems.push("username must be 1–63 characters of a-z, 0-9, _ and -, starting with a letter or digit");
  }
  if (RESERVED_NAMES.has(input.username)) {
    problems.push(`"${input.username}" is reserved (a path of the web app or the API); pick another name`);
  }
  if (!EMAIL.test(input.email)) problems.push("email must look like name@example.com");
  if (problems.length > 0) throw new AppError("INVALID_ARGUMENT", problems.join("; "));
}

export class IdentityService {
  private readonly stores: Stores;
  private readonly keys: ApiKeyCache;

  constructor(stores: Stores) {
    this.stores = stores;
    this.keys = new ApiKeyCache(stores);
  }

  async createUser(input: { username: string; email: string; isAdmin: boolean }): Promise<UserRecord> {
    checkUserFields(input);
    return this.stores.identity.createUser({ ...input, now: Date.now() });
  }

  /** Creates a key for the user and returns it; only its hash is stored, so this is the one time it is seen. */
  async createApiKey(userId: number, name = ""): Promise<string> {
    return (await this.issueApiKey(userId, name)).key;
  }

  /** As createApiKey, with the new key's id (the web UI lists and revokes keys by id). */
  async issueApiKey(userId: number, name: string): Promise<{ id: number; key: string }> {
    const key = generateApiKey();
    const id = await this.stores.identity.insertApiKey({
      userId,
      keyHash: hashApiKey(key),
      keyPrefix: apiKeyDisplayPrefix(key),
      name,
      now: Date.now(),
    });
    return { id, key };
  }

  /** Whether people may create their own keys (admins can turn it off: docs/teams.md). */
  async apiKeySelfService(): Promise<boolean> {
    return (await this.stores.identity.getSetting(API_KEY_SELF_SERVICE_SETTING)) !== "false";
  }

  async setApiKeySelfService(enabled: boolean): Promise<void> {
    await this.stores.identity.setSetting(API_KEY_SELF_SERVICE_SETTING, enabled ? "true" : "false");
  }

  /**
   * Whether `user` may make keys for itself: never a service account (their team's admins manage
   * their keys); while self-service is off, only instance admins.
   */
  async mayIssueOwnApiKey(user: UserRecord): Promise<boolean> {
    if (user.accountType === "service") return false;
    return user.isAdmin || (await this.apiKeySelfService());
  }

  /** A key the signed-in user makes for itself, when mayIssueOwnApiKey allows it. */
  async issueOwnApiKey(user: UserRecord, name: string): Promise<{ id: number; key: string }> {
    if (!(await this.mayIssueOwnApiKey(user))) {
      throw new AppError(
        "PERMISSION_DENIED",
        user.accountType === "service"
          ? "A service account's keys are managed by its team's admins (Teams → service accounts)."
          : "An admin has turned off creating your own API keys on this server; ask an admin for a key.",
      );
    }
    return this.issueApiKey(user.id, name);
  }

  /**
   * The user a sign-in identity (OIDC `sub`, LDAP DN) belongs to, created at its first sign-in:
   * named after `username` or the email's local part, made valid and unique (`ada`, `ada-2`, …).
   */
  async provisionExternalUser(input: {
    provider: string;
    subject: string;
    email: string;
    username?: string;
  }): Promise<UserRecord> {
    if (input.provider.length > MAX_IDENTITY_LENGTH || input.subject.length > MAX_IDENTITY_LENGTH) {
      throw new AppError(
        "INVALID_ARGUMENT",
        "The identity provider's user id is longer than 255 characters.",
      );
    }
    const known = await this.stores.teams.findUserByIdentity(input.provider, input.subject);
    if (known) return known;
    if (!EMAIL.test(input.email)) {
      throw new AppError(
        "INVALID_ARGUMENT",
        "The identity provider gave no valid email address for this user.",
      );
    }
    const base = usernameFrom(input.username, input.email);
    for (let attempt = 1; attempt <= 50; attempt++) {
      const username = attempt === 1 ? base : `${base.slice(0, 56)}-${attempt}`;
      if (RESERVED_NAMES.has(username) || (await this.stores.identity.findEntityByName(username))) continue;
      if (await this.stores.identity.findUserByUsername(username)) continue;
      try {
        return await this.stores.teams.createUserWithIdentity({ ...input, username, now: Date.now() });
      } catch (error) {
        // Another sign-in of the same identity (or a name taken meanwhile): look again.
        if (!(error instanceof AppError && error.code === "ALREADY_EXISTS")) throw error;
        const raced = await this.stores.teams.findUserByIdentity(input.provider, input.subject);
        if (raced) return raced;
      }
    }
    throw new AppError("ALREADY_EXISTS", `No free user name near "${base}"; create the user by hand.`);
  }

  /** The user's unrevoked keys (prefix only: the keys themselves are not stored). */
  async listApiKeys(userId: number): Promise<ApiKeyRecord[]> {
    return this.stores.identity.listApiKeys(userId);
  }

  /** Revokes one of the user's own keys; it stops authenticating with the next request. */
  async revokeApiKey(userId: number, keyId: number): Promise<void> {
    if (!(await this.stores.identity.revokeApiKey(userId, keyId, Date.now()))) {
      throw new AppError("NOT_FOUND", `You have no API key with id ${keyId}.`);
    }
    await forgetApiKeyLookups(this.stores.cache);
  }

  /** Drops cached key look-ups (after keys were revoked in bulk, e.g. a deleted service account). */
  async forgetKeyLookups(): Promise<void> {
    await forgetApiKeyLookups(this.stores.cache);
  }

  async userByUsername(username: string): Promise<UserRecord> {
    const user = await this.stores.identity.findUserByUsername(username);
    if (!user) throw new AppError("NOT_FOUND", `No user named "${username}".`);
    return user;
  }

  /** The user a presented key belongs to, or undefined for an unknown, revoked or malformed key. */
  async authenticate(key: string): Promise<UserRecord | undefined> {
    if (!isWellFormedApiKey(key)) return undefined;
    const keyHash = hashApiKey(key);
    const found = await this.keys.lookup(keyHash, () => this.stores.identity.findUserByApiKeyHash(keyHash));
    // A deactivated user's keys stop working; reactivation brings them back.
    if (!found || found.owner.user.deactivated) return undefined;
    const { owner } = found;
    const now = Date.now();
    if (owner.lastUsedAt === null || now - owner.lastUsedAt > TOUCH_INTERVAL_MS) {
      await this.stores.identity.touchApiKey(owner.keyId, now);
      await this.keys.update(keyHash, { ...found, owner: { ...owner, lastUsedAt: now } });
    }
    return owner.user;
  }
}

/** A valid username from what a provider says: lower case, [a-z0-9_-], 1–63 characters. */
export function usernameFrom(preferred: string | undefined, email: string): string {
  const raw = (preferred?.trim() || email.split("@")[0] || "user").toLowerCase();
  const cleaned = raw
    .normalize("NFKD")
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|-+$/g, "")
    .slice(0, 63);
  return USERNAME.test(cleaned) ? cleaned : "user";
}
