/**
 * OpenID Connect sign-in as a relying party (docs/auth.md, "Single sign-on"): discovery, the
 * authorization request (code flow, always with PKCE S256, state and nonce), the code exchange with
 * the client's authentication, ID token verification (oidc-token.ts), and Ballast's rules on the
 * email. W&B's OIDC_AUTH_METHOD `implicit` is accepted and served with code + PKCE too: the implicit
 * flow puts tokens in the browser's URL and is deprecated by the OAuth 2.0 Security BCP (RFC 9700 §2.1.2).
 *
 * A provider that cannot be reached, answers 5xx or refuses Ballast's own client credentials is
 * UNAVAILABLE (503: the server's problem, retry later); a sign-in the provider or the ID token checks
 * refuse is SSO_FAILED (401); a user Ballast refuses (email) is SSO_REFUSED (403).
 */
import { createHash, randomBytes } from "node:crypto";
import { AppError } from "@ballast/core";
import type { OidcSettings } from "../../identity-config.ts";
import { type IdTokenClaims, type Jwk, JwksCache, verifyIdToken } from "./oidc-token.ts";

export const OIDC_SCOPE = "openid email profile";
const TIMEOUT_MS = 10_000;

interface ProviderMetadata {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
  readonly userinfo_endpoint: string | undefined;
  readonly token_endpoint_auth_methods_supported: readonly string[] | undefined;
}

/** What the browser must keep (in Ballast's signed cookie) until the provider sends it back. */
export interface OidcAttempt {
  /** Where to send the browser: the provider's authorization endpoint with the request. */
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** A user the provider vouched for and Ballast accepts. */
export interface OidcIdentity {
  /** `oidc:<issuer>`: the namespace of `subject` in the user links. */
  readonly provider: string;
  readonly subject: string;
  readonly email: string;
  /** `preferred_username`, when the provider sends one. */
  readonly username: string | undefined;
}

export interface OidcClientOptions {
  readonly fetch?: typeof fetch;
  /** Seconds since the epoch (tests set it). */
  readonly now?: () => number;
}

type ClientAuth = "client_secret_basic" | "client_secret_post" | "none";

const base64url = (bytes: Buffer) => bytes.toString("base64url");
const unavailable = (message: string) => new AppError("UNAVAILABLE", message);
const refused = (reason: string, message: string, email?: string) =>
  new AppError("SSO_REFUSED", message, { reason, ...(email === undefined ? {} : { email }) });

export class OidcClient {
  readonly provider: string;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private discovered: Promise<ProviderMetadata> | undefined;
  private readonly keys: JwksCache;

  private readonly settings: OidcSettings;

  constructor(settings: OidcSettings, options: OidcClientOptions = {}) {
    this.settings = settings;
    this.provider = `oidc:${settings.issuer}`;
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.keys = new JwksCache(async () => this.loadKeys());
  }

  /** The authorization request for a new sign-in attempt. */
  async begin(redirectUri: string): Promise<OidcAttempt> {
    const metadata = await this.metadata();
    const state = base64url(randomBytes(32));
    const nonce = base64url(randomBytes(32));
    const codeVerifier = base64url(randomBytes(32));
    const url = new URL(metadata.authorization_endpoint);
    const params = {
      response_type: "code",
      client_id: this.settings.clientId,
      redirect_uri: redirectUri,
      scope: OIDC_SCOPE,
      state,
      nonce,
      code_challenge: base64url(createHash("sha256").update(codeVerifier).digest()),
      code_challenge_method: "S256",
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return { url: url.toString(), state, nonce, codeVerifier };
  }

  /** Exchanges the code, verifies the ID token and applies Ballast's email rules. */
  async complete(input: {
    code: string;
    redirectUri: string;
    codeVerifier: string;
    nonce: string;
  }): Promise<OidcIdentity> {
    const metadata = await this.metadata();
    const tokens = await this.exchange(metadata, input);
    let claims: Readonly<Record<string, unknown>> = await verifyIdToken(tokens.idToken, this.keys, {
      issuer: metadata.issuer,
      clientId: this.settings.clientId,
      nonce: input.nonce,
      now: this.now(),
    });
    const subject = (claims as IdTokenClaims).sub;
    // Providers may keep profile claims out of the ID token of the code flow (Core §5.4): ask UserInfo.
    if (claims.email === undefined && metadata.userinfo_endpoint && tokens.accessToken) {
      claims = {
        ...(await this.userInfo(metadata.userinfo_endpoint, tokens.accessToken, subject)),
        sub: subject,
      };
    }
    const email = this.acceptedEmail(claims);
    const username =
      typeof claims.preferred_username === "string" && claims.preferred_username.trim() !== ""
        ? claims.preferred_username.trim()
        : undefined;
    return { provider: this.provider, subject, email, username };
  }

  /** The email if Ballast lets its owner in; SSO_REFUSED (with `details.reason`) otherwise. */
  acceptedEmail(claims: Readonly<Record<string, unknown>>): string {
    const email = typeof claims.email === "string" ? claims.email.trim() : "";
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
      throw refused(
        "no_email",
        "The identity provider sent no email address for this account; Ballast needs one (the email scope).",
      );
    }
    // Some providers send the flag as text.
    if (claims.email_verified === false || claims.email_verified === "false") {
      throw refused(
        "email_not_verified",
        `The identity provider has not verified ${email}; verify it there, then sign in again.`,
        email,
      );
    }
    const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
    const allowed = this.settings.allowedDomains;
    if (allowed.length > 0 && !allowed.includes(domain)) {
      throw refused(
        "domain_not_allowed",
        `Accounts of ${domain} may not sign in to this Ballast server; use an account of your organisation's allowed email domains.`,
        email,
      );
    }
    return email;
  }

  /** The provider's metadata, discovered once; a failed discovery is tried again next time. */
  private metadata(): Promise<ProviderMetadata> {
    this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      throw error;
    });
    return this.discovered;
  }

  private async discover(): Promise<ProviderMetadata> {
    const url = `${this.settings.issuer}/.well-known/openid-configuration`;
    const body = await this.json(await this.request(url, {}, "discovery"), url, "discovery");
    const endpoint = (name: string): string => {
      const value = body[name];
      if (typeof value !== "string" || !/^https?:\/\//.test(value)) {
        throw unavailable(`The identity provider's discovery document (${url}) has no valid ${name}.`);
      }
      return value;
    };
    const issuer = typeof body.issuer === "string" ? body.issuer : "";
    // Discovery §4.3: the document must name the issuer it was fetched for.
    if (issuer.replace(/\/+$/, "") !== this.settings.issuer) {
      throw unavailable(
        `The identity provider at ${url} says its issuer is ${JSON.stringify(body.issuer)}, not OIDC_ISSUER (${this.settings.issuer}).`,
      );
    }
    const methods = body.token_endpoint_auth_methods_supported;
    return {
      issuer,
      authorization_endpoint: endpoint("authorization_endpoint"),
      token_endpoint: endpoint("token_endpoint"),
      jwks_uri: endpoint("jwks_uri"),
      userinfo_endpoint: typeof body.userinfo_endpoint === "string" ? body.userinfo_endpoint : undefined,
      token_endpoint_auth_methods_supported: Array.isArray(methods)
        ? methods.filter((m): m is string => typeof m === "string")
        : undefined,
    };
  }

  private async loadKeys(): Promise<readonly Jwk[]> {
    const { jwks_uri } = await this.metadata();
    const body = await this.json(await this.request(jwks_uri, {}, "keys"), jwks_uri, "keys");
    if (!Array.isArray(body.keys)) throw unavailable(`The identity provider's ${jwks_uri} lists no keys.`);
    return body.keys.filter((key): key is Jwk => key !== null && typeof key === "object");
  }

  private clientAuth(metadata: ProviderMetadata): ClientAuth {
    if (this.settings.clientSecret === undefined) return "none";
    const method = this.settings.authMethod;
    if (method === "client_secret_basic" || method === "client_secret_post") return method;
    const supported = metadata.token_endpoint_auth_methods_supported;
    // client_secret_basic is the default (Discovery §3) unless the provider supports only _post.
    return supported && !supported.includes("client_secret_basic") && supported.includes("client_secret_post")
      ? "client_secret_post"
      : "client_secret_basic";
  }

  private async exchange(
    metadata: ProviderMetadata,
    input: { code: string; redirectUri: string; codeVerifier: string },
  ): Promise<{ idToken: string; accessToken: string | undefined }> {
    const form = new URLSearchParams({
      grant_type: "authorization_code",
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
    });
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    const auth = this.clientAuth(metadata);
    const secret = this.settings.clientSecret ?? "";
    if (auth === "client_secret_basic") {
      // RFC 6749 §2.3.1: both parts form-encoded before Base64.
      const encode = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);
      headers.authorization = `Basic ${Buffer.from(`${encode(this.settings.clientId)}:${encode(secret)}`).toString("base64")}`;
    } else {
      form.set("client_id", this.settings.clientId);
      if (auth === "client_secret_post") form.set("client_secret", secret);
    }
    const url = metadata.token_endpoint;
    const response = await this.request(url, { method: "POST", headers, body: form.toString() }, "token");
    if (response.status === 400 || response.status === 401) {
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      const error = typeof body.error === "string" ? body.error : `HTTP ${response.status}`;
      const description = typeof body.error_description === "string" ? `: ${body.error_description}` : "";
      if (error === "invalid_client" || error === "unauthorized_client") {
        throw unavailable(
          `The identity provider refused Ballast's client credentials (${error}${description}); check OIDC_CLIENT_ID, OIDC_SECRET and OIDC_AUTH_METHOD.`,
        );
      }
      throw new AppError(
        "SSO_FAILED",
        `The identity provider refused the sign-in code (${error}${description}); sign in again.`,
      );
    }
    const body = await this.json(response, url, "token");
    if (typeof body.id_token !== "string") {
      throw new AppError(
        "SSO_FAILED",
        "The identity provider answered without an ID token; is the openid scope allowed for this client?",
      );
    }
    return {
      idToken: body.id_token,
      accessToken: typeof body.access_token === "string" ? body.access_token : undefined,
    };
  }

  private async userInfo(
    url: string,
    accessToken: string,
    subject: string,
  ): Promise<Record<string, unknown>> {
    const response = await this.request(
      url,
      { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } },
      "userinfo",
    );
    if (response.status === 401 || response.status === 403) {
      throw new AppError(
        "SSO_FAILED",
        `The identity provider's userinfo refused the access token (HTTP ${response.status}).`,
      );
    }
    if (response.ok && !(response.headers.get("content-type") ?? "").includes("json")) {
      throw new AppError(
        "SSO_FAILED",
        "The identity provider's userinfo is not plain JSON (signed userinfo is not supported).",
      );
    }
    const claims = await this.json(response, url, "userinfo");
    // Core §5.3.2: a userinfo of another subject must not be used.
    if (claims.sub !== subject)
      throw new AppError("SSO_FAILED", "The identity provider's userinfo is about another user.");
    return claims;
  }

  private async request(url: string, init: RequestInit, what: string): Promise<Response> {
    try {
      return await this.fetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      // The next attempt discovers again: the provider may have moved its endpoints.
      this.discovered = undefined;
      const reason =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw unavailable(
        `The identity provider is unreachable (${what}, ${url}): ${reason}. Try again shortly.`,
      );
    }
  }

  private async json(response: Response, url: string, what: string): Promise<Record<string, unknown>> {
    if (!response.ok) {
      await response.body?.cancel();
      this.discovered = undefined;
      throw unavailable(
        `The identity provider answered HTTP ${response.status} (${what}, ${url}). Try again shortly.`,
      );
    }
    try {
      const body: unknown = await response.json();
      if (body !== null && typeof body === "object" && !Array.isArray(body))
        return body as Record<string, unknown>;
    } catch {
      // Reported below.
    }
    throw unavailable(`The identity provider's ${what} answer (${url}) is not a JSON object.`);
  }
}
