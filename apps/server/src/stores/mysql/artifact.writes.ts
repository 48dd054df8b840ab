/**
 * The transactional writes of the MySQL artifact store (artifact.repository.ts): creating a version
 * and committing it. SQLite serialises writers; here the collection's row is the lock. Both take it
 * (`SELECT … FOR UPDATE`) before they look for a retried client id, a committed version with the
 * same digest, or the next version index, so two servers creating or committing versions of one
 * collection at once get distinct, consecutive indexes and one artifact per client id, while
 * different collections never wait on each other. Types and collections are created with
 * `ON DUPLICATE KEY UPDATE id = id` (an existing row wins) and read back.
 */
import { AppError } from "@ballast/core";
import type { ArtifactEntryRecord, ArtifactRecord } from "../records.ts";
import type { NewArtifact } from "../repositories.ts";
import type { Queryable, Value } from "./database.ts";

export const ARTIFACT_SELECT = `SELECT a.id, a.collection_id AS collectionId, c.name AS collectionName, a.project_id AS projectId,
  p.entity_id AS entityId, a.type_id AS typeId, t.name AS typeName, a.digest, a.state, a.version_index AS versionIndex,
  a.description, a.metadata, a.size, a.file_count AS fileCount, a.history_step AS historyStep, a.client_id AS clientId,
  a.sequence_client_id AS sequenceClientId, a.run_id AS runId, a.pending_aliases AS pendingAliases,
  a.ttl_seconds AS ttlSeconds, a.created_at AS createdAt, a.updated_at AS updatedAt, a.committed_at AS committedAt
  FROM artifacts a
  JOIN artifact_collections c ON c.id = a.collection_id
  JOIN artifact_types t ON t.id = a.type_id
  JOIN projects p ON p.id = a.project_id`;

export async function artifactById(tx: Queryable, id: number): Promise<ArtifactRecord> {
  const artifact = await tx.get<ArtifactRecord>(`${ARTIFACT_SELECT} WHERE a.id = ?`, [id]);
  if (!artifact) throw new Error(`artifact ${id} vanished inside its own transaction`);
  return artifact;
}

/** The artifact a client id made, if any. */
export function byClientId(tx: Queryable, clientId: string): Promise<ArtifactRecord | undefined> {
  return tx.get<ArtifactRecord>(
    `${ARTIFACT_SELECT} JOIN artifact_client_ids m ON m.artifact_id = a.id WHERE m.client_id = ?`,
    [clientId],
  );
}

async function setAlias(
  tx: Queryable,
  collectionId: number,
  alias: string,
  artifactId: number,
): Promise<void> {
  await tx.run(
    `INSERT INTO artifact_aliases (collection_id, alias, artifact_id) VALUES (?, ?, ?)
     ON DUPLICATE KEY UPDATE artifact_id = VALUES(artifact_id)`,
    [collectionId, alias, artifactId],
  );
}

async function recordClientId(tx: Queryable, clientId: string | null, artifactId: number): Promise<void> {
  if (clientId === null) return;
  await tx.run(
    "INSERT INTO artifact_client_ids (client_id, artifact_id) VALUES (?, ?) ON DUPLICATE KEY UPDATE client_id = client_id",
    [clientId, artifactId],
  );
}

export async function createArtifact(
  tx: Queryable,
  input: NewArtifact,
): Promise<{ artifact: ArtifactRecord; deduplicated: boolean }> {
  if (input.clientId !== null) {
    const again = await byClientId(tx, input.clientId);
    if (again) return { artifact: again, deduplicated: again.state === "COMMITTED" };
  }
  await tx.run(
    "INSERT INTO artifact_types (project_id, name, created_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE id = id",
    [input.projectId, input.typeName, input.now],
  );
  const type = await tx.get<{ id: number }>(
    "SELECT id FROM artifact_types WHERE project_id = ? AND name = ?",
    [input.projectId, input.typeName],
  );
  if (type === undefined) throw new Error("artifact type vanished after insert");
  await tx.run(
    `INSERT INTO artifact_collections (project_id, type_id, name, kind, created_at) VALUES (?, ?, ?, 'sequence', ?)
     ON DUPLICATE KEY UPDATE id = id`,
    [input.projectId, type.id, input.collectionName, input.now],
  );
  const collection = await tx.get<{ id: number; type_id: number }>(
    "SELECT id, type_id FROM artifact_collections WHERE project_id = ? AND name = ? FOR UPDATE",
    [input.projectId, input.collectionName],
  );
  if (!collection) throw new Error("artifact collection vanished after insert");
  if (collection.type_id !== type.id) {
    const existing = await tx.get<{ name: string }>("SELECT name FROM artifact_types WHERE id = ?", [
      collection.type_id,
    ]);
    throw new AppError(
      "ARTIFACT_TYPE_MISMATCH",
      `Artifact "${input.collectionName}" has type "${existing?.name}", not "${input.typeName}".`,
    );
  }
  if (input.clientId !== null) {
    // A concurrent retry of this call may have finished while this one waited for the lock.
    const again = await byClientId(tx, input.clientId);
    if (again) return { artifact: again, deduplicated: again.state === "COMMITTED" };
  }
  if (input.deduplicate) {
    const same = await tx.get<{ id: number }>(
      "SELECT id FROM artifacts WHERE collection_id = ? AND digest = ? AND state = 'COMMITTED' ORDER BY version_index DESC LIMIT 1",
      [collection.id, input.digest],
    );
    if (same) {
      for (const alias of input.aliases) await setAlias(tx, collection.id, alias, same.id);
      await recordClientId(tx, input.clientId, same.id);
      return { artifact: await artifactById(tx, same.id), deduplicated: true };
    }
  }
  const { insertId } = await tx.run(
    `INSERT INTO artifacts (collection_id, project_id, type_id, digest, state, description, metadata, history_step,
       client_id, sequence_client_id, run_id, pending_aliases, ttl_seconds, created_at, updated_at)
     VALUES (?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      collection.id,
      input.projectId,
      type.id,
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
  );
  for (const tag of new Set(input.tags)) {
    await tx.run("INSERT INTO artifact_tags (artifact_id, name) VALUES (?, ?)", [insertId, tag]);
  }
  await recordClientId(tx, input.clientId, insertId);
  return { artifact: await artifactById(tx, insertId), deduplicated: false };
}

export async function commitArtifact(
  tx: Queryable,
  input: { artifactId: number; entries: readonly Omit<ArtifactEntryRecord, "artifactId">[]; now: number },
): Promise<ArtifactRecord> {
  const found = await tx.get<{ collectionId: number }>(
    "SELECT collection_id AS collectionId FROM artifacts WHERE id = ?",
    [input.artifactId],
  );
  if (!found) throw new AppError("ARTIFACT_NOT_FOUND", "Artifact not found.");
  // The collection's row first (as createArtifact takes it), then the artifact as it is now.
  await tx.get("SELECT id FROM artifact_collections WHERE id = ? FOR UPDATE", [found.collectionId]);
  const artifact = await artifactById(tx, input.artifactId);
  if (artifact.state === "COMMITTED") return artifact;
  if (artifact.state !== "PENDING") {
    throw new AppError(
      "ARTIFACT_STATE_CONFLICT",
      `Artifact is ${artifact.state}; only a PENDING one can be committed.`,
    );
  }
  let size = 0;
  const rows: Value[] = [];
  for (const entry of input.entries) {
    size += entry.size ?? 0;
    rows.push(
      input.artifactId,
      entry.path,
      entry.digest,
      entry.size,
      entry.ref,
      entry.birthArtifactId,
      entry.storageKey,
      entry.extra,
    );
  }
  await tx.runBatch(
    "INSERT INTO artifact_entries (artifact_id, path, digest, size, ref, birth_artifact_id, storage_key, extra)",
    8,
    rows,
    `ON DUPLICATE KEY UPDATE digest = VALUES(digest), size = VALUES(size), ref = VALUES(ref),
       birth_artifact_id = VALUES(birth_artifact_id), storage_key = VALUES(storage_key), extra = VALUES(extra)`,
  );
  const last = await tx.get<{ n: number | null }>(
    "SELECT max(version_index) AS n FROM artifacts WHERE collection_id = ?",
    [artifact.collectionId],
  );
  const next = Number(last?.n ?? -1) + 1;
  await tx.run(
    `UPDATE artifacts SET state = 'COMMITTED', version_index = ?, size = ?, file_count = ?, committed_at = ?, updated_at = ?
     WHERE id = ?`,
    [next, size, input.entries.length, input.now, input.now, artifact.id],
  );
  const aliases = new Set<string>(["latest", ...(JSON.parse(artifact.pendingAliases) as string[])]);
  for (const alias of aliases) {
    if (/^v\d+$/.test(alias)) continue; // version aliases are derived from the index, never stored
    await setAlias(tx, artifact.collectionId, alias, artifact.id);
  }
  return artifactById(tx, artifact.id);
}
