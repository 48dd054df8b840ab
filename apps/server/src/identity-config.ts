/**
 * Settings for sign-in beyond passwords and for the management console, in the names Ballast's
 * chart renders from W&B's values (`global.auth.oidc`, `global.ldap`, `global.email.smtp`;
 * reference/deployment-spec.md §3.5): OIDC_*, LDAP_*, SMTP_*, and BALLAST_CONSOLE_*. They are
 * parsed and checked here so a wrong value stops the server at start with its fix.
 */
import type { Parsed } from "./backend-config.ts";
import { parseLdapAttributes } from "./domain/auth/ldap.ts";

export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /**
   * OIDC_AUTH_METHOD as W&B's chart passes it: `pkce` or `implicit` (both served with the
   * authorization code flow and PKCE), or `client_secret_basic` / `client_secret_post` to choose how
   * the secret is sent to the token endpoint.
   */
  readonly authMethod: OidcAuthMethod | undefined;
  /**
   * BALLAST_OIDC_ALLOWED_DOMAINS: lower-case email domains whose users may sign in (an exact match
   * of the part after `@`); empty means any.
   */
  readonly allowedDomains: readonly string[];
}

export const OIDC_AUTH_METHODS = ["pkce", "implicit", "client_secret_basic", "client_secret_post"] as const;
export type OidcAuthMethod = (typeof OIDC_AUTH_METHODS)[number];

export interface LdapSettings {
  readonly address: string;
  readonly baseDn: string;
  readonly bindDn: string | undefined;
  readonly bindPassword: string | undefined;
  readonly attributes: string | undefined;
  readonly groupAllowList: readonly string[];
  readonly tls: boolean;
  readonly caCertPath: string | undefined;
}

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly from: string | undefined;
}

export interface ConsoleSettings {
  /** BALLAST_CONSOLE_PASSWORD: the `<release>-password` Secret's password, for /console sign-in. */
  readonly password: string | undefined;
  /** BALLAST_CONSOLE_RESOURCE: `namespace/name` of the WeightsAndBiases resource when run by the operator. */
  readonly resource: { readonly namespace: string; readonly name: string } | undefined;
  /**
   * Where the Kubernetes API is: KUBECONFIG, or the pod's service account (KUBERNETES_SERVICE_HOST
   * and _PORT, set by the kubelet). Used only with a resource.
   */
  readonly kubernetes: Readonly<
    Record<"KUBECONFIG" | "KUBERNETES_SERVICE_HOST" | "KUBERNETES_SERVICE_PORT", string | undefined>
  >;
}

export interface IdentitySettings {
  readonly oidc: OidcSettings | undefined;
  readonly ldap: LdapSettings | undefined;
  readonly smtp: SmtpSettings | undefined;
  readonly console: ConsoleSettings;
}

type Env = Readonly<Record<string, string | undefined>>;
const set = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

export function parseIdentity(env: Env): Parsed<IdentitySettings> {
  const problems: string[] = [];

  let oidc: OidcSettings | undefined;
  const issuer = set(env.OIDC_ISSUER);
  const clientId = set(env.OIDC_CLIENT_ID);
  if (issuer || clientId) {
    if (!issuer || !clientId) {
      problems.push(
        "OIDC_ISSUER and OIDC_CLIENT_ID go together (global.auth.oidc.issuer and .clientId); set both or neither",
      );
    } else if (!/^https?:\/\/[^/?#]+/.test(issuer)) {
      problems.push(
        `OIDC_ISSUER must be the provider's URL, e.g. https://accounts.google.com (got "${issuer}")`,
      );
    } else {
      const method = set(env.OIDC_AUTH_METHOD);
      const authMethod = OIDC_AUTH_METHODS.find((known) => known === method);
      if (method !== undefined && authMethod === undefined) {
        problems.push(
          `OIDC_AUTH_METHOD must be one of ${OIDC_AUTH_METHODS.join(", ")} or empty (got "${method}"); pkce is W&B's usual value`,
        );
      }
      const allowedDomains = (set(env.BALLAST_OIDC_ALLOWED_DOMAINS) ?? "")
        .split(",")
        .map((domain) => domain.trim().toLowerCase().replace(/^@/, ""))
        .filter(Boolean);
      for (const domain of allowedDomains) {
        if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(domain)) {
          problems.push(
            `BALLAST_OIDC_ALLOWED_DOMAINS must be email domains separated by commas, e.g. example.com,example.org (got "${domain}")`,
          );
        }
      }
      oidc = {
        issuer: issuer.replace(/\/+$/, ""),
        clientId,
        clientSecret: set(env.OIDC_SECRET),
        authMethod,
        allowedDomains,
      };
    }
  } else if (set(env.BALLAST_OIDC_ALLOWED_DOMAINS)) {
    problems.push(
      "BALLAST_OIDC_ALLOWED_DOMAINS needs OIDC_ISSUER and OIDC_CLIENT_ID (single sign-on is off)",
    );
  }

  let ldap: LdapSettings | undefined;
  const address = set(env.LDAP_ADDRESS);
  if (address) {
    if (!/^ldaps?:\/\/[^/?#]+/.test(address)) {
      problems.push(
        `LDAP_ADDRESS must start with ldap:// or ldaps:// (got "${address}"); e.g. ldaps://ldap.example.com:636`,
      );
    }
    const baseDn = set(env.LDAP_BASE_DN);
    if (!baseDn)
      problems.push(
        "LDAP_BASE_DN is required with LDAP_ADDRESS (global.ldap.baseDN), e.g. dc=example,dc=com",
      );
    const tlsText = set(env.LDAP_TLS_ENABLE) ?? "false";
    if (tlsText !== "true" && tlsText !== "false")
      problems.push(`LDAP_TLS_ENABLE must be true or false (got "${tlsText}")`);
    const attributes = parseLdapAttributes(set(env.LDAP_ATTRIBUTES));
    if ("problem" in attributes) problems.push(attributes.problem);
    ldap = {
      address,
      baseDn: baseDn ?? "",
      bindDn: set(env.LDAP_BIND_DN),
      // Taken literally: a password may begin or end with spaces.
      bindPassword: env.LDAP_BIND_PW || undefined,
      attributes: set(env.LDAP_ATTRIBUTES),
      groupAllowList: (set(env.LDAP_GROUP_ALLOW_LIST) ?? "")
        .split(",")
        .map((g) => g.trim())
        .filter(Boolean),
      tls: tlsText === "true" || address.startsWith("ldaps://"),
      caCertPath: set(env.LDAP_TLS_CA_CERT_PATH),
    };
  }

  let smtp: SmtpSettings | undefined;
  const smtpHost = set(env.SMTP_HOST);
  if (smtpHost) {
    const portText = set(env.SMTP_PORT) ?? "587";
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      problems.push(`SMTP_PORT must be a port number (got "${portText}"); e.g. 587`);
    }
    smtp = {
      host: smtpHost,
      port,
      user: set(env.SMTP_USER),
      password: env.SMTP_PASSWORD || undefined,
      from: set(env.SMTP_FROM),
    };
  }

  let resource: ConsoleSettings["resource"];
  const resourceText = set(env.BALLAST_CONSOLE_RESOURCE);
  if (resourceText) {
    const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(resourceText);
    if (!match) {
      problems.push(
        `BALLAST_CONSOLE_RESOURCE must be namespace/name of the WeightsAndBiases resource (got "${resourceText}")`,
      );
    } else {
      resource = { namespace: match[1] ?? "", name: match[3] ?? "" };
    }
  }
  const password = env.BALLAST_CONSOLE_PASSWORD || undefined;
  if (password !== undefined && password.length < 12) {
    problems.push("BALLAST_CONSOLE_PASSWORD must be at least 12 characters (the chart generates 32)");
  }

  const kubernetes = {
    KUBECONFIG: set(env.KUBECONFIG),
    KUBERNETES_SERVICE_HOST: set(env.KUBERNETES_SERVICE_HOST),
    KUBERNETES_SERVICE_PORT: set(env.KUBERNETES_SERVICE_PORT),
  };
  if (resource && !kubernetes.KUBECONFIG && !kubernetes.KUBERNETES_SERVICE_HOST) {
    problems.push(
      "BALLAST_CONSOLE_RESOURCE needs the Kubernetes API: run in the cluster (the pod's service account) or set KUBECONFIG",
    );
  }
  if (problems.length > 0) return { problems };
  return { value: { oidc, ldap, smtp, console: { password, resource, kubernetes } } };
}
