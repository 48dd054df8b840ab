import { AppError, apiKeyDisplayPrefix, isWellFormedApiKey } from "@ballast/core";
import type { UserRecord } from "../../stores/records.ts";
import type { Stores } from "../services.ts";
import { generateApiKey, hashApiKey } from "./api-key.ts";

const USERNAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** last_used_at is written at most this often per key, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

export class IdentityService {
  private readonly stores: Stores;

  constructor(stores: Stores) {
    this.stores = stores;
  }

  async createUser(input: { username: string; email: string; isAdmin: boolean }): Promise<UserRecord> {
    const problems: string[] = [];
    if (!USERNAME.test(input.username)) {
      problems.push("username must be 1–63 characters of a-z, 0-9, _ and -, starting with a letter or digit");
    }
    if (!EMAIL.test(input.email)) problems.push("email must look like name@example.com");
    if (problems.length > 0) throw new AppError("INVALID_ARGUMENT", problems.join("; "));
    return this.stores.identity.createUser({ ...input, now: Date.now() });
  }

  /** Creates a key for the user and returns it; only its hash is stored, so this is the one time it is seen. */
  async createApiKey(userId: number, name = ""): Promise<string> {
    const key = generateApiKey();
    await this.stores.identity.insertApiKey({
      userId,
      keyHash: hashApiKey(key),
      keyPrefix: apiKeyDisplayPrefix(key),
      name,
      now: Date.now(),
    });
    return key;
  }

  async userByUsername(username: string): Promise<UserRecord> {
    const user = await this.stores.identity.findUserByUsername(username);
    if (!user) throw new AppError("NOT_FOUND", `No user named "${username}".`);
    return user;
  }

  /** The user a presented key belongs to, or undefined for an unknown, revoked or malformed key. */
  async authenticate(key: string): Promise<UserRecord | undefined> {
    if (!isWellFormedApiKey(key)) return undefined;
    const found = await this.stores.identity.findUserByApiKeyHash(hashApiKey(key));
    if (!found) return undefined;
    const now = Date.now();
    if (found.lastUsedAt === null || now - found.lastUsedAt > TOUCH_INTERVAL_MS) {
      await this.stores.identity.touchApiKey(found.keyId, now);
    }
    return found.user;
  }
}
