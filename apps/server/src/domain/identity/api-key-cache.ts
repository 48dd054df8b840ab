/**
 * API-key look-ups through the cache: the W&B client presents its key with every request, so the
 * key → user look-up is the hottest read there is.
 *
 * Correctness never depends on the cache:
 * - Every entry carries the *generation* current when its look-up began. A revocation or a change
 *   to a user sets a new generation after committing, so every entry filled before it stops
 *   matching at once, on every replica sharing the cache (Redis). The generation is read before
 *   the database, so a look-up racing an invalidation stores an entry that is already stale.
 * - What no invalidation can reach — the in-process caches of other replicas when there is no
 *   Redis, or a generation write lost while Redis was away — is bounded by the entries' TTL,
 *   API_KEY_CACHE_TTL_SECONDS (docs/backends.md, "Cache").
 * - Entries are HMAC-signed with a secret kept in the database, so whoever can write to Redis still
 *   cannot mint a credential: a forged or altered entry is a miss.
 * - Unknown keys are never cached: a new key works with its first request.
 */
import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from "node:crypto";
import { type Cache, cacheKey } from "../../stores/cache/cache.ts";
import type { UserRecord } from "../../stores/records.ts";
import type { IdentityRepository } from "../../stores/repositories.ts";

/** How long a cached look-up may be used: the bound on a revocation another replica did not see. */
export const API_KEY_CACHE_TTL_SECONDS = 30;
const GENERATION_KEY = "apikey-gen";
/** Longer than any entry: if the generation expires, a new random one invalidates everything anyway. */
const GENERATION_TTL_SECONDS = 7 * 24 * 3600;
const SECRET_SETTING = "cache_signing_secret";

export interface KeyOwner {
  readonly user: UserRecord;
  readonly keyId: number;
  readonly lastUsedAt: number | null;
}

/** A look-up's answer and the generation it is valid under (undefined: it cannot be cached). */
export interface LookedUp {
  readonly owner: KeyOwner;
  readonly generation: string | undefined;
}

/** Makes every cached look-up stale, on every replica sharing the cache. Call after committing. */
export async function forgetApiKeyLookups(cache: Cache | undefined): Promise<void> {
  await cache?.set(GENERATION_KEY, randomBytes(12).toString("base64url"), GENERATION_TTL_SECONDS);
}

export class ApiKeyCache {
  private readonly cache: Cache | undefined;
  private readonly identity: IdentityRepository;
  private secret: Promise<KeyObject> | undefined;

  constructor(stores: { readonly cache?: Cache; readonly identity: IdentityRepository }) {
    this.cache = stores.cache;
    this.identity = stores.identity;
  }

  /** The key's owner: from the cache when its entry is current, else from `load` (then cached). */
  async lookup(keyHash: string, load: () => Promise<KeyOwner | undefined>): Promise<LookedUp | undefined> {
    const cache = this.cache;
    if (!cache) {
      const owner = await load();
      return owner && { owner, generation: undefined };
    }
    const entryKey = cacheKey("apikey", keyHash);
    const [entry, stored] = await cache.getMany([entryKey, GENERATION_KEY]);
    let generation = stored?.toString("utf8");
    if (entry && generation !== undefined) {
      const owner = await this.open(entryKey, entry, generation);
      if (owner) return { owner, generation };
    }
    if (generation === undefined) {
      const fresh = randomBytes(12).toString("base64url");
      generation = (await cache.add(GENERATION_KEY, fresh, GENERATION_TTL_SECONDS))
        ? fresh
        : (await cache.get(GENERATION_KEY))?.toString("utf8");
    }
    const owner = await load();
    if (!owner) return undefined;
    if (generation !== undefined) await this.store(entryKey, owner, generation);
    return { owner, generation };
  }

  /** Stores the look-up again after its key's last use was recorded (so the next hit does not record it again). */
  async update(keyHash: string, found: LookedUp): Promise<void> {
    if (this.cache && found.generation !== undefined) {
      await this.store(cacheKey("apikey", keyHash), found.owner, found.generation);
    }
  }

  private async store(entryKey: string, owner: KeyOwner, generation: string): Promise<void> {
    const cache = this.cache;
    if (!cache) return;
    const body = JSON.stringify({ g: generation, k: owner.keyId, l: owner.lastUsedAt, u: owner.user });
    const mac = await this.sign(entryKey, body);
    await cache.set(entryKey, `${mac}.${body}`, API_KEY_CACHE_TTL_SECONDS);
  }

  /** The owner in a cached entry if it is authentic and of the current generation. */
  private async open(entryKey: string, entry: Buffer, generation: string): Promise<KeyOwner | undefined> {
    const text = entry.toString("utf8");
    const dot = text.indexOf(".");
    if (dot < 0) return undefined;
    const body = text.slice(dot + 1);
    const given = Buffer.from(text.slice(0, dot), "base64url");
    const expected = Buffer.from(await this.sign(entryKey, body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let parsed: { g?: unknown; k?: unknown; l?: unknown; u?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return undefined;
    }
    if (parsed.g !== generation || typeof parsed.k !== "number") return undefined;
    if (parsed.l !== null && typeof parsed.l !== "number") return undefined;
    const user = parsed.u as UserRecord | null | undefined;
    if (typeof user?.id !== "number" || typeof user.username !== "string") return undefined;
    return { user, keyId: parsed.k, lastUsedAt: parsed.l };
  }

  /** HMAC-SHA256 over the entry's key and body, so an entry is valid only under its own key. */
  private async sign(entryKey: string, body: string): Promise<string> {
    this.secret ??= this.identity
      .getOrInitSetting(SECRET_SETTING, randomBytes(32).toString("hex"))
      // A KeyObject, not the bytes: HMAC with a prepared key is several times faster per call.
      .then((hex) => createSecretKey(Buffer.from(hex, "hex")))
      .catch((error: unknown) => {
        this.secret = undefined;
        throw error;
      });
    const secret = await this.secret;
    return createHmac("sha256", secret).update(`${entryKey}\n${body}`, "utf8").digest("base64url");
  }
}
