/**
 * The metadata and metric store contracts the domain depends on. Each method is one atomic unit of
 * work (no transaction leaks out), so an implementation on another engine (MySQL) provides the
 * same methods with its own transactions. The embedded implementations live in `sqlite/`.
 */
import type {
  ApiKeyRecord,
  ArtifactCollectionRecord,
  ArtifactEntryRecord,
  ArtifactManifestRecord,
  ArtifactObjectRecord,
  ArtifactRecord,
  ArtifactTypeRecord,
  EntityRecord,
  FileStreamWrite,
  MemberRole,
  MultipartUploadRecord,
  ProjectRecord,
  RunFields,
  RunFileRecord,
  RunRecord,
  SessionRecord,
  UserRecord,
} from "./records.ts";
import type { RunCursor, RunField, RunFilter, RunGroup, RunQuery } from "./run-query.ts";

export interface IdentityRepository {
  countUsers(): Promise<number>;
  /** Creates the user, its personal entity (named like the user) and its admin membership. */
  createUser(input: { username: string; email: string; isAdmin: boolean; now: number }): Promise<UserRecord>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  insertApiKey(input: {
    userId: number;
    keyHash: string;
    keyPrefix: string;
    name: string;
    now: number;
  }): Promise<number>;
  /** The user owning an unrevoked key with this hash. */
  findUserByApiKeyHash(
    keyHash: string,
  ): Promise<{ user: UserRecord; keyId: number; lastUsedAt: number | null } | undefined>;
  touchApiKey(keyId: number, now: number): Promise<void>;
  findEntityByName(name: string): Promise<EntityRecord | undefined>;
  findEntityById(id: number): Promise<EntityRecord | undefined>;
  memberRole(entityId: number, userId: number): Promise<MemberRole | undefined>;
  entitiesOfUser(userId: number): Promise<EntityRecord[]>;
  findProject(entityId: number, name: string): Promise<ProjectRecord | undefined>;
  findProjectById(id: number): Promise<ProjectRecord | undefined>;
  getOrCreateProject(entityId: number, name: string, now: number): Promise<ProjectRecord>;
  getSetting(key: string): Promise<string | undefined>;
  /** Stores `value` unless the key already has one; returns whichever value is stored. */
  getOrInitSetting(key: string, value: string): Promise<string>;
  setSetting(key: string, value: string): Promise<void>;
  deleteSetting(key: string): Promise<void>;
  // Web sign-in (docs/auth.md).
  /** The user and its stored password hash (null when it has none). */
  findCredentials(username: string): Promise<{ user: UserRecord; passwordHash: string | null } | undefined>;
  anyUserHasPassword(): Promise<boolean>;
  /** Sets (or clears, with null) the password and ends every session of the user. */
  setPasswordHash(userId: number, passwordHash: string | null): Promise<void>;
  /**
   * The first-admin setup, atomically: only while no user has a password and the stored setup token
   * digest equals `setupTokenHash`. Claims the existing admin user of that name (the one the first
   * start created) or creates a new admin; then sets its password and consumes the token.
   * A name taken by a non-admin throws ALREADY_EXISTS and consumes nothing.
   */
  completeSetup(input: {
    setupTokenSetting: string;
    setupTokenHash: string;
    username: string;
    email: string;
    passwordHash: string;
    now: number;
  }): Promise<{ user: UserRecord } | { refused: "setup-complete" | "token-invalid" }>;
  /** Stores a session and drops every expired one. */
  insertSession(input: {
    idHash: string;
    userId: number;
    csrfToken: string;
    now: number;
    expiresAt: number;
  }): Promise<void>;
  /** The unexpired session with this digest. */
  findSession(idHash: string, now: number): Promise<SessionRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;
  /** The user's unrevoked keys, newest first. */
  listApiKeys(userId: number): Promise<ApiKeyRecord[]>;
  /** Revokes the user's key; false when the user has no such unrevoked key. */
  revokeApiKey(userId: number, keyId: number, now: number): Promise<boolean>;
}

export interface NewRunInput {
  projectId: number;
  name: string;
  userId: number;
  fields: RunFields;
  /** Called only when the run is created, with its ordinal in the project (1 for the first). */
  defaultDisplayName: (ordinal: number) => string;
  now: number;
}

export interface NewAlert {
  runId: number;
  title: string;
  text: string;
  severity: "INFO" | "WARN" | "ERROR";
  waitSeconds: number | null;
  now: number;
}

export interface NewManifest {
  artifactId: number;
  name: string;
  type: string;
  digest: string;
  baseArtifactId: number | null;
  storageKey: string;
}

export interface RunRepository {
  findRun(projectId: number, name: string): Promise<RunRecord | undefined>;
  findRunById(id: number): Promise<RunRecord | undefined>;
  countRuns(projectId: number): Promise<number>;
  /** Creates the run or updates the given fields; `undefined` fields stay as they are. */
  upsertRun(input: NewRunInput): Promise<{ run: RunRecord; inserted: boolean }>;
  /** Applies one file_stream request atomically (line i at offset+i; see the implementation). */
  applyFileStream(runId: number, write: FileStreamWrite): Promise<{ stopRequested: boolean }>;
  lastLine(runId: number, file: "history" | "events"): Promise<string | undefined>;
  historyLines(runId: number, fromLine: number, limit: number): Promise<{ lineNo: number; line: string }[]>;
  logLines(runId: number, fromLine: number, limit: number): Promise<{ lineNo: number; line: string }[]>;
  metricKeyIdByName(runId: number, name: string): Promise<number | undefined>;
  metricPoints(
    keyId: number,
    minStep: number,
    maxStep: number,
    limit: number,
  ): Promise<{ step: number; value: number | null }[]>;
  metricTiers(
    keyId: number,
    level: number,
    minBucket: number,
    maxBucket: number,
  ): Promise<
    { bucket: number; min: number | null; max: number | null; lastStep: number; last: number | null }[]
  >;
  /** Marks running runs whose client went silent before `cutoff` as crashed; returns how many. */
  markSilentRunsCrashed(cutoff: number, now: number): Promise<number>;
  upsertRunFile(file: Omit<RunFileRecord, "createdAt" | "updatedAt">, now: number): Promise<void>;
  addAlert(alert: NewAlert): Promise<void>;
}

export interface NewArtifact {
  readonly projectId: number;
  readonly typeName: string;
  readonly collectionName: string;
  readonly digest: string;
  readonly description: string | null;
  readonly metadata: string | null;
  readonly historyStep: number | null;
  readonly clientId: string | null;
  readonly sequenceClientId: string | null;
  readonly runId: number | null;
  readonly aliases: readonly string[];
  readonly tags: readonly string[];
  readonly ttlSeconds: number;
  readonly deduplicate: boolean;
  readonly now: number;
}

/** What deleting an artifact version did (stores/sqlite/artifact-delete.ts). */
export type ArtifactDeletion = "deleted" | "has-aliases" | "missing";

export interface ArtifactRepository {
  findArtifact(id: number): Promise<ArtifactRecord | undefined>;
  /**
   * Deletes a version: it leaves every read, its aliases go and `latest` moves to the newest
   * committed version left. `has-aliases` (nothing changed) when it has aliases besides `latest`
   * and `deleteAliases` is false; `missing` when it does not exist or is already deleted.
   */
  deleteArtifact(artifactId: number, deleteAliases: boolean, now: number): Promise<ArtifactDeletion>;
  findByClientId(clientId: string): Promise<ArtifactRecord | undefined>;
  findCollection(projectId: number, name: string): Promise<ArtifactCollectionRecord | undefined>;
  findCollectionById(id: number): Promise<ArtifactCollectionRecord | undefined>;
  /** The newest committed version of a collection. */
  latestVersion(collectionId: number): Promise<ArtifactRecord | undefined>;
  findVersion(collectionId: number, versionIndex: number): Promise<ArtifactRecord | undefined>;
  findByAlias(collectionId: number, alias: string): Promise<ArtifactRecord | undefined>;
  findByDigest(collectionId: number, digest: string): Promise<ArtifactRecord | undefined>;
  aliasesOf(artifactId: number): Promise<{ collectionId: number; alias: string }[]>;
  tagsOf(artifactId: number): Promise<string[]>;
  /**
   * Finds or creates the type and the collection, then returns the committed version with the same
   * digest (deduplication; the requested aliases move to it) or a new PENDING version. A retried call
   * with the same client id returns what the first call made.
   */
  createArtifact(input: NewArtifact): Promise<{ artifact: ArtifactRecord; deduplicated: boolean }>;
  /** createArtifactManifest is called twice per artifact and file name: an upsert. */
  upsertManifest(input: NewManifest): Promise<ArtifactManifestRecord>;
  findManifest(id: number): Promise<ArtifactManifestRecord | undefined>;
  updateManifest(id: number, digest: string | null, baseArtifactId: number | null): Promise<void>;
  /** The manifest the artifact's contents are read from (the full one when there are several). */
  currentManifest(artifactId: number): Promise<ArtifactManifestRecord | undefined>;
  markManifestUploaded(storageKey: string, now: number): Promise<void>;
  /** The stored object with this content, or a new pending one born in `birthArtifactId`. */
  claimObject(input: {
    entityId: number;
    md5: string;
    birthArtifactId: number;
    storageKey: string;
  }): Promise<ArtifactObjectRecord>;
  findObject(entityId: number, md5: string): Promise<ArtifactObjectRecord | undefined>;
  markObjectStored(entityId: number, md5: string, size: number, now: number): Promise<void>;
  createMultipartUpload(upload: Omit<MultipartUploadRecord, "completedAt">): Promise<void>;
  findMultipartUpload(uploadId: string): Promise<MultipartUploadRecord | undefined>;
  completeMultipartUpload(uploadId: string, now: number): Promise<void>;
  /**
   * Records the manifest's entries, assigns the collection's next version index, and moves `latest`
   * and the aliases given at creation to this version. Committing twice is a no-op.
   */
  commit(input: {
    artifactId: number;
    entries: readonly Omit<ArtifactEntryRecord, "artifactId">[];
    now: number;
  }): Promise<ArtifactRecord>;
  entries(artifactId: number, afterPath: string, limit: number): Promise<ArtifactEntryRecord[]>;
  entriesByName(artifactId: number, names: readonly string[]): Promise<ArtifactEntryRecord[]>;
  recordUsage(runId: number, artifactId: number, usedAs: string | null, now: number): Promise<void>;
  /** The project's artifact types, oldest first, after the given id. */
  artifactTypes(projectId: number, afterId: number, limit: number): Promise<ArtifactTypeRecord[]>;
  findArtifactType(projectId: number, name: string): Promise<ArtifactTypeRecord | undefined>;
  /** Collections of the project (of one type when `typeId` is given), newest first, before `beforeId`. */
  collections(
    projectId: number,
    typeId: number | null,
    beforeId: number,
    limit: number,
  ): Promise<ArtifactCollectionRecord[]>;
  countCollections(projectId: number, typeId: number | null): Promise<number>;
  /** Versions of a collection in the given states, by version index (`desc` for newest first). */
  versions(
    collectionId: number,
    states: readonly string[],
    offset: number,
    limit: number,
    desc: boolean,
  ): Promise<ArtifactRecord[]>;
  countVersions(collectionId: number, states: readonly string[]): Promise<number>;
  /** A collection's stored aliases (not the derived `vN`), by name, after `afterAlias`. */
  collectionAliases(
    collectionId: number,
    afterAlias: string,
    limit: number,
  ): Promise<{ alias: string; artifactId: number; versionIndex: number | null }[]>;
  /** Artifacts a run logged (`output`) or used (`input`), by id, after `afterId`. */
  runArtifacts(
    runId: number,
    direction: "input" | "output",
    afterId: number,
    limit: number,
  ): Promise<ArtifactRecord[]>;
  countRunArtifacts(runId: number, direction: "input" | "output"): Promise<number>;
  /** Ids of the runs that used the artifact, after `afterRunId`. */
  usedBy(artifactId: number, afterRunId: number, limit: number): Promise<number[]>;
  countUsedBy(artifactId: number): Promise<number>;
}

/** Which stored lines a history read returns (all of them when no field is set). */
export interface LineSample {
  readonly runId: number;
  readonly file: "history" | "events";
  /** History only: steps in [minStep, maxStep). */
  readonly minStep?: number | undefined;
  readonly maxStep?: number | undefined;
  /**
   * History only: keep lines holding every key; each key lists the JSON paths it may be found at
   * (`["a.b"]` as one top-level key, or `["a", "b"]` nested).
   */
  readonly keys?: readonly (readonly (readonly string[])[])[] | undefined;
  /** At most this many lines, evenly spread, always the first and the last (≥ 2). */
  readonly samples: number;
}

/** The read side of runs (`wandb.Api()`): queries, history reads, files, deletion. */
export interface RunReadRepository {
  /** One page of runs in query order, each with its position for the next page's cursor. */
  listRuns(query: RunQuery): Promise<{ run: RunRecord; cursor: RunCursor }[]>;
  countRuns(projectId: number, filter: RunFilter): Promise<number>;
  /** The distinct values of `field` among the matching runs, with counts, at most `limit`. */
  groupRuns(projectId: number, filter: RunFilter, field: RunField, limit: number): Promise<RunGroup[]>;
  usersByIds(ids: readonly number[]): Promise<Map<number, UserRecord>>;
  /** The user whose personal entity this is (undefined for teams). */
  userOfEntity(entityId: number): Promise<UserRecord | undefined>;
  projectsOfEntity(entityId: number, afterId: number, limit: number): Promise<ProjectRecord[]>;
  /** The last step, and the last value of every numeric history key (NaN as null). */
  historyKeys(
    runId: number,
  ): Promise<{ lastStep: number | null; keys: { name: string; value: number | null }[] }>;
  /** Stored lines exactly as sent, in line order. */
  sampleLines(sample: LineSample): Promise<string[]>;
  /** The first and last step of a metric series within [minStep, maxStep] (two index seeks). */
  metricStepRange(
    keyId: number,
    minStep: number,
    maxStep: number,
  ): Promise<{ first: number; last: number } | undefined>;
  countRunFiles(runId: number): Promise<number>;
  runFiles(
    runId: number,
    options: { names: readonly string[] | null; pattern: string | null; afterName: string; limit: number },
  ): Promise<RunFileRecord[]>;
  setRunState(runId: number, state: string, now: number): Promise<void>;
  /**
   * Deletes the run and everything recorded under it; artifacts it logged are marked DELETED (and
   * lose their aliases) when `deleteArtifacts`, otherwise kept without their producer. Returns the
   * object keys of its files, for the caller to remove from the object store.
   */
  deleteRun(runId: number, deleteArtifacts: boolean, now: number): Promise<{ storageKeys: string[] }>;
}
