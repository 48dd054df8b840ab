/**
 * The conversation with the LDAP directory for one sign-in (docs/auth.md, "LDAP"), with the
 * `ldapts` client (known only to this file: scripts/check-deps.ts). Connect (ldaps://, or ldap://
 * upgraded with StartTLS when LDAP_TLS_ENABLE is true; the certificate is always verified, against
 * LDAP_TLS_CA_CERT_PATH when set), bind as LDAP_BIND_DN (or stay anonymous), find the one entry
 * whose username attribute is the given name, read its email and groups, then bind as that entry
 * with the password. A directory that cannot be reached or answers with an error is UNAVAILABLE
 * (503): never a 4xx, which would read as "wrong password".
 */
import { isIP } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { AppError } from "@ballast/core";
import { Client, type Entry, InvalidCredentialsError, ResultCodeError, SizeLimitExceededError } from "ldapts";
import type { LdapSettings } from "../../identity-config.ts";
import {
  escapeFilterValue,
  groupFromAttributeValue,
  type LdapAttributeMap,
  type LdapGroup,
  normalizeDn,
} from "./ldap.ts";

/** What the directory says of a user whose password it accepted. */
export interface LdapUser {
  readonly dn: string;
  /** A stable id for the link to the Ballast user: entryUUID when the server has it, else the DN. */
  readonly subject: string;
  readonly username: string;
  readonly email: string | undefined;
  readonly groups: readonly LdapGroup[];
}

/** Why a sign-in was refused; goes to the audit log, never to the client. */
export type LdapRefusal = "unknown_user" | "ambiguous_user" | "wrong_password";

export type LdapOutcome =
  | { readonly ok: true; readonly user: LdapUser }
  | { readonly ok: false; readonly reason: LdapRefusal };

export interface LdapDirectoryOptions {
  /** TCP (and TLS handshake) connect timeout, and each operation's. */
  readonly timeoutMs?: number;
  /** Whether to look up the user's groups (only needed with an allow-list). */
  readonly readGroups: boolean;
}

const DEFAULT_TIMEOUT_MS = 5_000;

export class LdapDirectory {
  private readonly settings: LdapSettings;
  private readonly attributes: LdapAttributeMap;
  private readonly ca: string | undefined;
  private readonly timeoutMs: number;
  private readonly readGroups: boolean;

  /** `ca`: the PEM text of LDAP_TLS_CA_CERT_PATH, read once at start; undefined: the system's CAs. */
  constructor(
    settings: LdapSettings,
    attributes: LdapAttributeMap,
    ca: string | undefined,
    options: LdapDirectoryOptions,
  ) {
    this.settings = settings;
    this.attributes = attributes;
    this.ca = ca;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.readGroups = options.readGroups;
  }

  /** Checks `username`/`password` against the directory. `password` must not be empty (callers refuse it). */
  async authenticate(username: string, password: string): Promise<LdapOutcome> {
    if (password === "") throw new Error("an empty password would make an unauthenticated bind");
    const url = new URL(this.settings.address);
    const secure = url.protocol === "ldaps:";
    const tlsOptions = this.tlsOptions(url.hostname);
    const client = new Client({
      url: `${url.protocol}//${url.host}`,
      timeout: this.timeoutMs,
      connectTimeout: this.timeoutMs,
      ...(secure ? { tlsOptions } : {}),
    });
    // The StartTLS handshake has no timeout of its own: bound the whole conversation.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${3 * this.timeoutMs} ms`)),
        3 * this.timeoutMs,
      );
    });
    try {
      return await Promise.race([this.converse(client, secure, tlsOptions, username, password), deadline]);
    } catch (error) {
      if (error instanceof AppError) throw error;
      console.error(`LDAP sign-in: ${this.settings.address}: ${describe(error)}`);
      throw new AppError(
        "UNAVAILABLE",
        "The LDAP directory cannot be reached or did not answer; try again shortly.",
      );
    } finally {
      clearTimeout(timer);
      await client.unbind().catch(() => undefined);
    }
  }

  private tlsOptions(hostname: string): ConnectionOptions {
    const host = hostname.replace(/^\[|\]$/g, "");
    return {
      host,
      // SNI takes host names only; the certificate is checked against `host` either way.
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(this.ca === undefined ? {} : { ca: this.ca }),
      minVersion: "TLSv1.2",
    };
  }

  private async converse(
    client: Client,
    secure: boolean,
    tlsOptions: ConnectionOptions,
    username: string,
    password: string,
  ): Promise<LdapOutcome> {
    if (!secure && this.settings.tls) await client.startTLS(tlsOptions);
    if (this.settings.bindDn !== undefined) {
      try {
        await client.bind(this.settings.bindDn, this.settings.bindPassword ?? "");
      } catch (error) {
        // The service account's credentials are configuration: an operator's fault, not the user's.
        if (error instanceof ResultCodeError)
          throw new Error(`bind as LDAP_BIND_DN refused: ${describe(error)}`);
        throw error;
      }
    }
    const found = await this.findUser(client, username);
    if (!found.ok) return found;
    const entry = found.entry;
    const groups = this.readGroups ? await this.groupsOf(client, entry) : [];
    try {
      await client.bind(entry.dn, password);
    } catch (error) {
      if (error instanceof InvalidCredentialsError) return { ok: false, reason: "wrong_password" };
      throw error;
    }
    const uuid = first(entry, "entryUUID");
    return {
      ok: true,
      user: {
        dn: entry.dn,
        subject: uuid?.toLowerCase() ?? normalizeDn(entry.dn) ?? entry.dn.toLowerCase(),
        username: first(entry, this.attributes.username) ?? username,
        email: first(entry, this.attributes.email),
        groups,
      },
    };
  }

  private async findUser(
    client: Client,
    username: string,
  ): Promise<{ ok: true; entry: Entry } | { ok: false; reason: LdapRefusal }> {
    try {
      const { searchEntries } = await client.search(this.settings.baseDn, {
        scope: "sub",
        filter: `(${this.attributes.username}=${escapeFilterValue(username)})`,
        attributes: [
          this.attributes.username,
          this.attributes.email,
          this.attributes.group,
          "gidNumber",
          "entryUUID",
        ],
        sizeLimit: 2,
        timeLimit: Math.ceil(this.timeoutMs / 1000),
      });
      const [entry, ...others] = searchEntries;
      if (entry === undefined) return { ok: false, reason: "unknown_user" };
      if (others.length > 0) return { ok: false, reason: "ambiguous_user" };
      return { ok: true, entry };
    } catch (error) {
      if (error instanceof SizeLimitExceededError) return { ok: false, reason: "ambiguous_user" };
      throw error;
    }
  }

  /**
   * The user's groups: those its group attribute names (memberOf DNs, a gidNumber), and those under
   * the base DN that list it: groupOfNames (member), groupOfUniqueNames (uniqueMember), posixGroup
   * (memberUid, or the gidNumber of the user's primary group).
   */
  private async groupsOf(client: Client, entry: Entry): Promise<LdapGroup[]> {
    const groups = all(entry, this.attributes.group).map(groupFromAttributeValue);
    const dn = escapeFilterValue(entry.dn);
    const uid = first(entry, this.attributes.username);
    const numbers = [...all(entry, this.attributes.group), ...all(entry, "gidNumber")].filter((v) =>
      /^\d+$/.test(v),
    );
    const filter = [
      `(&(objectClass=groupOfNames)(member=${dn}))`,
      `(&(objectClass=groupOfUniqueNames)(uniqueMember=${dn}))`,
      ...(uid === undefined ? [] : [`(&(objectClass=posixGroup)(memberUid=${escapeFilterValue(uid)}))`]),
      ...[...new Set(numbers)].map((n) => `(&(objectClass=posixGroup)(gidNumber=${escapeFilterValue(n)}))`),
    ].join("");
    const { searchEntries } = await client.search(this.settings.baseDn, {
      scope: "sub",
      filter: `(|${filter})`,
      attributes: ["cn", "gidNumber"],
      sizeLimit: 1000,
      timeLimit: Math.ceil(this.timeoutMs / 1000),
    });
    for (const group of searchEntries) {
      groups.push({ dn: group.dn, names: [...all(group, "cn"), ...all(group, "gidNumber")] });
    }
    return groups;
  }
}

/** An attribute's values as text, whatever case the server spelled its name in. */
function all(entry: Entry, attribute: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  if (key === undefined || key === "dn") return [];
  const value = entry[key];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.map((v) => (typeof v === "string" ? v : v.toString("utf8"))).filter((v) => v !== "");
}

function first(entry: Entry, attribute: string): string | undefined {
  return all(entry, attribute)[0];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
