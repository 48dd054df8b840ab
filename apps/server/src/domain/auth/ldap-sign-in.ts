/**
 * Password sign-in when LDAP is configured (docs/auth.md, "LDAP"). A local user with a password
 * (the first admin, say) signs in with it as before; everyone else, and a local user whose local
 * password does not match, is checked against the directory. A directory user whose password the
 * directory accepts and who is in an allowed group is created just in time (linked by the entry's
 * entryUUID, else its DN) and signed in. Every refusal is the same 401 INVALID_CREDENTIALS as a
 * wrong local password; the audit log says why.
 */
import { readFileSync } from "node:fs";
import { AppError, isAppError } from "@ballast/core";
import { ConfigError } from "../../config.ts";
import type { LdapSettings } from "../../identity-config.ts";
import type { UserRecord } from "../../stores/records.ts";
import type { IdentityRepository } from "../../stores/repositories.ts";
import type { AuditEvent } from "../audit/audit-event.ts";
import type { SignedIn } from "./auth.service.ts";
import { allowedGroup, joinAllowList, parseLdapAttributes } from "./ldap.ts";
import { LdapDirectory, type LdapOutcome } from "./ldap-directory.ts";
import { SignInThrottle, type ThrottleLimits } from "./sign-in-throttle.ts";

export interface LdapSignInDeps {
  readonly auth: {
    signIn(username: string, password: string, address?: string): Promise<SignedIn>;
    startSession(user: UserRecord): Promise<SignedIn>;
  };
  readonly identity: {
    provisionExternalUser(input: {
      provider: string;
      subject: string;
      email: string;
      username?: string;
    }): Promise<UserRecord>;
  };
  readonly users: Pick<IdentityRepository, "findCredentials">;
  readonly audit: { record(event: AuditEvent): Promise<unknown> };
  /** Failed sign-in limits; the defaults (sign-in-throttle.ts) when absent. */
  readonly throttle?: ThrottleLimits;
  readonly now?: () => number;
}

const WRONG_CREDENTIALS = "The username or password is not correct.";
/** Longer names are no directory's usernames; refused before the directory is asked. */
const MAX_USERNAME = 256;

export class LdapSignIn {
  private readonly deps: LdapSignInDeps;
  private readonly directory: LdapDirectory;
  private readonly allowList: readonly string[];
  private readonly throttle: SignInThrottle;
  private readonly now: () => number;

  constructor(settings: LdapSettings, deps: LdapSignInDeps) {
    const attributes = parseLdapAttributes(settings.attributes);
    if ("problem" in attributes) throw new ConfigError([attributes.problem]);
    this.deps = deps;
    this.allowList = joinAllowList(settings.groupAllowList, settings.baseDn);
    this.directory = new LdapDirectory(settings, attributes.value, readCa(settings.caCertPath), {
      readGroups: this.allowList.length > 0,
    });
    // Directory attempts get their own counts: the local sign-in's (AuthService) only see local ones.
    this.throttle = new SignInThrottle(deps.throttle);
    this.now = deps.now ?? Date.now;
  }

  /**
   * Signs in with a username and password, records the outcome in the audit log (local sign-ins
   * too: with LDAP configured, the session handler leaves the audit entries to this), and answers
   * 401 INVALID_CREDENTIALS for every refusal. `address`: the client's, for the per-address limit
   * and the audit log.
   */
  async signIn(username: string, password: string, address?: string): Promise<SignedIn> {
    try {
      return await this.attempt(username, password, address);
    } catch (error) {
      if (isAppError(error) && error.code === "TOO_MANY_ATTEMPTS") {
        await this.refused(username.trim(), address, "TOO_MANY_ATTEMPTS");
      }
      throw error;
    }
  }

  private async attempt(username: string, password: string, address: string | undefined): Promise<SignedIn> {
    const name = username.trim();
    const key = name.toLowerCase();
    this.throttle.check(key, address, this.now());
    const local = await this.deps.users.findCredentials(key);
    if (local !== undefined && local.passwordHash !== null) {
      try {
        const signedIn = await this.deps.auth.signIn(username, password, address);
        await this.deps.audit.record({
          action: "user.sign_in",
          actor: { id: signedIn.user.id, username: signedIn.user.username },
          detail: { method: "password" },
          ...(address === undefined ? {} : { address }),
        });
        return signedIn;
      } catch (error) {
        // A wrong local password may still be the directory user's of the same name.
        if (!isAppError(error) || error.code !== "INVALID_CREDENTIALS") throw error;
      }
    }

    let outcome: LdapOutcome | { ok: false; reason: "empty_password" | "invalid_username" };
    // An empty password would make an "unauthenticated bind", which many servers accept as success.
    if (password === "") outcome = { ok: false, reason: "empty_password" };
    else if (name === "" || name.length > MAX_USERNAME || /\p{Cc}/u.test(name))
      outcome = { ok: false, reason: "invalid_username" };
    else {
      try {
        outcome = await this.directory.authenticate(name, password);
      } catch (error) {
        await this.refused(name, address, "directory_unavailable");
        throw error;
      }
    }
    if (!outcome.ok) return this.refuse(key, name, address, outcome.reason);

    const found = outcome.user;
    const group = this.allowList.length === 0 ? null : allowedGroup(this.allowList, found.groups);
    if (group === undefined) return this.refuse(key, name, address, "not_in_allowed_group");
    if (found.email === undefined) {
      console.error(`LDAP sign-in: ${found.dn} has no email address attribute`);
      return this.refuse(key, name, address, "no_email");
    }
    this.throttle.succeeded(key);
    const user = await this.deps.identity.provisionExternalUser({
      provider: "ldap",
      subject: found.subject,
      email: found.email,
      username: found.username,
    });
    await this.deps.audit.record({
      action: "user.sign_in",
      actor: { id: user.id, username: user.username },
      detail: { method: "ldap", ...(group ? { group } : {}) },
      ...(address === undefined ? {} : { address }),
    });
    return this.deps.auth.startSession(user);
  }

  /** Counts a failed attempt, records why, and answers as a wrong password would. */
  private async refuse(
    key: string,
    name: string,
    address: string | undefined,
    reason: string,
  ): Promise<never> {
    this.throttle.failed(key, address, this.now());
    await this.refused(name, address, reason);
    throw new AppError("INVALID_CREDENTIALS", WRONG_CREDENTIALS);
  }

  private async refused(name: string, address: string | undefined, reason: string): Promise<void> {
    await this.deps.audit.record({
      action: "user.sign_in_failed",
      actor: null,
      target: name.slice(0, MAX_USERNAME),
      detail: { method: "ldap", reason },
      ...(address === undefined ? {} : { address }),
    });
  }
}

/** LDAP_TLS_CA_CERT_PATH's PEM text, read once at start; a file that cannot be read stops the start. */
function readCa(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError([
      `LDAP_TLS_CA_CERT_PATH: cannot read ${path} (${error instanceof Error ? error.message : String(error)}); it must be the PEM file of the CA that signed the LDAP server's certificate`,
    ]);
  }
}
