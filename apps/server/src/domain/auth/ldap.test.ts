import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allowedGroup,
  DEFAULT_LDAP_ATTRIBUTES,
  escapeDnValue,
  escapeFilterValue,
  groupFromAttributeValue,
  joinAllowList,
  normalizeDn,
  parseDn,
  parseLdapAttributes,
} from "./ldap.ts";

describe("parseLdapAttributes", () => {
  it("defaults to uid, mail and memberOf", () => {
    assert.deepEqual(parseLdapAttributes(undefined), { value: DEFAULT_LDAP_ATTRIBUTES });
    assert.deepEqual(parseLdapAttributes(""), {
      value: { username: "uid", email: "mail", group: "memberOf" },
    });
  });

  it("reads W&B's key=attribute pairs, keeping defaults for keys left out", () => {
    assert.deepEqual(parseLdapAttributes("email=mail,group=gidNumber"), {
      value: { username: "uid", email: "mail", group: "gidNumber" },
    });
    assert.deepEqual(parseLdapAttributes(" Username = sAMAccountName , email=userPrincipalName ,"), {
      value: { username: "sAMAccountName", email: "userPrincipalName", group: "memberOf" },
    });
    assert.deepEqual(parseLdapAttributes("group=1.2.840.113556.1.4.1941"), {
      value: { ...DEFAULT_LDAP_ATTRIBUTES, group: "1.2.840.113556.1.4.1941" },
    });
  });

  it("refuses unknown keys and malformed attribute names with the expected form", () => {
    for (const bad of [
      "mail",
      "phone=telephoneNumber",
      "email=",
      "email=ma il",
      "email=mail=x",
      "email=(mail)",
    ]) {
      const parsed = parseLdapAttributes(bad);
      assert.ok("problem" in parsed, bad);
      assert.match(parsed.problem, /LDAP_ATTRIBUTES must be key=attribute pairs.*email=mail/);
    }
  });
});

describe("escapeFilterValue (RFC 4515)", () => {
  it("escapes the filter's special characters as \\hh", () => {
    assert.equal(escapeFilterValue("*"), "\\2a");
    assert.equal(escapeFilterValue("admin)(uid=*"), "admin\\29\\28uid=\\2a");
    assert.equal(escapeFilterValue("a\\b\0c"), "a\\5cb\\00c");
    assert.equal(escapeFilterValue("ådå.lovelace"), "ådå.lovelace");
  });
});

describe("escapeDnValue (RFC 4514)", () => {
  it("escapes separators, quotes and leading or trailing specials", () => {
    assert.equal(escapeDnValue("Lovelace, Ada"), "Lovelace\\, Ada");
    assert.equal(escapeDnValue('a+b"c<d>e;f=g\\h'), 'a\\+b\\"c\\<d\\>e\\;f\\=g\\\\h');
    assert.equal(escapeDnValue("#1 "), "\\#1\\ ");
    assert.equal(escapeDnValue(" x"), "\\ x");
    assert.equal(escapeDnValue("nul\0"), "nul\\00");
  });

  it("round-trips through parseDn", () => {
    for (const value of [
      "Lovelace, Ada",
      "#hash",
      "trailing ",
      " leading",
      'q"u+o;t<e>',
      "back\\slash",
      "é",
    ]) {
      assert.deepEqual(parseDn(`cn=${escapeDnValue(value)},dc=example`)?.[0], { type: "cn", value });
    }
  });
});

describe("parseDn and normalizeDn", () => {
  it("splits components and undoes escapes", () => {
    assert.deepEqual(parseDn("CN=Lovelace\\, Ada , OU=People,dc=example"), [
      { type: "cn", value: "Lovelace, Ada" },
      { type: "ou", value: "People" },
      { type: "dc", value: "example" },
    ]);
    assert.deepEqual(parseDn("cn=caf\\C3\\A9,dc=x")?.[0], { type: "cn", value: "café" });
  });

  it("refuses what is no DN", () => {
    for (const bad of ["", "ml", "cn=a,", "=a", "cn=a,ou", "cn=a\\", "c n=a"])
      assert.equal(parseDn(bad), undefined, bad);
  });

  it("gives equal DNs one spelling", () => {
    assert.equal(
      normalizeDn("CN=ML Team, OU=Groups,DC=Example,DC=com"),
      "cn=ml team,ou=groups,dc=example,dc=com",
    );
    assert.equal(normalizeDn("cn=a\\2cb,dc=x"), normalizeDn("cn=A\\,B,dc=x"));
  });
});

describe("joinAllowList", () => {
  const base = "dc=example,dc=com";

  it("keeps names and rebuilds the DNs the comma split cut apart", () => {
    const pieces = "ml,cn=admins,ou=groups,dc=example,dc=com,5001,cn=ops,dc=Example,dc=com".split(",");
    assert.deepEqual(joinAllowList(pieces, base), [
      "ml",
      "cn=admins,ou=groups,dc=example,dc=com",
      "5001",
      "cn=ops,dc=Example,dc=com",
    ]);
  });

  it("keeps a DN outside the base DN whole when it comes last", () => {
    assert.deepEqual(joinAllowList(["research", "cn=x", "o=other"], base), ["research", "cn=x,o=other"]);
    assert.deepEqual(joinAllowList([], base), []);
  });
});

describe("allowedGroup", () => {
  const groups = [
    groupFromAttributeValue("cn=ML Team,ou=groups,dc=example,dc=com"),
    groupFromAttributeValue("5001"),
    { dn: "cn=research,ou=groups,dc=example,dc=com", names: ["research", "5002"] },
  ];

  it("matches a group by its CN, its number or its full DN, ignoring case", () => {
    assert.equal(allowedGroup(["ml team"], groups), "ml team");
    assert.equal(allowedGroup(["other", "5001"], groups), "5001");
    assert.equal(allowedGroup(["RESEARCH"], groups), "RESEARCH");
    assert.equal(
      allowedGroup(["CN=ml team, ou=Groups,dc=example,dc=com"], groups),
      "CN=ml team, ou=Groups,dc=example,dc=com",
    );
  });

  it("refuses a user in none of the groups", () => {
    assert.equal(
      allowedGroup(["admins", "cn=ML Team,ou=other,dc=example,dc=com", "5003"], groups),
      undefined,
    );
    assert.equal(allowedGroup(["ml team"], []), undefined);
    // A DN entry never matches by the CN alone, nor a name by a longer DN.
    assert.equal(allowedGroup(["cn=research,dc=example,dc=com"], groups), undefined);
    assert.equal(allowedGroup(["ml"], groups), undefined);
  });
});
