import { AppError } from "@ballast/core";
import type {
  ArtifactCollectionRecord,
  ArtifactEntryRecord,
  ArtifactManifestRecord,
  ArtifactObjectRecord,
  ArtifactRecord,
  ArtifactTypeRecord,
  MultipartUploadRecord,
} from "../records.ts";
import type { ArtifactDeletion, ArtifactRepository, NewArtifact, NewManifest } from "../repositories.ts";
import { deleteArtifact } from "./artifact-delete.ts";
import type { SqliteDatabase } from "./database.ts";

const ARTIFACT_SELECT = `SELECT a.id, a.collection_id AS collectionId, c.name AS collectionName, a.project_id AS projectId,
  p.entity_id AS entityId, a.type_id AS typeId, t.name AS typeName, a.digest, a.state, a.version_index AS versionIndex,
  a.description, a.metadata, a.size, a.file_count AS fileCount, a.history_step AS historyStep, a.client_id AS clientId,
  a.sequence_client_id AS sequenceClientId, a.run_id AS runId, a.pending_aliases AS pendingAliases,
  a.ttl_seconds AS ttlSeconds, a.created_at AS createdAt, a.updated_at AS updatedAt, a.committed_at AS committedAt
  FROM artifacts a
  JOIN artifact_collections c ON c.id = a.collection_id
  JOIN artifact_types t ON t.id = a.type_id
  JOIN projects p ON p.id = a.project_id`;

const COLLECTION_SELECT = `SELECT c.id, c.project_id AS projectId, c.type_id AS typeId, t.name AS typeName, c.name, c.kind,
  c.description, c.created_at AS createdAt
  FROM artifact_collections c JOIN artifact_types t ON t.id = c.type_id`;

const MANIFEST_SELECT = `SELECT id, artifact_id AS artifactId, name, type, digest, base_artifact_id AS baseArtifactId,
  storage_key AS storageKey, uploaded_at AS uploadedAt FROM artifact_manifests`;

/** Artifact types, collections, versions, aliases, manifests and content-addressed objects. */
export class SqliteArtifactRepository implements ArtifactRepository {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async findArtifact(id: number): Promise<ArtifactRecord | undefined> {
    return this.db.get<ArtifactRecord>(`${ARTIFACT_SELECT} WHERE a.id = ?`, [id]);
  }

  async findByClientId(clientId: string): Promise<ArtifactRecord | undefined> {
    return this.db.get<ArtifactRecord>(
      `${ARTIFACT_SELECT} JOIN artifact_client_ids m ON m.artifact_id = a.id WHERE m.client_id = ?`,
      [clientId],
    );
  }

  async findCollection(projectId: number, name: string): Promise<ArtifactCollectionRecord | undefined> {
    return this.db.get<ArtifactCollectionRecord>(
      `${COLLECTION_SELECT} WHERE c.project_id = ? AND c.name = ?`,
      [projectId, name],
    );
  }

  async findCollectionById(id: number): Promise<ArtifactCollectionRecord | undefined> {
    return this.db.get<ArtifactCollectionRecord>(`${COLLECTION_SELECT} WHERE c.id = ?`, [id]);
  }

  /** The newest committed version of a collection. */
  async latestVersion(collectionId: number): Promise<ArtifactRecord | undefined> {
    return this.db.get<ArtifactRecord>(
      `${ARTIFACT_SELECT} WHERE a.collection_id = ? AND a.state = 'COMMITTED' ORDER BY a.version_index DESC LIMIT 1`,
      [collectionId],
    );
  }

  async findVersion(collectionId: number, versionIndex: number): Promise<ArtifactRecord | undefined> {
    return this.db.get<ArtifactRecord>(
      `${ARTIFACT_SELECT} WHERE a.collection_id = ? AND a.version_index = ? AND a.state = 'COMMITTED'`,
      [collectionId, versionIndex],
    );
  }

  async findByAlias(collectionId: number, alias: string): Promise<ArtifactRecord | undefined> {
    return this.db.get<ArtifactRecord>(
      `${ARTIFACT_SELECT} JOIN artifact_aliases al ON al.artifact_id = a.id
       WHERE al.collection_id = ? AND al.alias = ? AND a.state = 'COMMITTED'`,
      [collectionId, alias],
    );
  }

  async findByDigest(collectionId: number, digest: string): Promise<ArtifactRecord | undefined> {
    return this.db.get<ArtifactRecord>(
      `${ARTIFACT_SELECT} WHERE a.collection_id = ? AND a.digest = ? AND a.state = 'COMMITTED'
       ORDER BY a.version_index DESC LIMIT 1`,
      [collectionId, digest],
    );
  }

  async deleteArtifact(artifactId: number, deleteAliases: boolean, now: number): Promise<ArtifactDeletion> {
    return deleteArtifact(this.db, artifactId, deleteAliases, now);
  }

  async aliasesOf(artifactId: number): Promise<{ collectionId: number; alias: string }[]> {
    return this.db.all(
      "SELECT collection_id AS collectionId, alias FROM artifact_aliases WHERE artifact_id = ? ORDER BY alias",
      [artifactId],
    );
  }

  async tagsOf(artifactId: number): Promise<string[]> {
    return this.db
      .all<{ name: string }>("SELECT name FROM artifact_tags WHERE artifact_id = ? ORDER BY name", [
        artifactId,
      ])
      .map((r) => r.name);
  }

  /**
   * createArtifact: finds or creates the type and the collection, then either returns the committed
   * version with the same digest (deduplication; the requested aliases move to it) or a new PENDING
   * version. A retried call with the same client id returns the artifact the first call made.
   */
  async createArtifact(input: NewArtifact): Promise<{ artifact: ArtifactRecord; deduplicated: boolean }> {
    return this.db.transaction(() => {
      if (input.clientId !== null) {
        const again = this.db.get<ArtifactRecord>(
          `${ARTIFACT_SELECT} JOIN artifact_client_ids m ON m.artifact_id = a.id WHERE m.client_id = ?`,
          [input.clientId],
        );
        if (again) return { artifact: again, deduplicated: again.state === "COMMITTED" };
      }
      this.db.run(
        "INSERT INTO artifact_types (project_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        [input.projectId, input.typeName, input.now],
      );
      const typeId = this.db.get<{ id: number }>(
        "SELECT id FROM artifact_types WHERE project_id = ? AND name = ?",
        [input.projectId, input.typeName],
      )?.id;
      if (typeId === undefined) throw new Error("artifact type vanished after insert");
      let collection = this.db.get<{ id: number; type_id: number; kind: string }>(
        "SELECT id, type_id, kind FROM artifact_collections WHERE project_id = ? AND name = ?",
        [input.projectId, input.collectionName],
      );
      if (!collection) {
        const id = this.db.run(
          "INSERT INTO artifact_collections (project_id, type_id, name, kind, created_at) VALUES (?, ?, ?, 'sequence', ?)",
          [input.projectId, typeId, input.collectionName, input.now],
        ).lastInsertRowid;
        collection = { id, type_id: typeId, kind: "sequence" };
      }
      if (collection.type_id !== typeId) {
        const existing = this.db.get<{ name: string }>("SELECT name FROM artifact_types WHERE id = ?", [
          collection.type_id,
        ]);
        throw new AppError(
          "ARTIFACT_TYPE_MISMATCH",
          `Artifact "${input.collectionName}" has type "${existing?.name}", not "${input.typeName}".`,
        );
      }
      if (input.deduplicate) {
        const same = this.db.get<{ id: number }>(
          "SELECT id FROM artifacts WHERE collection_id = ? AND digest = ? AND state = 'COMMITTED' ORDER BY version_index DESC LIMIT 1",
          [collection.id, input.digest],
        );
        if (same) {
          for (const alias of input.aliases) this.setAlias(collection.id, alias, same.id);
          const artifact = this.db.get<ArtifactRecord>(`${ARTIFACT_SELECT} WHERE a.id = ?`, [same.id]);
          if (!artifact) throw new Error("artifact vanished");
          this.recordClientId(input.clientId, artifact.id);
          return { artifact, deduplicated: true };
        }
      }
      const id = this.db.run(
        `INSERT INTO artifacts (collection_id, project_id, type_id, digest, state, description, metadata, history_step,
           client_id, sequence_client_id, run_id, pending_aliases, ttl_seconds, created_at, updated_at)
         VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          collection.id,
          input.projectId,
          typeId,
          input.digest,
          input.description,
          input.metadata,
          input.historyStep,
          input.clientId,
          input.sequenceClientId,
          input.runId,
          JSON.stringify(input.aliases),
          input.ttlSeconds,
          input.now,
          input.now,
        ],
      ).lastInsertRowid;
      for (const tag of input.tags) {
        this.db.run("INSERT INTO artifact_tags (artifact_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING", [
          id,
          tag,
        ]);
      }
      const artifact = this.db.get<ArtifactRecord>(`${ARTIFACT_SELECT} WHERE a.id = ?`, [id]);
      if (!artifact) throw new Error("artifact vanished inside its own transaction");
      this.recordClientId(input.clientId, artifact.id);
      return { artifact, deduplicated: false };
    });
  }

  private recordClientId(clientId: string | null, artifactId: number): void {
    if (clientId === null) return;
    this.db.run(
      "INSERT INTO artifact_client_ids (client_id, artifact_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
      [clientId, artifactId],
    );
  }

  private setAlias(collectionId: number, alias: string, artifactId: number): void {
    this.db.run(
      `INSERT INTO artifact_aliases (collection_id, alias, artifact_id) VALUES (?, ?, ?)
       ON CONFLICT (collection_id, alias) DO UPDATE SET artifact_id = excluded.artifact_id`,
      [collectionId, alias, artifactId],
    );
  }

  /** createArtifactManifest is called twice per artifact and file name: it is an upsert. */
  async upsertManifest(input: NewManifest): Promise<ArtifactManifestRecord> {
    this.db.run(
      `INSERT INTO artifact_manifests (artifact_id, name, type, digest, base_artifact_id, storage_key)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (artifact_id, name) DO UPDATE SET type = excluded.type, digest = excluded.digest,
         base_artifact_id = coalesce(excluded.base_artifact_id, base_artifact_id)`,
      [input.artifactId, input.name, input.type, input.digest, input.baseArtifactId, input.storageKey],
    );
    const manifest = this.db.get<ArtifactManifestRecord>(
      `${MANIFEST_SELECT} WHERE artifact_id = ? AND name = ?`,
      [input.artifactId, input.name],
    );
    if (!manifest) throw new Error("manifest vanished after upsert");
    return manifest;
  }

  async findManifest(id: number): Promise<ArtifactManifestRecord | undefined> {
    return this.db.get<ArtifactManifestRecord>(`${MANIFEST_SELECT} WHERE id = ?`, [id]);
  }

  async updateManifest(id: number, digest: string | null, baseArtifactId: number | null): Promise<void> {
    this.db.run(
      "UPDATE artifact_manifests SET digest = coalesce(?, digest), base_artifact_id = coalesce(?, base_artifact_id) WHERE id = ?",
      [digest, baseArtifactId, id],
    );
  }

  /** The manifest the artifact's contents are read from (the full one when there are several). */
  async currentManifest(artifactId: number): Promise<ArtifactManifestRecord | undefined> {
    return this.db.get<ArtifactManifestRecord>(
      `${MANIFEST_SELECT} WHERE artifact_id = ? AND uploaded_at IS NOT NULL ORDER BY type = 'FULL' DESC, id DESC LIMIT 1`,
      [artifactId],
    );
  }

  async markManifestUploaded(storageKey: string, now: number): Promise<void> {
    this.db.run("UPDATE artifact_manifests SET uploaded_at = ? WHERE storage_key = ?", [now, storageKey]);
  }

  /** The stored object with this content, or a new pending one born in `birthArtifactId`. */
  async claimObject(input: {
    entityId: number;
    md5: string;
    birthArtifactId: number;
    storageKey: string;
  }): Promise<ArtifactObjectRecord> {
    this.db.run(
      `INSERT INTO artifact_objects (entity_id, md5, birth_artifact_id, storage_key) VALUES (?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
      [input.entityId, input.md5, input.birthArtifactId, input.storageKey],
    );
    const object = await this.findObject(input.entityId, input.md5);
    if (!object) throw new Error("artifact object vanished after insert");
    return object;
  }

  async findObject(entityId: number, md5: string): Promise<ArtifactObjectRecord | undefined> {
    return this.db.get<ArtifactObjectRecord>(
      `SELECT entity_id AS entityId, md5, size, birth_artifact_id AS birthArtifactId, storage_key AS storageKey,
         stored_at AS storedAt FROM artifact_objects WHERE entity_id = ? AND md5 = ?`,
      [entityId, md5],
    );
  }

  async markObjectStored(entityId: number, md5: string, size: number, now: number): Promise<void> {
    this.db.run("UPDATE artifact_objects SET size = ?, stored_at = ? WHERE entity_id = ? AND md5 = ?", [
      size,
      now,
      entityId,
      md5,
    ]);
  }

  async createMultipartUpload(upload: Omit<MultipartUploadRecord, "completedAt">): Promise<void> {
    this.db.run(
      `INSERT INTO multipart_uploads (upload_id, storage_key, entity_id, md5, part_count, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [upload.uploadId, upload.storageKey, upload.entityId, upload.md5, upload.partCount, upload.createdAt],
    );
  }

  async findMultipartUpload(uploadId: string): Promise<MultipartUploadRecord | undefined> {
    return this.db.get<MultipartUploadRecord>(
      `SELECT upload_id AS uploadId, storage_key AS storageKey, entity_id AS entityId, md5, part_count AS partCount,
         created_at AS createdAt, completed_at AS completedAt FROM multipart_uploads WHERE upload_id = ?`,
      [uploadId],
    );
  }

  async completeMultipartUpload(uploadId: string, now: number): Promise<void> {
    this.db.run("UPDATE multipart_uploads SET completed_at = ? WHERE upload_id = ?", [now, uploadId]);
  }

  /**
   * commitArtifact: records the manifest's entries, assigns the next version index of the collection,
   * and moves `latest` and the aliases given at creation to this version. Committing twice is a no-op.
   */
  async commit(input: {
    artifactId: number;
    entries: readonly Omit<ArtifactEntryRecord, "artifactId">[];
    now: number;
  }): Promise<ArtifactRecord> {
    return this.db.transaction(() => {
      const artifact = this.db.get<ArtifactRecord>(`${ARTIFACT_SELECT} WHERE a.id = ?`, [input.artifactId]);
      if (!artifact) throw new AppError("ARTIFACT_NOT_FOUND", "Artifact not found.");
      if (artifact.state === "COMMITTED") return artifact;
      if (artifact.state !== "PENDING") {
        throw new AppError(
          "ARTIFACT_STATE_CONFLICT",
          `Artifact is ${artifact.state}; only a PENDING one can be committed.`,
        );
      }
      let size = 0;
      for (const entry of input.entries) {
        size += entry.size ?? 0;
        this.db.run(
          `INSERT INTO artifact_entries (artifact_id, path, digest, size, ref, birth_artifact_id, storage_key, extra)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (artifact_id, path) DO UPDATE SET digest = excluded.digest, size = excluded.size, ref = excluded.ref,
             birth_artifact_id = excluded.birth_artifact_id, storage_key = excluded.storage_key, extra = excluded.extra`,
          [
            input.artifactId,
            entry.path,
            entry.digest,
            entry.size,
            entry.ref,
            entry.birthArtifactId,
            entry.storageKey,
            entry.extra,
          ],
        );
      }
      const next =
        (this.db.get<{ n: number | null }>(
          "SELECT max(version_index) AS n FROM artifacts WHERE collection_id = ?",
          [artifact.collectionId],
        )?.n ?? -1) + 1;
      this.db.run(
        `UPDATE artifacts SET state = 'COMMITTED', version_index = ?, size = ?, file_count = ?, committed_at = ?, updated_at = ?
         WHERE id = ?`,
        [next, size, input.entries.length, input.now, input.now, artifact.id],
      );
      const aliases = new Set<string>(["latest", ...(JSON.parse(artifact.pendingAliases) as string[])]);
      for (const alias of aliases) {
        if (/^v\d+$/.test(alias)) continue; // version aliases are derived from the index, never stored
        this.setAlias(artifact.collectionId, alias, artifact.id);
      }
      const committed = this.db.get<ArtifactRecord>(`${ARTIFACT_SELECT} WHERE a.id = ?`, [artifact.id]);
      if (!committed) throw new Error("artifact vanished inside its own transaction");
      return committed;
    });
  }

  async entries(artifactId: number, afterPath: string, limit: number): Promise<ArtifactEntryRecord[]> {
    return this.db.all<ArtifactEntryRecord>(
      `SELECT artifact_id AS artifactId, path, digest, size, ref, birth_artifact_id AS birthArtifactId,
         storage_key AS storageKey, extra FROM artifact_entries WHERE artifact_id = ? AND path > ? ORDER BY path LIMIT ?`,
      [artifactId, afterPath, limit],
    );
  }

  async entriesByName(artifactId: number, names: readonly string[]): Promise<ArtifactEntryRecord[]> {
    if (names.length === 0) return [];
    return this.db.all<ArtifactEntryRecord>(
      `SELECT artifact_id AS artifactId, path, digest, size, ref, birth_artifact_id AS birthArtifactId,
         storage_key AS storageKey, extra FROM artifact_entries
       WHERE artifact_id = ? AND path IN (SELECT value FROM json_each(?)) ORDER BY path`,
      [artifactId, JSON.stringify(names)],
    );
  }

  async recordUsage(runId: number, artifactId: number, usedAs: string | null, now: number): Promise<void> {
    this.db.run(
      `INSERT INTO artifact_usages (run_id, artifact_id, used_as, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id, artifact_id) DO UPDATE SET used_as = coalesce(excluded.used_as, used_as)`,
      [runId, artifactId, usedAs, now],
    );
  }

  async artifactTypes(projectId: number, afterId: number, limit: number): Promise<ArtifactTypeRecord[]> {
    return this.db.all<ArtifactTypeRecord>(
      `SELECT id, project_id AS projectId, name, created_at AS createdAt FROM artifact_types
       WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?`,
      [projectId, afterId, limit],
    );
  }

  async findArtifactType(projectId: number, name: string): Promise<ArtifactTypeRecord | undefined> {
    return this.db.get<ArtifactTypeRecord>(
      "SELECT id, project_id AS projectId, name, created_at AS createdAt FROM artifact_types WHERE project_id = ? AND name = ?",
      [projectId, name],
    );
  }

  async collections(
    projectId: number,
    typeId: number | null,
    beforeId: number,
    limit: number,
  ): Promise<ArtifactCollectionRecord[]> {
    return this.db.all<ArtifactCollectionRecord>(
      `${COLLECTION_SELECT} WHERE c.project_id = ? AND (? IS NULL OR c.type_id = ?) AND c.id < ? ORDER BY c.id DESC LIMIT ?`,
      [projectId, typeId, typeId, beforeId, limit],
    );
  }

  async countCollections(projectId: number, typeId: number | null): Promise<number> {
    return (
      this.db.get<{ n: number }>(
        "SELECT count(*) AS n FROM artifact_collections WHERE project_id = ? AND (? IS NULL OR type_id = ?)",
        [projectId, typeId, typeId],
      )?.n ?? 0
    );
  }

  async versions(
    collectionId: number,
    states: readonly string[],
    offset: number,
    limit: number,
    desc: boolean,
  ): Promise<ArtifactRecord[]> {
    // PENDING versions have no index yet; they sort after the committed ones, by id.
    return this.db.all<ArtifactRecord>(
      `${ARTIFACT_SELECT} WHERE a.collection_id = ? AND a.state IN (SELECT value FROM json_each(?))
       ORDER BY a.version_index IS NULL, a.version_index ${desc ? "DESC" : "ASC"}, a.id LIMIT ? OFFSET ?`,
      [collectionId, JSON.stringify(states), limit, offset],
    );
  }

  async countVersions(collectionId: number, states: readonly string[]): Promise<number> {
    return (
      this.db.get<{ n: number }>(
        "SELECT count(*) AS n FROM artifacts WHERE collection_id = ? AND state IN (SELECT value FROM json_each(?))",
        [collectionId, JSON.stringify(states)],
      )?.n ?? 0
    );
  }

  async collectionAliases(collectionId: number, afterAlias: string, limit: number) {
    return this.db.all<{ alias: string; artifactId: number; versionIndex: number | null }>(
      `SELECT al.alias, al.artifact_id AS artifactId, a.version_index AS versionIndex
       FROM artifact_aliases al JOIN artifacts a ON a.id = al.artifact_id
       WHERE al.collection_id = ? AND al.alias > ? ORDER BY al.alias LIMIT ?`,
      [collectionId, afterAlias, limit],
    );
  }

  async runArtifacts(runId: number, direction: "input" | "output", afterId: number, limit: number) {
    const where =
      direction === "output"
        ? "a.run_id = ?"
        : "a.id IN (SELECT artifact_id FROM artifact_usages WHERE run_id = ?)";
    return this.db.all<ArtifactRecord>(
      `${ARTIFACT_SELECT} WHERE ${where} AND a.id > ? ORDER BY a.id LIMIT ?`,
      [runId, afterId, limit],
    );
  }

  async countRunArtifacts(runId: number, direction: "input" | "output"): Promise<number> {
    const sql =
      direction === "output"
        ? "SELECT count(*) AS n FROM artifacts WHERE run_id = ?"
        : "SELECT count(*) AS n FROM artifact_usages WHERE run_id = ?";
    return this.db.get<{ n: number }>(sql, [runId])?.n ?? 0;
  }

  async usedBy(artifactId: number, afterRunId: number, limit: number): Promise<number[]> {
    return this.db
      .all<{ runId: number }>(
        "SELECT run_id AS runId FROM artifact_usages WHERE artifact_id = ? AND run_id > ? ORDER BY run_id LIMIT ?",
        [artifactId, afterRunId, limit],
      )
      .map((row) => row.runId);
  }

  async countUsedBy(artifactId: number): Promise<number> {
    return (
      this.db.get<{ n: number }>("SELECT count(*) AS n FROM artifact_usages WHERE artifact_id = ?", [
        artifactId,
      ])?.n ?? 0
    );
  }
}
