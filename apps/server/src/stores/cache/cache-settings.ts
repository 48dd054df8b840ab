/**
 * The cache's settings: REDIS in the form W&B Server's chart renders it
 * (reference/deployment-spec.md §3.6, `_redis.tpl`):
 *   redis://[[user]:password@]host:port[/db][?tls=true&ttlInSeconds=604800&caCertPath=/etc/ssl/certs/redis_ca.pem]
 * (`rediss://` also means TLS), and BALLAST_CACHE_MB for the in-process cache used without REDIS.
 * Each problem comes with its fix; the password never appears in one.
 */

export interface RedisSettings {
  readonly host: string;
  readonly port: number;
  /** ACL user (Redis 6+); undefined for the default user. */
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly database: number;
  readonly tls: boolean;
  /** A PEM file of the CA that signed the server's certificate (the chart mounts it here). */
  readonly caCertPath: string | undefined;
  /** The chart's `ttlInSeconds`: no entry lives longer (Ballast's own TTLs are shorter anyway). */
  readonly maxTtlSeconds: number | undefined;
}

export interface CacheSettings {
  /** REDIS; undefined means the in-process cache. */
  readonly redis: RedisSettings | undefined;
  /** BALLAST_CACHE_MB: the in-process cache's size; 0 turns it off. */
  readonly memoryMb: number;
}

export type ParsedCache =
  | { readonly value: CacheSettings; readonly problems?: never }
  | { readonly value?: never; readonly problems: string[] };

/** Settings Redis refuses (a wrong password, an unverifiable certificate): fixing them needs a person. */
export class RedisSettingsError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join("; "));
    this.name = "RedisSettingsError";
    this.problems = problems;
  }
}

const EXAMPLE = "e.g. REDIS=redis://:password@cache.example.com:6379?tls=true";
const PARAMS = new Set(["tls", "ttlInSeconds", "caCertPath"]);

/** `redis://host:port` as shown in logs and problems: never the user info. */
export function describeRedis(settings: Pick<RedisSettings, "host" | "port" | "tls">): string {
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  return `${settings.tls ? "rediss" : "redis"}://${host}:${settings.port}`;
}

/** Hides the user info of a REDIS value (everything before the last `@` of the authority). */
function shown(text: string): string {
  return text.replace(/^([a-z]+:\/\/)([^/?#]*)@/i, "$1***@");
}

export function parseCacheSettings(env: Readonly<Record<string, string | undefined>>): ParsedCache {
  const problems: string[] = [];
  const mbText = env.BALLAST_CACHE_MB ?? "64";
  const memoryMb = Number(mbText);
  if (!/^\d+$/.test(mbText) || memoryMb > 65_536) {
    problems.push(
      `BALLAST_CACHE_MB must be a whole number of MiB from 0 to 65536 (got "${mbText}"); e.g. 64, or 0 to cache nothing`,
    );
  }
  let redis: RedisSettings | undefined;
  if (env.REDIS !== undefined && env.REDIS !== "") {
    const parsed = parseRedis(env.REDIS);
    if ("problems" in parsed) problems.push(...parsed.problems);
    else redis = parsed.value;
  }
  if (problems.length > 0) return { problems };
  return { value: { redis, memoryMb } };
}

/**
 * The chart does not URL-encode the password, so the authority is split by hand: the user info
 * ends at the last `@` before the host. A password that has `%XX` escapes is decoded.
 */
export function parseRedis(text: string): { value: RedisSettings } | { problems: string[] } {
  const match = /^([a-z]+):\/\/([^?#]*)(?:\?([^#]*))?$/i.exec(text);
  const scheme = match?.[1]?.toLowerCase();
  if (!match || (scheme !== "redis" && scheme !== "rediss")) {
    return { problems: [`REDIS must be a redis:// or rediss:// URL (got "${shown(text)}"); ${EXAMPLE}`] };
  }
  const problems: string[] = [];
  let rest = match[2] ?? "";
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const info = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = info.indexOf(":");
    const decode = (s: string) => {
      if (!/%[0-9a-f]{2}/i.test(s)) return s;
      try {
        return decodeURIComponent(s);
      } catch {
        problems.push(
          "REDIS's user or password has a bad %-escape; URL-encode reserved characters (e.g. @ as %40)",
        );
        return s;
      }
    };
    username = decode(colon >= 0 ? info.slice(0, colon) : info) || undefined;
    password = colon >= 0 ? decode(info.slice(colon + 1)) || undefined : undefined;
    // `redis://word@host` is read as a password by some clients and as a user by others: refuse to guess.
    if (colon < 0) {
      problems.push(
        "REDIS has user info without a colon; write redis://:password@host for the default user, or redis://user:password@host",
      );
    }
  }
  const hostPort = /^(\[[0-9a-f:.]+\]|[^:/[\]]+)(?::(\d{1,5}))?(?:\/(\d{0,2}))?\/?$/i.exec(rest);
  if (!hostPort?.[1]) {
    problems.push(`REDIS must name a host and port after the user info (got "${shown(text)}"); ${EXAMPLE}`);
  }
  const host = (hostPort?.[1] ?? "").replace(/^\[|\]$/g, "");
  const port = hostPort?.[2] !== undefined ? Number(hostPort[2]) : 6379;
  if (port < 1 || port > 65535) problems.push(`REDIS's port must be from 1 to 65535 (got ${port})`);
  const database = hostPort?.[3] ? Number(hostPort[3]) : 0;
  if (database > 15) problems.push(`REDIS's database number must be from 0 to 15 (got ${database})`);

  const params = new URLSearchParams(match[3] ?? "");
  const unknown = [...params.keys()].filter((key) => !PARAMS.has(key));
  if (unknown.length > 0) {
    problems.push(
      `REDIS has parameters Ballast does not use: ${unknown.join(", ")}; only tls, ttlInSeconds and caCertPath are read`,
    );
  }
  const tlsText = params.get("tls");
  if (tlsText !== null && tlsText !== "true" && tlsText !== "false") {
    problems.push(`REDIS's tls parameter must be true or false (got "${tlsText}")`);
  }
  const caCertPath = params.get("caCertPath") || undefined;
  // A CA file only makes sense with TLS; the chart adds tls=true whenever it mounts one.
  const tls = scheme === "rediss" || tlsText === "true" || (tlsText === null && caCertPath !== undefined);
  if (caCertPath !== undefined && !tls) {
    problems.push(
      "REDIS has caCertPath but tls=false; set tls=true (the CA verifies the server's TLS certificate)",
    );
  }
  const ttlText = params.get("ttlInSeconds");
  let maxTtlSeconds: number | undefined;
  if (ttlText !== null) {
    maxTtlSeconds = Number(ttlText);
    if (!/^\d+$/.test(ttlText) || maxTtlSeconds < 1) {
      problems.push(
        `REDIS's ttlInSeconds must be a whole number of seconds ≥ 1 (got "${ttlText}"); e.g. 604800`,
      );
    }
  }
  if (problems.length > 0) return { problems };
  return { value: { host, port, username, password, database, tls, caCertPath, maxTtlSeconds } };
}
