/**
 * Web sign-in (docs/auth.md): passwords, browser sessions, CSRF tokens and the one-time setup of the
 * first admin. API keys stay the W&B clients' credential (identity.service.ts); this is the browser's.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { AppError } from "@ballast/core";
import type { SessionRecord, UserRecord } from "../../stores/records.ts";
import { forgetApiKeyLookups } from "../identity/api-key-cache.ts";
import { checkUserFields } from "../identity/identity.service.ts";
import type { Stores } from "../services.ts";
import { checkPasswordRules, dummyPasswordHash, hashPassword, verifyPassword } from "./password.ts";
import { SignInThrottle, type ThrottleLimits } from "./sign-in-throttle.ts";

/** The settings row holding the SHA-256 of the setup token printed by the latest start. */
const SETUP_TOKEN_SETTING = "setup_token_sha256";
/** Session ids and CSRF tokens: 32 random bytes, base64url (43 characters). */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const SETUP_TOKEN_SHAPE = /^[0-9a-f]{32}$/;

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** Equal-length digests first, so the comparison takes the same time whatever the inputs' lengths. */
function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

export interface SignedIn {
  readonly user: UserRecord;
  /** The cookie value; only its SHA-256 is stored. */
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface AuthOptions {
  readonly sessionLengthHours: number;
  /** The clock, for tests. */
  readonly now?: () => number;
  /** Failed sign-in limits (sign-in-throttle.ts); the defaults when absent. */
  readonly throttle?: ThrottleLimits;
}

const WRONG_CREDENTIALS = "The username or password is not correct.";

export class AuthService {
  private readonly stores: Pick<Stores, "identity" | "cache">;
  private readonly sessionLengthMs: number;
  private readonly now: () => number;
  private readonly throttle: SignInThrottle;

  constructor(stores: Pick<Stores, "identity" | "cache">, options: AuthOptions) {
    this.stores = stores;
    this.sessionLengthMs = options.sessionLengthHours * 3600 * 1000;
    this.now = options.now ?? Date.now;
    this.throttle = new SignInThrottle(options.throttle);
  }

  /** True while no user has a password: the web UI then offers the first-admin setup. */
  async setupRequired(): Promise<boolean> {
    return !(await this.stores.identity.anyUserHasPassword());
  }

  /**
   * Called at every start: while setup is possible, makes a new one-time token (replacing the one
   * an earlier start printed) and returns it to be printed; afterwards returns undefined.
   */
  async prepareSetup(): Promise<string | undefined> {
    if (!(await this.setupRequired())) {
      await this.stores.identity.deleteSetting(SETUP_TOKEN_SETTING);
      return undefined;
    }
    const token = randomBytes(16).toString("hex");
    await this.stores.identity.setSetting(SETUP_TOKEN_SETTING, sha256(token));
    return token;
  }

  /**
   * Creates the first admin (or gives the `admin` the first start created a password, when that
   * name is chosen) and signs it in. Refused once any user has a password, or without the token.
   */
  async completeSetup(input: {
    token: string;
    username: string;
    email: string;
    password: string;
  }): Promise<SignedIn> {
    if (!(await this.setupRequired())) throw setupComplete();
    const stored = await this.stores.identity.getSetting(SETUP_TOKEN_SETTING);
    // Check the token before the (deliberately slow) password hash, so guesses cost us nothing.
    if (
      !SETUP_TOKEN_SHAPE.test(input.token) ||
      stored === undefined ||
      !constantTimeEqual(stored, sha256(input.token))
    )
      throw setupTokenInvalid();
    checkUserFields(input);
    checkPasswordRules(input.password);
    const result = await this.stores.identity.completeSetup({
      setupTokenSetting: SETUP_TOKEN_SETTING,
      setupTokenHash: sha256(input.token),
      username: input.username,
      email: input.email,
      passwordHash: await hashPassword(input.password),
      now: this.now(),
    });
    if ("refused" in result)
      throw result.refused === "setup-complete" ? setupComplete() : setupTokenInvalid();
    // The claimed admin's email changed: cached key look-ups of it must not show the old record.
    await forgetApiKeyLookups(this.stores.cache);
    return this.startSession(result.user);
  }

  /**
   * Signs in with a password. An unknown user, a user without a password and a wrong password get
   * the same error after the same work (a hash is always verified), so answers reveal no usernames.
   */
  /** `address`: the client's, for the per-address limit on failed attempts. */
  async signIn(username: string, password: string, address?: string): Promise<SignedIn> {
    const name = username.trim().toLowerCase();
    this.throttle.check(name, address, this.now());
    const dummy = await dummyPasswordHash();
    const found = await this.stores.identity.findCredentials(name);
    const matches = await verifyPassword(password, found?.passwordHash ?? dummy);
    if (!found || found.passwordHash === null || !matches) {
      this.throttle.failed(name, address, this.now());
      throw new AppError("INVALID_CREDENTIALS", WRONG_CREDENTIALS);
    }
    this.throttle.succeeded(name);
    return this.startSession(found.user);
  }

  /** The live session a cookie value names, or undefined (malformed, unknown, expired or signed out). */
  async session(sessionId: string): Promise<SessionRecord | undefined> {
    if (!TOKEN_SHAPE.test(sessionId)) return undefined;
    const session = await this.stores.identity.findSession(sha256(sessionId), this.now());
    // Deactivation deletes the sessions; this covers one made in the same instant.
    return session?.user.deactivated ? undefined : session;
  }

  async signOut(sessionId: string): Promise<void> {
    if (TOKEN_SHAPE.test(sessionId)) await this.stores.identity.deleteSession(sha256(sessionId));
  }

  /** Throws CSRF_TOKEN_INVALID unless `presented` is the session's CSRF token (constant-time). */
  checkCsrf(session: SessionRecord, presented: string | undefined): void {
    if (presented === undefined || presented === "") {
      throw new AppError(
        "CSRF_TOKEN_INVALID",
        "This request needs the x-csrf-token header (GET /api/v1/session gives the token).",
      );
    }
    if (!constantTimeEqual(presented, session.csrfToken)) {
      throw new AppError("CSRF_TOKEN_INVALID", "The x-csrf-token header does not match this session.");
    }
  }

  /** Sets a user's password (`ballast admin set-password`); the user's existing sessions end. */
  async setPassword(username: string, password: string): Promise<UserRecord> {
    checkPasswordRules(password);
    const found = await this.stores.identity.findCredentials(username);
    if (!found) throw new AppError("NOT_FOUND", `No user named "${username}".`);
    await this.stores.identity.setPasswordHash(found.user.id, await hashPassword(password));
    return found.user;
  }

  /**
   * A new session for a user whose identity was proven elsewhere (password, OIDC, LDAP, an
   * invitation). Service accounts have no sessions: they act through API keys only.
   */
  async startSession(user: UserRecord): Promise<SignedIn> {
    if (user.accountType === "service") {
      throw new AppError("PERMISSION_DENIED", "Service accounts cannot sign in; use one of their API keys.");
    }
    if (user.deactivated) {
      throw new AppError("PERMISSION_DENIED", "This account is deactivated; ask an admin of this server.");
    }
    const sessionId = randomBytes(TOKEN_BYTES).toString("base64url");
    const csrfToken = randomBytes(TOKEN_BYTES).toString("base64url");
    const now = this.now();
    const expiresAt = now + this.sessionLengthMs;
    await this.stores.identity.insertSession({
      idHash: sha256(sessionId),
      userId: user.id,
      csrfToken,
      now,
      expiresAt,
    });
    return { user, sessionId, csrfToken, expiresAt };
  }
}

function setupComplete(): AppError {
  return new AppError("SETUP_COMPLETE", "Setup is already done: sign in instead.");
}

function setupTokenInvalid(): AppError {
  return new AppError(
    "SETUP_TOKEN_INVALID",
    "The setup token is not valid: use the one the server printed at its latest start.",
  );
}
