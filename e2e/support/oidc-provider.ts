/**
 * A real OpenID provider for the single sign-on tests: `oidc-provider` (a certified implementation)
 * in the test process, with an http issuer on 127.0.0.1, the given clients and accounts, and its
 * development login and consent pages (any password is accepted for a listed account). Its token
 * endpoint can be made to drop connections, to test Ballast while the provider is down.
 */
import { createServer } from "node:http";
import Provider, { type ClientMetadata } from "oidc-provider";

export interface OidcTestAccount {
  readonly email: string;
  readonly emailVerified?: boolean;
  readonly preferredUsername?: string;
}

export interface OidcTestProvider {
  /** `http://127.0.0.1:<port>`: OIDC_ISSUER. */
  readonly issuer: string;
  /** While true, the token endpoint drops every connection (the provider is down mid-sign-in). */
  setTokenEndpointDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startOidcProvider(options: {
  readonly port: number;
  readonly clients: readonly ClientMetadata[];
  /** Login name (typed on the provider's page) → the account's claims. */
  readonly accounts: Readonly<Record<string, OidcTestAccount>>;
}): Promise<OidcTestProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const provider = new Provider(issuer, {
    clients: options.clients,
    async findAccount(_ctx, id) {
      const account = options.accounts[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: account.email,
            email_verified: account.emailVerified ?? true,
            ...(account.preferredUsername ? { preferred_username: account.preferredUsername } : {}),
          };
        },
      };
    },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["preferred_username"],
    },
    features: { devInteractions: { enabled: true } },
    // PKCE for every client, confidential ones included, as Ballast always sends it.
    pkce: { required: () => true },
    cookies: { keys: ["ballast-e2e-oidc-cookie-key"] },
  });
  // Errors the provider answers to the browser are also worth seeing in the test output.
  provider.on("server_error", (_ctx, error) => console.error("[oidc-provider] server_error:", error));

  let tokenEndpointDown = false;
  const handler = provider.callback();
  const server = createServer((req, res) => {
    // "Down" for Ballast's code exchange only: the connection drops, as with a crashed provider.
    if (tokenEndpointDown && new URL(req.url ?? "/", issuer).pathname === "/token") {
      req.socket.destroy();
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  return {
    issuer,
    setTokenEndpointDown(down) {
      tokenEndpointDown = down;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
