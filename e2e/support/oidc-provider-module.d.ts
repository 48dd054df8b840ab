/**
 * The part of `oidc-provider` (panva/node-oidc-provider, a certified OpenID provider; a root
 * devDependency) that e2e/support/oidc-provider.ts uses. The package ships no type declarations.
 */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  export interface Account {
    readonly accountId: string;
    claims(use: string, scope: string): Promise<Record<string, unknown>>;
  }

  export interface ClientMetadata {
    readonly client_id: string;
    readonly client_secret?: string;
    readonly redirect_uris: readonly string[];
    readonly grant_types?: readonly string[];
    readonly response_types?: readonly string[];
    readonly token_endpoint_auth_method?: string;
  }

  export interface Configuration {
    readonly clients?: readonly ClientMetadata[];
    readonly findAccount?: (ctx: unknown, id: string) => Promise<Account | undefined>;
    readonly claims?: Readonly<Record<string, readonly string[]>>;
    readonly features?: Readonly<Record<string, { readonly enabled: boolean }>>;
    readonly pkce?: { readonly required?: () => boolean };
    readonly cookies?: { readonly keys?: readonly string[] };
  }

  export class Provider {
    constructor(issuer: string, configuration?: Configuration);
    /** Koa's request listener. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export default Provider;
}
