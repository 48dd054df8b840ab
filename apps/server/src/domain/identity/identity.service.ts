import { AppError, apiKeyDisplayPrefix, isWellFormedApiKey } from "@ballast/core";
import type { ApiKeyRecord, UserRecord } from "../../stores/records.ts";
import type { Stores } from "../services.ts";
import { generateApiKey, hashApiKey } from "./api-key.ts";
import { ApiKeyCache, forgetApiKeyLookups } from "./api-key-cache.ts";

const USERNAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** last_used_at is written at most this often per key, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

/** Throws INVALID_ARGUMENT listing every rule a new user's name or email breaks. */
export function checkUserFields(input: { username: string; email: string }): void {
  const problems: string[] = [];
  if (!USERNAME.test(input.username)) {
    problems.push("username must be 1–63 characters of a-z, 0-9, _ and -, starting with a letter or digit");
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
    if (!found) return undefined;
    const { owner } = found;
    const now = Date.now();
    if (owner.lastUsedAt === null || now - owner.lastUsedAt > TOUCH_INTERVAL_MS) {
      await this.stores.identity.touchApiKey(owner.keyId, now);
      await this.keys.update(keyHash, { ...found, owner: { ...owner, lastUsedAt: now } });
    }
    return owner.user;
  }
}
