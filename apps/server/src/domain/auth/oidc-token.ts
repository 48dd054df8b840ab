/**
 * ID token verification for OIDC sign-in with node:crypto alone (OpenID Connect Core 1.0 §3.1.3.7):
 * the JWS signature against the provider's JWKS (RS*, PS*, ES*; never `none` or HMAC), then iss,
 * aud/azp, exp/iat with a small leeway, and the nonce of this sign-in attempt.
 */
import { constants, createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";
import { AppError } from "@ballast/core";

/** Clock skew tolerated between Ballast and the provider, in seconds. */
export const CLOCK_LEEWAY_SECONDS = 120;

interface Algorithm {
  readonly hash: "sha256" | "sha384" | "sha512";
  readonly kty: "RSA" | "EC";
  readonly pss?: boolean;
  readonly curve?: string;
}

const ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  RS256: { hash: "sha256", kty: "RSA" },
  RS384: { hash: "sha384", kty: "RSA" },
  RS512: { hash: "sha512", kty: "RSA" },
  PS256: { hash: "sha256", kty: "RSA", pss: true },
  PS384: { hash: "sha384", kty: "RSA", pss: true },
  PS512: { hash: "sha512", kty: "RSA", pss: true },
  ES256: { hash: "sha256", kty: "EC", curve: "P-256" },
  ES384: { hash: "sha384", kty: "EC", curve: "P-384" },
  ES512: { hash: "sha512", kty: "EC", curve: "P-521" },
};

export interface Jwk extends JsonWebKey {
  readonly kid?: string;
  readonly use?: string;
  readonly alg?: string;
}

/** The provider's signing keys: fetched from jwks_uri, kept by kid, fetched again for an unknown kid. */
export class JwksCache {
  private keys: readonly Jwk[] | undefined;
  private loading: Promise<readonly Jwk[]> | undefined;

  private readonly load: () => Promise<readonly Jwk[]>;

  constructor(load: () => Promise<readonly Jwk[]>) {
    this.load = load;
  }

  /** Keys that may have signed a token with this kid (all signing keys when the token names none). */
  async candidates(kid: string | undefined): Promise<readonly Jwk[]> {
    const pick = (keys: readonly Jwk[]) =>
      keys.filter((key) => key.use !== "enc" && (kid === undefined || key.kid === kid));
    if (this.keys) {
      const found = pick(this.keys);
      if (found.length > 0) return found;
    }
    // Unknown kid (the provider rotated its keys) or nothing loaded yet: fetch once more.
    return pick(await this.refresh());
  }

  private refresh(): Promise<readonly Jwk[]> {
    this.loading ??= this.load().then(
      (keys) => {
        this.keys = keys;
        this.loading = undefined;
        return keys;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }
}

export type IdTokenClaims = Readonly<Record<string, unknown>> & { readonly sub: string };

export interface IdTokenExpectations {
  readonly issuer: string;
  readonly clientId: string;
  readonly nonce: string;
  /** Seconds since the epoch (tests set it). */
  readonly now?: number;
}

const failed = (why: string) =>
  new AppError("SSO_FAILED", `The identity provider's ID token was refused: ${why}.`);

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Reported below.
  }
  throw failed(`its ${what} is not a JSON object`);
}

function keyMatches(jwk: Jwk, alg: string, algorithm: Algorithm): KeyObject | undefined {
  if (jwk.kty !== algorithm.kty) return undefined;
  if (jwk.alg !== undefined && jwk.alg !== alg) return undefined;
  if (algorithm.curve !== undefined && jwk.crv !== algorithm.curve) return undefined;
  try {
    return createPublicKey({ key: jwk, format: "jwk" });
  } catch {
    return undefined;
  }
}

function signatureValid(key: KeyObject, algorithm: Algorithm, data: Buffer, signature: Buffer): boolean {
  try {
    if (algorithm.kty === "EC") {
      // JWS carries ECDSA signatures as r || s (IEEE P1363), not DER.
      return verify(algorithm.hash, data, { key, dsaEncoding: "ieee-p1363" }, signature);
    }
    if (algorithm.pss) {
      const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[algorithm.hash];
      return verify(
        algorithm.hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength },
        signature,
      );
    }
    return verify(algorithm.hash, data, key, signature);
  } catch {
    return false;
  }
}

/** The verified claims of `token`, or SSO_FAILED saying what is wrong with it. */
export async function verifyIdToken(
  token: string,
  keys: JwksCache,
  expected: IdTokenExpectations,
): Promise<IdTokenClaims> {
  const parts = token.split(".");
  if (parts.length !== 3) throw failed("it is not a signed JWT (three dot-separated parts)");
  const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
  const header = decodeJson(headerPart, "header");
  const alg = typeof header.alg === "string" ? header.alg : "";
  const algorithm = ALGORITHMS[alg];
  if (!algorithm) throw failed(`its algorithm "${alg}" is not one of ${Object.keys(ALGORITHMS).join(", ")}`);
  const kid = typeof header.kid === "string" ? header.kid : undefined;
  const data = Buffer.from(`${headerPart}.${payloadPart}`, "ascii");
  const signature = Buffer.from(signaturePart, "base64url");
  const candidates = await keys.candidates(kid);
  const valid = candidates.some((jwk) => {
    const key = keyMatches(jwk, alg, algorithm);
    return key !== undefined && signatureValid(key, algorithm, data, signature);
  });
  if (!valid) {
    throw failed(
      candidates.length === 0
        ? `the provider publishes no key ${kid === undefined ? "" : `"${kid}" `}at its jwks_uri`
        : "its signature does not verify with the provider's keys",
    );
  }

  const claims = decodeJson(payloadPart, "payload");
  if (claims.iss !== expected.issuer) {
    throw failed(`it was issued by ${JSON.stringify(claims.iss)}, not ${expected.issuer}`);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.includes(expected.clientId)) throw failed("it is meant for another client (aud)");
  // Several audiences: the party it was issued to (azp) must be us (Core §3.1.3.7, items 4 and 5).
  if ((audiences.length > 1 || claims.azp !== undefined) && claims.azp !== expected.clientId) {
    throw failed("it was issued to another party (azp)");
  }
  const now = expected.now ?? Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== "number" || claims.exp + CLOCK_LEEWAY_SECONDS < now) {
    throw failed("it has expired (exp); check the clocks of Ballast and the provider");
  }
  if (typeof claims.iat !== "number" || claims.iat - CLOCK_LEEWAY_SECONDS > now) {
    throw failed("it was issued in the future (iat); check the clocks of Ballast and the provider");
  }
  if (claims.nonce !== expected.nonce) throw failed("its nonce is not this sign-in's (a replayed token?)");
  if (typeof claims.sub !== "string" || claims.sub === "") throw failed("it names no subject (sub)");
  return claims as IdTokenClaims;
}
