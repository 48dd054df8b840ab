import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseIdentity } from "./identity-config.ts";

describe("identity settings (OIDC_*, LDAP_*, SMTP_*, BALLAST_CONSOLE_*)", () => {
  it("reads what the chart renders from global.auth.oidc, global.ldap and global.email.smtp", () => {
    const parsed = parseIdentity({
      OIDC_ISSUER: "https://id.example.com/",
      OIDC_CLIENT_ID: "ballast",
      OIDC_SECRET: "s3cret",
      LDAP_ADDRESS: "ldaps://ldap.example.com:636",
      LDAP_BASE_DN: "dc=example,dc=com",
      LDAP_GROUP_ALLOW_LIST: "ml, admins",
      LDAP_TLS_ENABLE: "false",
      SMTP_HOST: "smtp.example.com",
      SMTP_PORT: "2525",
      BALLAST_CONSOLE_PASSWORD: "a-long-console-password",
      BALLAST_CONSOLE_RESOURCE: "default/wandb",
      KUBERNETES_SERVICE_HOST: "10.96.0.1",
    });
    assert.ok(parsed.value);
    assert.deepEqual(parsed.value.oidc, {
      issuer: "https://id.example.com",
      clientId: "ballast",
      clientSecret: "s3cret",
      authMethod: undefined,
      allowedDomains: [],
    });
    assert.deepEqual(parsed.value.ldap?.groupAllowList, ["ml", "admins"]);
    assert.equal(parsed.value.ldap?.tls, true, "ldaps:// means TLS");
    assert.equal(parsed.value.smtp?.port, 2525);
    assert.deepEqual(parsed.value.console.resource, { namespace: "default", name: "wandb" });
  });

  it("lists every problem with its fix", () => {
    const parsed = parseIdentity({
      OIDC_CLIENT_ID: "ballast",
      LDAP_ADDRESS: "ldap.example.com",
      LDAP_ATTRIBUTES: "email=mail,phone=telephoneNumber",
      SMTP_HOST: "smtp",
      SMTP_PORT: "smtp",
      BALLAST_CONSOLE_RESOURCE: "wandb",
      BALLAST_CONSOLE_PASSWORD: "short",
    });
    const text = (parsed.problems ?? []).join("\n");
    for (const expected of [
      /OIDC_ISSUER and OIDC_CLIENT_ID go together/,
      /LDAP_ADDRESS must start with ldap:\/\//,
      /LDAP_BASE_DN is required/,
      /LDAP_ATTRIBUTES must be key=attribute pairs/,
      /SMTP_PORT must be a port/,
      /BALLAST_CONSOLE_RESOURCE must be namespace\/name/,
      /at least 12 characters/,
    ]) {
      assert.match(text, expected);
    }
  });

  it("reads OIDC_AUTH_METHOD and BALLAST_OIDC_ALLOWED_DOMAINS", () => {
    const oidc = parseIdentity({
      OIDC_ISSUER: "https://id.example.com",
      OIDC_CLIENT_ID: "ballast",
      OIDC_AUTH_METHOD: "implicit",
      BALLAST_OIDC_ALLOWED_DOMAINS: " Example.COM, @example.org ,,",
    }).value?.oidc;
    assert.equal(oidc?.authMethod, "implicit");
    assert.equal(oidc?.clientSecret, undefined, "a public client");
    assert.deepEqual(oidc?.allowedDomains, ["example.com", "example.org"]);
    const text = (
      parseIdentity({
        OIDC_ISSUER: "https://id.example.com",
        OIDC_CLIENT_ID: "ballast",
        OIDC_AUTH_METHOD: "magic",
        BALLAST_OIDC_ALLOWED_DOMAINS: "example.com,bad domain",
      }).problems ?? []
    ).join("\n");
    assert.match(text, /OIDC_AUTH_METHOD must be one of pkce, implicit/);
    assert.match(text, /BALLAST_OIDC_ALLOWED_DOMAINS must be email domains .*"bad domain"/);
    assert.match(
      parseIdentity({ BALLAST_OIDC_ALLOWED_DOMAINS: "example.com" }).problems?.join("\n") ?? "",
      /needs OIDC_ISSUER and OIDC_CLIENT_ID/,
    );
  });

  it("is empty when nothing is set", () => {
    assert.deepEqual(parseIdentity({}).value, {
      oidc: undefined,
      ldap: undefined,
      smtp: undefined,
      console: {
        password: undefined,
        resource: undefined,
        kubernetes: {
          KUBECONFIG: undefined,
          KUBERNETES_SERVICE_HOST: undefined,
          KUBERNETES_SERVICE_PORT: undefined,
        },
      },
    });
  });

  it("needs a way to the Kubernetes API when the operator names the resource", () => {
    assert.match(
      parseIdentity({ BALLAST_CONSOLE_RESOURCE: "default/wandb" }).problems?.join("\n") ?? "",
      /needs the Kubernetes API/,
    );
    assert.deepEqual(
      parseIdentity({ BALLAST_CONSOLE_RESOURCE: "default/wandb", KUBECONFIG: "/k" }).value?.console.resource,
      {
        namespace: "default",
        name: "wandb",
      },
    );
  });
});
