/**
 * The cache in Redis (REDIS=redis://…; ElastiCache, the chart's bitnami Redis). It fails open: an
 * error or a command without an answer within `commandTimeoutMs` is a miss (a skipped write), never
 * an error to the caller. After `breakerFailures` failures in a row a circuit breaker opens and
 * Redis is not asked at all for `breakerOpenMs`; then one command probes it, and the first success
 * closes the breaker. So a dead or hung Redis costs requests nothing but the database reads the
 * cache would have saved. The client reconnects by itself; a connection that stops answering
 * without closing (a hung server, a dropped network path) is replaced when the breaker opens.
 *
 * Keys are namespaced `ballast:v1:` so Ballast can share a Redis and a change of value formats can
 * move to `v2` without flushing. The password is never logged: messages name `redis://host:port`.
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { ClientOfflineError, createClient, RESP_TYPES } from "redis";
import { type ReadinessCheck, ReadinessError, readinessFailure } from "../readiness.ts";
import { type Cache, type CacheStats, type CacheValue, MAX_VALUE_BYTES, ttlOf } from "./cache.ts";
import { describeRedis, type RedisSettings, RedisSettingsError } from "./cache-settings.ts";

export const NAMESPACE = "ballast:v1:";

export interface RedisCacheOptions {
  readonly settings: RedisSettings;
  /** Per command; a same-zone Redis answers in about a millisecond. */
  readonly commandTimeoutMs?: number;
  /** Failures in a row that open the breaker. */
  readonly breakerFailures?: number;
  /** How long an open breaker keeps Redis out of the request path. */
  readonly breakerOpenMs?: number;
  /** How long `open` waits for the first connection before starting without it. */
  readonly startTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

class CommandTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "CommandTimeout";
  }
}

const TLS_VERIFY_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function makeClient(settings: RedisSettings, ca: Buffer | undefined) {
  const common = {
    host: settings.host,
    port: settings.port,
    connectTimeout: 1_000,
    // Back off to one attempt every 2 s, with jitter so replicas do not reconnect in step.
    reconnectStrategy: (retries: number) =>
      Math.min(50 * 2 ** retries, 2_000) + Math.floor(Math.random() * 100),
  };
  return createClient({
    socket: settings.tls
      ? {
          ...common,
          tls: true,
          ...(ca ? { ca } : {}),
          ...(isIP(settings.host) ? {} : { servername: settings.host }),
        }
      : common,
    ...(settings.username !== undefined ? { username: settings.username } : {}),
    ...(settings.password !== undefined ? { password: settings.password } : {}),
    database: settings.database,
    // While disconnected, commands fail at once (a miss) instead of queueing for the reconnection.
    disableOfflineQueue: true,
    // Commands a hung server never answers pile up here until the breaker replaces the connection.
    commandsQueueMaxLength: 2_000,
  });
}

type Client = ReturnType<typeof makeClient>;

function binary(client: Client) {
  return client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };
const FAILED: Outcome<never> = { ok: false };

export class RedisCache implements Cache {
  readonly kind = "redis";
  private readonly settings: RedisSettings;
  private readonly ca: Buffer | undefined;
  private readonly timeoutMs: number;
  private readonly breakerFailures: number;
  private readonly breakerOpenMs: number;
  private readonly log: (line: string) => void;
  private readonly where: string;
  private client: Client;
  private bytes: ReturnType<typeof binary>;
  private closed = false;
  /** 0: closed (Redis is asked). Otherwise open until then, half-open (one probe) after. */
  private openUntil = 0;
  private probing = false;
  private failuresInARow = 0;
  /** The connection's latest error, to say why commands fail while it is offline. */
  private lastConnectionError: unknown;
  private counts = { hits: 0, misses: 0, errors: 0, skipped: 0 };

  /**
   * Connects, waiting up to `startTimeoutMs`. Throws RedisSettingsError when Redis refuses the
   * settings (password, TLS); an unreachable Redis only delays its use (Ballast starts without it).
   */
  static async open(options: RedisCacheOptions): Promise<RedisCache> {
    const { settings } = options;
    let ca: Buffer | undefined;
    if (settings.caCertPath !== undefined) {
      try {
        ca = await readFile(settings.caCertPath);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
        throw new RedisSettingsError([
          `REDIS's caCertPath ${settings.caCertPath} cannot be read (${code}); mount the CA certificate there (the chart's global.redis.caCert) or fix the path`,
        ]);
      }
    }
    const cache = new RedisCache(options, ca);
    const first = await cache.firstConnection(options.startTimeoutMs ?? 2_000);
    if (first.fatal !== undefined) {
      cache.close();
      throw new RedisSettingsError([first.fatal]);
    }
    if (!first.ready) {
      cache.log(
        `cache: ${cache.where} does not answer yet (${first.cause}); starting without it, reads go to the database until it does`,
      );
    }
    return cache;
  }

  private constructor(options: RedisCacheOptions, ca: Buffer | undefined) {
    this.settings = options.settings;
    this.ca = ca;
    this.timeoutMs = options.commandTimeoutMs ?? 100;
    this.breakerFailures = options.breakerFailures ?? 3;
    this.breakerOpenMs = options.breakerOpenMs ?? 2_000;
    this.log = options.log ?? ((line) => console.error(line));
    this.where = describeRedis(this.settings);
    this.client = this.connect();
    this.bytes = binary(this.client);
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.getMany([key]))[0];
  }

  async getMany(keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    if (keys.length === 0) return [];
    const outcome = await this.attempt((c) => c.mGet(keys.map((k) => NAMESPACE + k)));
    const values = outcome.ok
      ? outcome.value.map((v) => (Buffer.isBuffer(v) ? v : undefined))
      : keys.map(() => undefined);
    for (const value of values) {
      if (value) this.counts.hits++;
      else this.counts.misses++;
    }
    return values;
  }

  async set(key: string, value: CacheValue, ttlSeconds: number): Promise<void> {
    // Too big to keep: the key must not go on holding its previous value either.
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) return this.delete(key);
    const ttl = ttlOf(ttlSeconds, this.settings.maxTtlSeconds);
    await this.attempt((c) => c.set(NAMESPACE + key, value, { EX: ttl }));
  }

  async add(key: string, value: CacheValue, ttlSeconds: number): Promise<boolean> {
    if (Buffer.byteLength(value) > MAX_VALUE_BYTES) return false;
    const ttl = ttlOf(ttlSeconds, this.settings.maxTtlSeconds);
    const outcome = await this.attempt((c) => c.set(NAMESPACE + key, value, { EX: ttl, NX: true }));
    return outcome.ok && outcome.value === "OK";
  }

  async delete(key: string): Promise<void> {
    await this.attempt((c) => c.del(NAMESPACE + key));
  }

  /** `cache` on /readyz: reported, never required (Ballast serves from the database without it). */
  readiness(): ReadinessCheck {
    return {
      name: "cache",
      required: false,
      check: async (signal) => {
        if (!this.client.isReady) {
          throw new ReadinessError("cache: Redis is not connected (reconnecting); reads go to the database");
        }
        const aborted = new Promise<never>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(new CommandTimeout(0)), { once: true });
        });
        const ping = this.client.ping();
        ping.catch(() => {});
        try {
          await Promise.race([ping, aborted]);
        } catch (error) {
          throw readinessFailure("cache: Redis did not answer PING; reads go to the database", error);
        }
      },
    };
  }

  stats(): CacheStats {
    return { ...this.counts, breakerOpen: this.openUntil > 0, bytes: undefined };
  }

  close(): void {
    this.closed = true;
    this.client.destroy();
  }

  /** Runs one command through the breaker and the timeout; never rejects. */
  private async attempt<T>(command: (client: ReturnType<typeof binary>) => Promise<T>): Promise<Outcome<T>> {
    if (this.closed) return FAILED;
    const probe = this.openUntil > 0;
    if (probe && (Date.now() < this.openUntil || this.probing)) {
      this.counts.skipped++;
      return FAILED;
    }
    if (probe) this.probing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      const pending = command(this.bytes);
      // Answered after our timeout (or failed by a replaced connection): nobody is waiting any more.
      pending.catch(() => {});
      const value = await Promise.race([
        pending,
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new CommandTimeout(this.timeoutMs)), this.timeoutMs);
        }),
      ]);
      this.succeeded();
      return { ok: true, value };
    } catch (error) {
      this.failed(error, probe);
      return FAILED;
    } finally {
      clearTimeout(timer);
      if (probe) this.probing = false;
    }
  }

  private succeeded(): void {
    this.failuresInARow = 0;
    if (this.openUntil > 0) {
      this.openUntil = 0;
      this.log(`cache: ${this.where} answers again; using the cache`);
    }
  }

  private failed(error: unknown, probe: boolean): void {
    this.counts.errors++;
    this.failuresInARow++;
    if (!probe && this.failuresInARow < this.breakerFailures) return;
    const wasClosed = this.openUntil === 0;
    this.openUntil = Date.now() + this.breakerOpenMs;
    if (wasClosed) {
      this.log(
        `cache: ${this.where} failed ${this.failuresInARow} times in a row (last: ${this.describe(error)}); reads go to the database, trying again every ${this.breakerOpenMs} ms`,
      );
    }
    // Connected but silent (a hung server or a dead network path the socket has not noticed):
    // a fresh connection is the only way to stop waiting on the old one.
    if (error instanceof CommandTimeout && this.client.isReady) this.replaceConnection();
  }

  private replaceConnection(): void {
    const old = this.client;
    this.client = this.connect();
    this.bytes = binary(this.client);
    old.destroy();
  }

  private connect(): Client {
    const client = makeClient(this.settings, this.ca);
    // Without a listener an `error` event would end the process; failures are seen by commands.
    client.on("error", (error: unknown) => {
      this.lastConnectionError = error;
    });
    client.connect().catch(() => {});
    return client;
  }

  /** Waits for the first connection: ready, refused for good (fatal), or still trying at the deadline. */
  private firstConnection(ms: number): Promise<{ ready: boolean; fatal?: string; cause?: string }> {
    const client = this.client;
    return new Promise((resolve) => {
      let cause = "no answer";
      const done = (outcome: { ready: boolean; fatal?: string; cause?: string }) => {
        clearTimeout(timer);
        client.off("ready", onReady);
        client.off("error", onError);
        resolve(outcome);
      };
      const onReady = () => done({ ready: true });
      const onError = (error: unknown) => {
        cause = this.describe(error);
        const fatal = this.fatalProblem(error);
        if (fatal !== undefined) done({ ready: false, fatal });
      };
      const timer = setTimeout(() => done({ ready: false, cause }), ms);
      if (client.isReady) done({ ready: true });
      client.on("ready", onReady);
      client.on("error", onError);
    });
  }

  /** A problem with its fix when `error` means the settings are wrong, not that Redis is away. */
  private fatalProblem(error: unknown): string | undefined {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown } | null)?.code;
    if (/^(WRONGPASS|NOAUTH|NOPERM)\b|^ERR (AUTH|invalid password|Client sent AUTH)/.test(message)) {
      return `REDIS's user or password was refused by ${this.where} (${this.redact(message.split(/[ .]/)[0] ?? "")}); put the password the Redis server expects in REDIS (redis://:password@host:port), URL-encoded where it has reserved characters`;
    }
    if (/^ERR .*(DB index|invalid DB)/i.test(message)) {
      return `REDIS names database ${this.settings.database}, which ${this.where} does not have; use /0`;
    }
    if (typeof code === "string" && TLS_VERIFY_CODES.has(code)) {
      return `REDIS's TLS certificate from ${this.where} could not be verified (${code}); set caCertPath to the CA that signed it (the chart's global.redis.caCert) or use the host name the certificate names`;
    }
    if (code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number/i.test(message)) {
      return `REDIS asks for TLS but ${this.where} does not speak TLS on that port; remove tls=true or use the server's TLS port`;
    }
    return undefined;
  }

  /** For logs: the error's code or message, with the password taken out should a driver ever echo it. */
  private describe(error: unknown): string {
    if (error instanceof CommandTimeout) return error.message;
    if (error instanceof ClientOfflineError && this.lastConnectionError) {
      return `not connected: ${this.describe(this.lastConnectionError)}`;
    }
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    return this.redact(typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message);
  }

  private redact(text: string): string {
    const { password } = this.settings;
    return password ? text.split(password).join("***") : text;
  }
}
