import type { ServerConfig } from "../config.ts";
import type { AuditRepository } from "../stores/audit-repository.ts";
import type { Cache } from "../stores/cache/cache.ts";
import type { EmailTokenRepository } from "../stores/email-token-repository.ts";
import type { JobRepository } from "../stores/job-repository.ts";
import type { ObjectStore } from "../stores/objects/object-store.ts";
import type {
  ArtifactRepository,
  IdentityRepository,
  RunReadRepository,
  RunRepository,
} from "../stores/repositories.ts";
import type { SweepRepository } from "../stores/sweep-repository.ts";
import type { TeamRepository } from "../stores/team-repository.ts";
import { AccessService } from "./access/access.service.ts";
import type { SystemAdmin } from "./admin/system-admin.ts";
import { ArtifactService } from "./artifacts/artifact.service.ts";
import { AuditService } from "./audit/audit.service.ts";
import { AuditExporter } from "./audit/audit-export.ts";
import { AuthService } from "./auth/auth.service.ts";
import { LdapSignIn } from "./auth/ldap-sign-in.ts";
import { OidcClient } from "./auth/oidc.ts";
import { IdentityService } from "./identity/identity.service.ts";
import type { InvitationService } from "./mail/invitation.service.ts";
import { createMailServices } from "./mail/mail-services.ts";
import type { PasswordResetService } from "./mail/password-reset.service.ts";
import { RunService } from "./runs/run.service.ts";
import { RunReadService } from "./runs/run-read.service.ts";
import { UploadConfirmer } from "./storage/upload-confirmer.ts";
import { objectStored } from "./storage/uploads.ts";
import { SweepService } from "./sweeps/sweep.service.ts";
import { TeamService } from "./teams/team.service.ts";

/** The stores the domain depends on, each behind its contract (stores/repositories.ts, object-store.ts). */
export interface Stores {
  readonly identity: IdentityRepository;
  /** Teams, members, service accounts, sign-in identities. */
  readonly teams: TeamRepository;
  readonly runs: RunRepository;
  readonly runReads: RunReadRepository;
  readonly artifacts: ArtifactRepository;
  readonly sweeps: SweepRepository;
  readonly objects: ObjectStore;
  /** The internal queue (background jobs) and dead letters. */
  readonly jobs: JobRepository;
  /** The audit log (append-only). */
  readonly audit: AuditRepository;
  /** Emailed links: invitations and password resets. */
  readonly emailTokens: EmailTokenRepository;
  /**
   * Hot reads (API-key look-ups, chart series), in process or in Redis; never the only copy, and a
   * miss whenever it cannot answer. Absent: nothing is cached (tools and tests).
   */
  readonly cache?: Cache;
}

export interface Services {
  readonly config: ServerConfig;
  readonly stores: Stores;
  readonly identity: IdentityService;
  readonly auth: AuthService;
  readonly access: AccessService;
  readonly runs: RunService;
  readonly runReads: RunReadService;
  readonly artifacts: ArtifactService;
  readonly sweeps: SweepService;
  /** Teams, members, roles, service accounts (docs/teams.md). */
  readonly teams: TeamService;
  /** Records uploads made straight to the bucket (start() runs its worker). */
  readonly uploads: UploadConfirmer;
  /** Records security-relevant actions; awaited by each (docs/auth.md "Audit log"). */
  readonly audit: AuditService;
  /** Writes the audit log to the bucket (start() runs it every BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS). */
  readonly auditExport: AuditExporter;
  /** OIDC single sign-on (domain/auth/oidc.ts); undefined unless OIDC_ISSUER and OIDC_CLIENT_ID are set. */
  readonly oidc: OidcClient | undefined;
  /** Password sign-in with an LDAP directory (domain/auth/ldap-sign-in.ts); undefined unless LDAP_ADDRESS is set. */
  readonly ldapSignIn: LdapSignIn | undefined;
  /** `/system-admin`: the instance overview and the file storage settings (absent in tools and tests). */
  readonly system: SystemAdmin | undefined;
  /** Invitations to the instance or a team, sent by email (docs/auth.md). */
  readonly invitations: InvitationService;
  /** Password resets by email. */
  readonly passwordResets: PasswordResetService;
}

export interface ServiceOptions {
  /** Whether signed uploads get look-up jobs (the internal queue); default: BUCKET_QUEUE is internal. */
  readonly pollSignedUploads?: () => boolean;
  readonly system?: SystemAdmin;
  /** Where emailed links point when HOST is not set: the address the server listens on. */
  readonly publicUrl?: string;
}

export function createServices(config: ServerConfig, given: Stores, options: ServiceOptions = {}): Services {
  // `services` is assigned below; the confirmer only records once the server handles requests.
  let services: Services | undefined;
  const uploads = new UploadConfirmer({
    objects: given.objects,
    jobs: given.jobs,
    record: async (key, stored) => {
      if (services) await objectStored(services, key, stored);
    },
    pollSignedUploads: options.pollSignedUploads ?? (() => config.queue.kind === "internal"),
    log: (line) => console.error(line),
  });
  const stores: Stores = { ...given, objects: uploads.watching() };
  const identity = new IdentityService(stores);
  const auth = new AuthService(stores, { sessionLengthHours: config.sessionLengthHours });
  const access = new AccessService(stores);
  const runs = new RunService(config, stores, access, uploads);
  const runReads = new RunReadService(config, stores, access);
  const artifacts = new ArtifactService(config, stores, access);
  const sweeps = new SweepService(stores, access);
  const audit = new AuditService(stores.audit);
  const auditExport = new AuditExporter({
    audit: stores.audit,
    identity: stores.identity,
    objects: () => stores.objects,
  });
  const teams = new TeamService(stores, access, identity, audit);
  const { invitations, passwordResets } = createMailServices(config, stores, {
    identity,
    auth,
    teams,
    audit,
    publicUrl: config.publicUrl ?? options.publicUrl ?? `http://localhost:${config.port}`,
  });
  services = {
    config,
    stores,
    identity,
    auth,
    access,
    runs,
    runReads,
    artifacts,
    sweeps,
    uploads,
    audit,
    auditExport,
    teams,
    oidc: config.identity.oidc ? new OidcClient(config.identity.oidc) : undefined,
    ldapSignIn:
      config.identity.ldap &&
      new LdapSignIn(config.identity.ldap, { auth, identity, users: stores.identity, audit }),
    system: options.system,
    invitations,
    passwordResets,
  };
  return services;
}
