/**
 * The pure parts of LDAP sign-in (docs/auth.md, "LDAP"): the LDAP_ATTRIBUTES mapping, escaping of
 * filter values (RFC 4515) and DN values (RFC 4514), DN normalisation, and the group allow-list
 * match. The directory conversation itself is in ldap-directory.ts.
 */

/** Which attribute of a user's entry holds what. */
export interface LdapAttributeMap {
  /** The attribute the sign-in name is looked up by: `uid` (OpenLDAP), `sAMAccountName` (Active Directory). */
  readonly username: string;
  /** The user's email address. */
  readonly email: string;
  /**
   * The attribute of the user's entry that names its groups: `memberOf` (group DNs) or, as W&B's
   * documentation shows, `gidNumber` (the POSIX primary group's number).
   */
  readonly group: string;
}

export const DEFAULT_LDAP_ATTRIBUTES: LdapAttributeMap = {
  username: "uid",
  email: "mail",
  group: "memberOf",
};

const KEYS = ["email", "group", "username"] as const;
/** An attribute description: a name (RFC 4512 `descr`) or an OID. */
const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

/**
 * Parses LDAP_ATTRIBUTES, W&B's `key=attribute` pairs separated by commas (its documentation's
 * example: `email=mail,group=gidNumber`). Keys left out keep their defaults.
 */
export function parseLdapAttributes(
  text: string | undefined,
): { readonly value: LdapAttributeMap } | { readonly problem: string } {
  const map: Record<(typeof KEYS)[number], string> = { ...DEFAULT_LDAP_ATTRIBUTES };
  for (const pair of (text ?? "").split(",")) {
    if (pair.trim() === "") continue;
    const [rawKey = "", rawAttribute, ...rest] = pair.split("=");
    const key = KEYS.find((known) => known === rawKey.trim().toLowerCase());
    const attribute = rawAttribute?.trim() ?? "";
    if (key === undefined || rest.length > 0 || !ATTRIBUTE.test(attribute)) {
      return {
        problem: `LDAP_ATTRIBUTES must be key=attribute pairs separated by commas, the keys being ${KEYS.join(", ")} (got "${pair.trim()}"); e.g. email=mail,group=memberOf`,
      };
    }
    map[key] = attribute;
  }
  return { value: map };
}

/** Escapes a value for an LDAP search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** Escapes an attribute value for a DN (RFC 4514 §2.4). */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=\0]/g, (c) => (c === "\0" ? "\\00" : `\\${c}`))
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, "\\ ");
}

/** One `type=value` component of a DN, the value unescaped. */
export interface Rdn {
  readonly type: string;
  readonly value: string;
}

/**
 * Splits a DN into its components (RFC 4514), undoing `\c` and `\hh` escapes. Multi-valued RDNs
 * (`a=1+b=2`) are kept as one component whose value holds the rest. Undefined when it is no DN.
 */
export function parseDn(dn: string): Rdn[] | undefined {
  const rdns: Rdn[] = [];
  let type = "";
  let bytes: number[] = [];
  /** How many of `bytes` end with an escaped one: spaces after it are kept, later ones dropped. */
  let kept = 0;
  let inValue = false;
  const encoder = new TextEncoder();
  const finish = (): boolean => {
    const t = type.trim();
    if (!inValue || !ATTRIBUTE.test(t)) return false;
    let end = bytes.length;
    while (end > kept && bytes[end - 1] === 0x20) end--;
    rdns.push({
      type: t.toLowerCase(),
      value: new TextDecoder().decode(new Uint8Array(bytes.slice(0, end))),
    });
    type = "";
    bytes = [];
    kept = 0;
    inValue = false;
    return true;
  };
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i] ?? "";
    if (!inValue) {
      if (c === "=") inValue = true;
      else if (c === "," || c === "\\") return undefined;
      else type += c;
      continue;
    }
    if (c === "\\") {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(Number.parseInt(hex, 16));
        i += 2;
      } else if (i + 1 < dn.length) {
        bytes.push(...encoder.encode(dn[i + 1] ?? ""));
        i += 1;
      } else {
        return undefined;
      }
      kept = bytes.length;
    } else if (c === "," || c === ";") {
      if (!finish()) return undefined;
    } else if (!(c === " " && bytes.length === 0)) {
      // Unescaped spaces around the value are not part of it (RFC 4514 §2.4).
      bytes.push(...encoder.encode(c));
    }
  }
  if (!finish()) return undefined;
  return rdns;
}

/**
 * A DN in one spelling for comparison: types and values lower-cased (DN attributes such as cn, ou,
 * dc and uid compare case-insensitively), spaces around separators dropped, values re-escaped.
 */
export function normalizeDn(dn: string): string | undefined {
  return parseDn(dn)
    ?.map((rdn) => `${rdn.type}=${escapeDnValue(rdn.value.toLowerCase())}`)
    .join(",");
}

/** Looks like a DN: `type=value` components. */
const isDnLike = (text: string): boolean => text.includes("=") && parseDn(text) !== undefined;

/**
 * Rebuilds LDAP_GROUP_ALLOW_LIST's entries, which the configuration split at every comma, so full
 * DNs (which contain commas) survive: consecutive `type=value` pieces are joined until they end
 * with the base DN (where the groups live). Each entry is a group's name (its CN, or the number of a
 * POSIX group) or its full DN.
 */
export function joinAllowList(pieces: readonly string[], baseDn: string): string[] {
  const base = normalizeDn(baseDn);
  const entries: string[] = [];
  let pending: string[] = [];
  const flush = () => {
    if (pending.length > 0) entries.push(pending.join(","));
    pending = [];
  };
  for (const piece of pieces.map((p) => p.trim()).filter(Boolean)) {
    if (!piece.includes("=")) {
      flush();
      entries.push(piece);
      continue;
    }
    pending.push(piece);
    const joined = normalizeDn(pending.join(","));
    if (base !== undefined && joined !== undefined && (joined === base || joined.endsWith(`,${base}`)))
      flush();
  }
  flush();
  return entries;
}

/** A group the user is in: its DN when known, and the names it goes by (CN, gidNumber). */
export interface LdapGroup {
  readonly dn?: string;
  readonly names: readonly string[];
}

/**
 * Groups named by a user entry's group attribute: a DN value (memberOf) is known by its DN and
 * its first component's value (the CN); any other value (a gidNumber) by itself.
 */
export function groupFromAttributeValue(value: string): LdapGroup {
  const rdns = isDnLike(value) ? parseDn(value) : undefined;
  const first = rdns?.[0];
  if (rdns && first) return { dn: value, names: [first.value] };
  return { names: [value] };
}

/**
 * The allow-list entry that admits a user in `groups`, or undefined. An entry matches a group by
 * its full DN or by one of its names (the CN, or a POSIX group's number), case-insensitively.
 */
export function allowedGroup(allowList: readonly string[], groups: readonly LdapGroup[]): string | undefined {
  const dns = new Set(groups.flatMap((g) => (g.dn === undefined ? [] : [normalizeDn(g.dn)])));
  const names = new Set(groups.flatMap((g) => g.names.map((n) => n.trim().toLowerCase())));
  return allowList.find((entry) => {
    if (isDnLike(entry)) return dns.has(normalizeDn(entry));
    return names.has(entry.trim().toLowerCase());
  });
}
