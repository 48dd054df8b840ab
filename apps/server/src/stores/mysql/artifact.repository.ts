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
import { ARTIFACT_SELECT, byClientId, commitArtifact, createArtifact } from "./artifact.writes.ts";
import { deleteArtifact } from "./artifact-delete.ts";
import type { MysqlDatabase, Queryable, Value } from "./database.ts";
import { refuseTooLong } from "./errors.ts";

/** `?, ?, …` for an IN list. */
const marks = (values: readonly unknown[]) => values.map(() => "?").join(", ");

async function count(db: Queryable, sql: string, params: readonly Value[]): Promise<number> {
  return Number((await db.get<{ n: number }>(sql, params))?.n ?? 0);
}

const COLLECTION_SELECT = `SELECT c.id, c.project_id AS projectId, c.type_id AS typeId, t.name AS typeName, c.name, c.kind,
  c.description, c.created_at AS createdAt
  FROM artifact_collections c JOIN artifact_types t ON t.id = c.type_id`;

const MANIFEST_SELECT = `SELECT id, artifact_id AS artifactId, name, type, digest, base_artifact_id AS baseArtifactId,
  storage_key AS storageKey, uploaded_at AS uploadedAt FROM artifact_manifests`;

/**
 * Artifact types, collections, versions, aliases, manifests and content-addressed objects on MySQL
 * (migrations/0003_artifacts.sql): the behaviour of stores/sqlite/artifact.repository.ts. The two
 * transactional writes, and how they stay safe with several servers, are in artifact.writes.ts.
 */
export class MysqlArtifactRepository implements ArtifactRepository {
  private readonly db: MysqlDatabase;

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  async findArtifact(id: number): Promise<ArtifactRecord | undefined> {
    return this.db.get<ArtifactRecord>(`${ARTIFACT_SELECT} WHERE a.id = ?`, [id]);
  }

  findByClientId(clientId: string): Promise<ArtifactRecord | undefined> {
    return byClientId(this.db, clientId);
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
    const rows = await this.db.all<{ name: string }>(
      "SELECT name FROM artifact_tags WHERE artifact_id = ? ORDER BY name",
      [artifactId],
    );
    return rows.map((r) => r.name);
  }

  async createArtifact(input: NewArtifact): Promise<{ artifact: ArtifactRecord; deduplicated: boolean }> {
    try {
      return await this.db.transaction((tx) => createArtifact(tx, input));
    } catch (error) {
      throw refuseTooLong(error, "An artifact name, type, alias or tag is too long");
    }
  }

  /** createArtifactManifest is called twice per artifact and file name: it is an upsert. */
  async upsertManifest(input: NewManifest): Promise<ArtifactManifestRecord> {
    await this.db.run(
      `INSERT INTO artifact_manifests (artifact_id, name, type, digest, base_artifact_id, storage_key)
       VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE base_artifact_id = coalesce(VALUES(base_artifact_id), base_artifact_id),
         type = VALUES(type), digest = VALUES(digest)`,
      [input.artifactId, input.name, input.type, input.digest, input.baseArtifactId, input.storageKey],
    );
    const manifest = await this.db.get<ArtifactManifestRecord>(
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
    await this.db.run(
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
    await this.db.run(
      "UPDATE artifact_manifests SET uploaded_at = ? WHERE storage_key_hash = UNHEX(SHA2(?, 256)) AND storage_key = ?",
      [now, storageKey, storageKey],
    );
  }

  /** The stored object with this content, or a new pending one born in `birthArtifactId`. */
  async claimObject(input: {
    entityId: number;
    md5: string;
    birthArtifactId: number;
    storageKey: string;
  }): Promise<ArtifactObjectRecord> {
    await this.db.run(
      `INSERT INTO artifact_objects (entity_id, md5, birth_artifact_id, storage_key) VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE md5 = md5`,
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
    await this.db.run("UPDATE artifact_objects SET size = ?, stored_at = ? WHERE entity_id = ? AND md5 = ?", [
      size,
      now,
      entityId,
      md5,
    ]);
  }

  async createMultipartUpload(upload: Omit<MultipartUploadRecord, "completedAt">): Promise<void> {
    await this.db.run(
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
    await this.db.run("UPDATE multipart_uploads SET completed_at = ? WHERE upload_id = ?", [now, uploadId]);
  }

  async commit(input: {
    artifactId: number;
    entries: readonly Omit<ArtifactEntryRecord, "artifactId">[];
    now: number;
  }): Promise<ArtifactRecord> {
    try {
      return await this.db.transaction((tx) => commitArtifact(tx, input));
    } catch (error) {
      throw refuseTooLong(error, "A manifest entry's path is too long (at most 760 characters)");
    }
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
       WHERE artifact_id = ? AND path IN (${marks(names)}) ORDER BY path`,
      [artifactId, ...names],
    );
  }

  async recordUsage(runId: number, artifactId: number, usedAs: string | null, now: number): Promise<void> {
    await this.db.run(
      `INSERT INTO artifact_usages (run_id, artifact_id, used_as, created_at) VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE used_as = coalesce(VALUES(used_as), used_as)`,
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
    return count(
      this.db,
      "SELECT count(*) AS n FROM artifact_collections WHERE project_id = ? AND (? IS NULL OR type_id = ?)",
      [projectId, typeId, typeId],
    );
  }

  async versions(
    collectionId: number,
    states: readonly string[],
    offset: number,
    limit: number,
    desc: boolean,
  ): Promise<ArtifactRecord[]> {
    if (states.length === 0) return [];
    // PENDING versions have no index yet; they sort after the committed ones, by id.
    return this.db.all<ArtifactRecord>(
      `${ARTIFACT_SELECT} WHERE a.collection_id = ? AND a.state IN (${marks(states)})
       ORDER BY a.version_index IS NULL, a.version_index ${desc ? "DESC" : "ASC"}, a.id LIMIT ? OFFSET ?`,
      [collectionId, ...states, limit, offset],
    );
  }

  async countVersions(collectionId: number, states: readonly string[]): Promise<number> {
    if (states.length === 0) return 0;
    return count(
      this.db,
      `SELECT count(*) AS n FROM artifacts WHERE collection_id = ? AND state IN (${marks(states)})`,
      [collectionId, ...states],
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
    return count(this.db, sql, [runId]);
  }

  async usedBy(artifactId: number, afterRunId: number, limit: number): Promise<number[]> {
    const rows = await this.db.all<{ runId: number }>(
      "SELECT run_id AS runId FROM artifact_usages WHERE artifact_id = ? AND run_id > ? ORDER BY run_id LIMIT ?",
      [artifactId, afterRunId, limit],
    );
    return rows.map((row) => row.runId);
  }

  countUsedBy(artifactId: number): Promise<number> {
    return count(this.db, "SELECT count(*) AS n FROM artifact_usages WHERE artifact_id = ?", [artifactId]);
  }
}
