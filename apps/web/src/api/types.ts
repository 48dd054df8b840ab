/** The shapes of Ballast's JSON API (`/api/v1`) that the web UI reads. */

export interface SessionUser {
  readonly id: number | string;
  readonly username: string;
  readonly email: string;
  readonly isAdmin: boolean;
}

/** `GET /api/v1/session`. */
export interface SessionState {
  readonly user: SessionUser | null;
  readonly csrfToken: string | null;
  readonly setupRequired: boolean;
  /** The ways to sign in this server offers (absent in sign-in answers, which need none). */
  readonly signIn?: SignInMethods;
}

/** `signIn` of `GET /api/v1/session`. */
export interface SignInMethods {
  readonly password: boolean;
  /** Single sign-on with the OpenID provider: `/oidc/login?next=<path>`. */
  readonly oidc: boolean;
}

/** `POST /api/v1/session` and `POST /api/v1/setup`. */
export interface SignedIn {
  readonly user: SessionUser;
  readonly csrfToken: string;
}

/** Times arrive as Unix milliseconds or ISO text; both are accepted by `new Date()`. */
export type Instant = number | string;

export interface ApiKeySummary {
  readonly id: number | string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: Instant;
  readonly lastUsedAt: Instant | null;
}

/** `POST /api/v1/api-keys`: the full key, shown once. */
export interface CreatedApiKey {
  readonly id: number | string;
  readonly name: string;
  readonly key: string;
}

export interface ProjectSummary {
  readonly entity: string;
  readonly name: string;
  readonly runCount: number;
  readonly updatedAt: Instant;
}

/** `/system-admin` (server: domain/admin/system-admin.ts). */
export type SettingSource = "environment" | "settings" | "default";

export interface StorageSettingsInput {
  readonly bucket: string;
  readonly region: string;
  readonly kmsKeyId: string;
  readonly queue: string;
}

export interface SystemOverview {
  readonly version: string;
  readonly license: { readonly present: boolean };
  readonly storage: {
    readonly kind: "local-disk" | "s3" | "azure" | "gcs";
    readonly bucket: string;
    readonly region: string;
    readonly kmsKeyId: string;
    readonly queue: string;
    readonly source: { readonly bucket: SettingSource; readonly queue: SettingSource };
    readonly editable: { readonly bucket: boolean; readonly queue: boolean };
    /** The bucket's CORS rules judged for this UI's origin; null with the local disk. */
    readonly cors:
      | { readonly status: "ok" }
      | { readonly status: "missing"; readonly problem: string; readonly fix: string }
      | { readonly status: "unknown"; readonly reason: string }
      | null;
  };
  readonly database: { readonly engine: "sqlite" | "mysql"; readonly label: string };
  readonly queue: {
    readonly kind: "internal" | "sqs";
    readonly jobs: { readonly total: number; readonly due: number };
    readonly deadLetters: number;
    readonly uploads: { readonly confirmed: number; readonly expired: number; readonly failed: number };
  };
  readonly users: number;
}

/** GET /api/v1/console (apps/server/src/domain/console/console.service.ts). */
export interface ConsoleView {
  readonly mode: "operator" | "standalone";
  readonly resource: {
    readonly namespace: string;
    readonly name: string;
    readonly phase: string | null;
    readonly version: string | null;
    readonly message: string | null;
    readonly generation: number;
    readonly observedGeneration: number | null;
    readonly conditions: readonly {
      readonly type: string;
      readonly status: string;
      readonly reason: string;
      readonly message: string;
      readonly lastTransitionTime: string;
    }[];
  } | null;
  readonly chart: unknown;
  readonly release: Readonly<Record<string, string>> | null;
  readonly values: Readonly<Record<string, unknown>>;
  readonly origins: Readonly<Record<string, string>>;
  readonly userValues: Readonly<Record<string, unknown>>;
  readonly pending: boolean;
}

/** `GET /api/v1/invitations/by-token/:token`: what an invitation link offers. */
export interface InvitationPreview {
  readonly email: string;
  /** The team invited to; null for the instance alone. */
  readonly team: string | null;
  readonly role: string;
  readonly inviter: string | null;
  readonly expiresAt: Instant;
}
