/** The records the stores hand to the domain. Times are Unix milliseconds. */

/**
 * Downsample tiers of the per-metric layout: level L aggregates (min, max, last) over buckets of
 * 16^L steps, for L = 2..5, so a chart of any step range reads a bounded number of rows. Finer
 * ranges (under 256 steps per chart bucket) read the raw points, which are stored in blocks.
 */
export const TIER_LEVELS = [2, 3, 4, 5] as const;
export const TIER_BASE = 16;

export interface UserRecord {
  readonly id: number;
  readonly username: string;
  readonly email: string;
  readonly isAdmin: boolean;
  /** `service`: a team's service account (API keys only, managed by the team's admins). */
  readonly accountType: "user" | "service";
  /** Deactivated by an instance admin: its keys, sessions and sign-ins are refused (docs/teams.md). */
  readonly deactivated: boolean;
  readonly defaultEntityId: number;
  readonly defaultEntityName: string;
  readonly createdAt: number;
}

/** An API key as its owner may see it again: never the key, only its display prefix. */
export interface ApiKeyRecord {
  readonly id: number;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

/** A web sign-in session (the cookie's value is stored only as a SHA-256 digest). */
export interface SessionRecord {
  readonly user: UserRecord;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface EntityRecord {
  readonly id: number;
  readonly name: string;
  readonly kind: "user" | "team";
}

export type MemberRole = "admin" | "member" | "viewer";

export const MEMBER_ROLES: readonly MemberRole[] = ["admin", "member", "viewer"];

/** A user's place in a team. */
export interface MemberRecord {
  readonly user: UserRecord;
  readonly role: MemberRole;
}

/** A team's service account: its user (accountType `service`), role in the team and creator. */
export interface ServiceAccountRecord {
  readonly user: UserRecord;
  readonly role: MemberRole;
  readonly createdBy: string | null;
  readonly createdAt: number;
}

export interface ProjectRecord {
  readonly id: number;
  readonly entityId: number;
  readonly entityName: string;
  readonly name: string;
  readonly createdAt: number;
}

export interface RunRecord {
  readonly id: number;
  readonly projectId: number;
  readonly name: string;
  readonly userId: number | null;
  readonly displayName: string | null;
  readonly description: string | null;
  readonly notes: string | null;
  readonly groupName: string | null;
  readonly jobType: string | null;
  readonly host: string | null;
  readonly program: string | null;
  readonly gitCommit: string | null;
  readonly gitRepo: string | null;
  readonly sweepName: string | null;
  /** JSON array of strings. */
  readonly tags: string;
  /** The config JSON exactly as the client last sent it (`{key: {value: …}}`, may hold NaN tokens). */
  readonly config: string;
  /** The summary JSON exactly as the client last sent it. */
  readonly summary: string;
  readonly state: string;
  readonly exitCode: number | null;
  readonly stopRequested: boolean;
  readonly historyLineCount: number;
  readonly eventsLineCount: number;
  readonly logLineCount: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly heartbeatAt: number;
  readonly finishedAt: number | null;
}

/** UpsertBucket fields; `undefined` leaves the stored value unchanged (the client sends null for that). */
export interface RunFields {
  displayName?: string;
  description?: string;
  notes?: string;
  groupName?: string;
  jobType?: string;
  host?: string;
  program?: string;
  gitCommit?: string;
  gitRepo?: string;
  sweepName?: string;
  tags?: readonly string[];
  config?: string;
  summary?: string;
  state?: string;
}

export interface FileStreamLines {
  readonly offset: number;
  readonly lines: readonly string[];
}

/** A history line with the numeric values extracted for the per-metric layout. */
export interface HistoryLine {
  readonly lineNo: number;
  readonly step: number;
  readonly text: string;
  readonly metrics: ReadonlyArray<readonly [name: string, value: number]>;
}

/**
 * A file_stream request's history lines, parsed, in columns: line i (line number offset + i) has
 * text `texts[i]`, step `steps[i]`, and the metrics j in [starts[i], starts[i+1]), each named
 * `names[keys[j]]` with value `values[j]` (NaN and ±Infinity as themselves).
 */
export interface HistoryBatch {
  readonly offset: number;
  readonly texts: readonly string[];
  readonly steps: Float64Array;
  readonly starts: Int32Array;
  readonly names: readonly string[];
  readonly keys: Int32Array;
  readonly values: Float64Array;
}

export interface FileStreamWrite {
  readonly history?: HistoryBatch;
  readonly events?: FileStreamLines;
  readonly logs?: FileStreamLines;
  readonly summary?: string;
  readonly complete?: { readonly exitCode: number };
  readonly preempting?: boolean;
  readonly now: number;
}

export interface RunFileRecord {
  readonly runId: number;
  readonly name: string;
  readonly size: number;
  readonly md5: string;
  readonly storageKey: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type ArtifactState = "PENDING" | "COMMITTED" | "DELETED";

export interface ArtifactRecord {
  readonly id: number;
  readonly collectionId: number;
  readonly collectionName: string;
  readonly projectId: number;
  readonly entityId: number;
  readonly typeId: number;
  readonly typeName: string;
  readonly digest: string;
  readonly state: ArtifactState;
  readonly versionIndex: number | null;
  readonly description: string | null;
  readonly metadata: string | null;
  readonly size: number;
  readonly fileCount: number;
  readonly historyStep: number | null;
  readonly clientId: string | null;
  readonly sequenceClientId: string | null;
  readonly runId: number | null;
  /** JSON array of alias names to apply at commit. */
  readonly pendingAliases: string;
  readonly ttlSeconds: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly committedAt: number | null;
}

export interface ArtifactTypeRecord {
  readonly id: number;
  readonly projectId: number;
  readonly name: string;
  readonly createdAt: number;
}

export interface ArtifactCollectionRecord {
  readonly id: number;
  readonly projectId: number;
  readonly typeId: number;
  readonly typeName: string;
  readonly name: string;
  readonly kind: "sequence" | "portfolio";
  readonly description: string | null;
  readonly createdAt: number;
}

export interface ArtifactManifestRecord {
  readonly id: number;
  readonly artifactId: number;
  readonly name: string;
  readonly type: string;
  readonly digest: string;
  readonly baseArtifactId: number | null;
  readonly storageKey: string;
  readonly uploadedAt: number | null;
}

export interface ArtifactObjectRecord {
  readonly entityId: number;
  readonly md5: string;
  readonly size: number | null;
  readonly birthArtifactId: number;
  readonly storageKey: string;
  readonly storedAt: number | null;
}

export interface ArtifactEntryRecord {
  readonly artifactId: number;
  readonly path: string;
  readonly digest: string;
  readonly size: number | null;
  readonly ref: string | null;
  readonly birthArtifactId: number | null;
  readonly storageKey: string | null;
  readonly extra: string | null;
}

export interface MultipartUploadRecord {
  readonly uploadId: string;
  readonly storageKey: string;
  readonly entityId: number;
  readonly md5: string;
  readonly partCount: number;
  readonly createdAt: number;
  readonly completedAt: number | null;
}
