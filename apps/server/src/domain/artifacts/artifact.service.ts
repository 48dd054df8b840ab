import { randomBytes } from "node:crypto";
import { AppError } from "@ballast/core";
import type { ServerConfig } from "../../config.ts";
import type { StoredObject } from "../../stores/objects/object-store.ts";
import type {
  ArtifactCollectionRecord,
  ArtifactEntryRecord,
  ArtifactManifestRecord,
  ArtifactRecord,
  ProjectRecord,
  UserRecord,
} from "../../stores/records.ts";
import type { AccessService } from "../access/access.service.ts";
import type { Action } from "../access/policy.ts";
import { parseJsonObject } from "../json.ts";
import { checkName } from "../names.ts";
import { checkRelativePath } from "../paths.ts";
import type { Stores } from "../services.ts";

const BASE64_MD5 = /^[A-Za-z0-9+/]{22}==$/;
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MANIFEST_NAMES = new Set([
  "wandb_manifest.json",
  "wandb_manifest.incremental.json",
  "wandb_manifest.patch.json",
]);
/** A manifest larger than this is refused at commit (it is parsed in memory). */
const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

export interface CreateArtifactInput {
  /** Empty means the user's own entity: `wandb sync` of an offline run sends "" (it never learned one). */
  readonly entityName: string;
  readonly projectName: string;
  readonly runName: string | null;
  readonly typeName: string;
  readonly collectionName: string;
  readonly digest: string;
  readonly description: string | null;
  readonly metadata: string | null;
  readonly aliases: readonly string[];
  readonly tags: readonly string[];
  readonly clientId: string | null;
  readonly sequenceClientId: string | null;
  readonly deduplicate: boolean;
  readonly historyStep: number | null;
  readonly ttlSeconds: number | null;
}

export interface FileSpec {
  readonly artifactId: number;
  readonly name: string;
  readonly md5: string;
  readonly parts: readonly { partNumber: number; hexMd5: string }[] | null;
}

export interface FileUpload {
  readonly name: string;
  readonly storagePath: string;
  readonly uploadUrl: string | null;
  readonly uploadHeaders: readonly string[];
  readonly birthArtifact: ArtifactRecord;
  readonly multipart: { uploadId: string; parts: { partNumber: number; uploadUrl: string }[] } | null;
}

/** Hex of a base64 MD5, for content-addressed storage keys. */
function md5Hex(base64: string): string {
  return Buffer.from(base64, "base64").toString("hex");
}

export function artifactObjectKey(entityId: number, md5Base64: string): string {
  const hex = md5Hex(md5Base64);
  return `artifacts/${entityId}/objects/${hex.slice(0, 2)}/${hex}`;
}

export function manifestKey(entityId: number, artifactId: number, name: string): string {
  return `artifacts/${entityId}/manifests/${artifactId}/${name}`;
}

/** Artifact versions: create, upload, commit, use, and the reads the clients do while logging. */
export class ArtifactService {
  private readonly config: ServerConfig;
  private readonly stores: Stores;
  private readonly access: AccessService;

  constructor(config: ServerConfig, stores: Stores, access: AccessService) {
    this.config = config;
    this.stores = stores;
    this.access = access;
  }

  /** The artifact if the user may act on its project. */
  async get(user: UserRecord, artifactId: number, action: Action): Promise<ArtifactRecord> {
    const artifact = await this.stores.artifacts.findArtifact(artifactId);
    if (!artifact) throw new AppError("ARTIFACT_NOT_FOUND", "Artifact not found.");
    await this.access.projectById(user, artifact.projectId, action);
    return artifact;
  }

  /**
   * Deletes a version (W&B's `artifact.delete(delete_aliases)`), if the user may write to its
   * project. Refused while it has aliases besides `latest` unless `deleteAliases`.
   */
  async delete(
    user: UserRecord,
    artifactId: number,
    deleteAliases: boolean,
  ): Promise<{ artifact: ArtifactRecord; project: ProjectRecord }> {
    const artifact = await this.stores.artifacts.findArtifact(artifactId);
    if (!artifact || artifact.state === "DELETED")
      throw new AppError("ARTIFACT_NOT_FOUND", "Artifact not found.");
    const project = await this.access.projectById(user, artifact.projectId, "write");
    const outcome = await this.stores.artifacts.deleteArtifact(artifactId, deleteAliases, Date.now());
    if (outcome === "has-aliases") {
      throw new AppError(
        "FAILED_PRECONDITION",
        "The artifact has aliases: remove them first, or delete with delete_aliases=True.",
      );
    }
    if (outcome === "missing") throw new AppError("ARTIFACT_NOT_FOUND", "Artifact not found.");
    return { artifact, project };
  }

  async create(
    user: UserRecord,
    input: CreateArtifactInput,
  ): Promise<{ artifact: ArtifactRecord; latest: ArtifactRecord | undefined }> {
    if (!NAME.test(input.collectionName)) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `Invalid artifact name ${JSON.stringify(input.collectionName)}: use up to 128 of A-Z a-z 0-9 _ . -`,
      );
    }
    checkName(input.typeName, "artifact type");
    for (const alias of input.aliases) checkName(alias, "alias");
    if (input.metadata !== null) parseJsonObject(input.metadata, "metadata");
    const project = await this.access.projectForWrite(user, input.entityName, input.projectName);
    let runId: number | null = null;
    if (input.runName) {
      const run = await this.stores.runs.findRun(project.id, input.runName);
      if (!run)
        throw new AppError(
          "RUN_NOT_FOUND",
          `Run ${project.entityName}/${project.name}/${input.runName} does not exist.`,
        );
      runId = run.id;
    }
    const existingCollection = await this.stores.artifacts.findCollection(project.id, input.collectionName);
    const latest = existingCollection && (await this.stores.artifacts.latestVersion(existingCollection.id));
    const { artifact } = await this.stores.artifacts.createArtifact({
      projectId: project.id,
      typeName: input.typeName,
      collectionName: input.collectionName,
      digest: input.digest,
      description: input.description,
      metadata: input.metadata,
      historyStep: input.historyStep,
      clientId: input.clientId,
      sequenceClientId: input.sequenceClientId,
      runId,
      aliases: input.aliases,
      tags: input.tags,
      ttlSeconds: input.ttlSeconds ?? -1,
      deduplicate: input.deduplicate,
      now: Date.now(),
    });
    return { artifact, latest: latest && latest.id !== artifact.id ? latest : undefined };
  }

  /** createArtifactManifest (an upsert per artifact and file name) with a signed upload URL for it. */
  async upsertManifest(
    user: UserRecord,
    input: { artifactId: number; name: string; type: string; digest: string; baseArtifactId: number | null },
  ): Promise<{ manifest: ArtifactManifestRecord; uploadUrl: string; uploadHeaders: readonly string[] }> {
    const artifact = await this.get(user, input.artifactId, "write");
    if (!MANIFEST_NAMES.has(input.name)) {
      throw new AppError("INVALID_ARGUMENT", `Unknown manifest file name ${JSON.stringify(input.name)}.`);
    }
    const manifest = await this.stores.artifacts.upsertManifest({
      artifactId: artifact.id,
      name: input.name,
      type: input.type,
      digest: input.digest,
      baseArtifactId: input.baseArtifactId,
      storageKey: manifestKey(artifact.entityId, artifact.id, input.name),
    });
    const signed = await this.stores.objects.signUpload(
      manifest.storageKey,
      this.config.limits.uploadUrlTtlSeconds,
    );
    return { manifest, uploadUrl: signed.url, uploadHeaders: signed.headers };
  }

  async updateManifest(
    user: UserRecord,
    input: { manifestId: number; digest: string | null; baseArtifactId: number | null },
  ) {
    const manifest = await this.stores.artifacts.findManifest(input.manifestId);
    if (!manifest) throw new AppError("NOT_FOUND", "Artifact manifest not found.");
    await this.get(user, manifest.artifactId, "write");
    await this.stores.artifacts.updateManifest(manifest.id, input.digest, input.baseArtifactId);
    const updated = (await this.stores.artifacts.findManifest(manifest.id)) ?? manifest;
    const signed = await this.stores.objects.signUpload(
      updated.storageKey,
      this.config.limits.uploadUrlTtlSeconds,
    );
    return { manifest: updated, uploadUrl: signed.url, uploadHeaders: signed.headers };
  }

  async manifestDownloadUrl(manifest: ArtifactManifestRecord): Promise<string> {
    return this.stores.objects.signDownload(manifest.storageKey, this.config.limits.downloadUrlTtlSeconds);
  }

  /**
   * createArtifactFiles: one answer per spec, in order. Content already stored for the entity gets a
   * null upload URL (the client skips it) and keeps its birth artifact; new content gets a signed URL.
   */
  async createFiles(user: UserRecord, specs: readonly FileSpec[]): Promise<FileUpload[]> {
    const artifacts = new Map<number, ArtifactRecord>();
    const uploads: FileUpload[] = [];
    for (const spec of specs) {
      let artifact = artifacts.get(spec.artifactId);
      if (!artifact) {
        artifact = await this.get(user, spec.artifactId, "write");
        artifacts.set(spec.artifactId, artifact);
      }
      checkRelativePath(spec.name, "artifact file name");
      if (!BASE64_MD5.test(spec.md5)) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `md5 of ${JSON.stringify(spec.name)} must be a base64 MD5 digest.`,
        );
      }
      const storageKey = artifactObjectKey(artifact.entityId, spec.md5);
      const object = await this.stores.artifacts.claimObject({
        entityId: artifact.entityId,
        md5: spec.md5,
        birthArtifactId: artifact.id,
        storageKey,
      });
      const birthArtifact =
        object.birthArtifactId === artifact.id
          ? artifact
          : ((await this.stores.artifacts.findArtifact(object.birthArtifactId)) ?? artifact);
      if (object.storedAt !== null) {
        uploads.push({
          name: spec.name,
          storagePath: storageKey,
          uploadUrl: null,
          uploadHeaders: [],
          birthArtifact,
          multipart: null,
        });
        continue;
      }
      const signed = await this.stores.objects.signUpload(storageKey, this.config.limits.uploadUrlTtlSeconds);
      let multipart: FileUpload["multipart"] = null;
      if (spec.parts && spec.parts.length > 0) {
        const uploadId = randomBytes(16).toString("hex");
        await this.stores.artifacts.createMultipartUpload({
          uploadId,
          storageKey,
          entityId: artifact.entityId,
          md5: spec.md5,
          partCount: spec.parts.length,
          createdAt: Date.now(),
        });
        const parts = await Promise.all(
          spec.parts.map(async (part) => {
            if (!Number.isSafeInteger(part.partNumber) || part.partNumber < 1 || part.partNumber > 10_000) {
              throw new AppError("INVALID_ARGUMENT", "partNumber must be 1–10000.");
            }
            const partSigned = await this.stores.objects.signUpload(
              `uploads/${uploadId}/${part.partNumber}`,
              this.config.limits.uploadUrlTtlSeconds,
            );
            return { partNumber: part.partNumber, uploadUrl: partSigned.url };
          }),
        );
        multipart = { uploadId, parts };
      }
      uploads.push({
        name: spec.name,
        storagePath: storageKey,
        uploadUrl: signed.url,
        uploadHeaders: signed.headers,
        birthArtifact,
        multipart,
      });
    }
    return uploads;
  }

  /** completeMultipartUploadArtifact: joins the parts and checks the whole file's MD5. */
  async completeMultipart(
    user: UserRecord,
    input: {
      artifactId: number;
      storagePath: string;
      uploadId: string;
      parts: readonly { partNumber: number; hexMd5: string }[];
    },
  ): Promise<string> {
    const artifact = await this.get(user, input.artifactId, "write");
    const upload = await this.stores.artifacts.findMultipartUpload(input.uploadId);
    if (!upload || upload.storageKey !== input.storagePath || upload.entityId !== artifact.entityId) {
      throw new AppError("NOT_FOUND", "No such multipart upload for this artifact.");
    }
    if (upload.completedAt !== null) return upload.md5;
    const numbers = input.parts.map((p) => p.partNumber).sort((a, b) => a - b);
    if (numbers.length !== upload.partCount || numbers.some((n, i) => n !== i + 1)) {
      throw new AppError("INVALID_ARGUMENT", `Expected parts 1–${upload.partCount}, each once.`);
    }
    for (const part of numbers) {
      if (!(await this.stores.objects.stat(`uploads/${upload.uploadId}/${part}`))) {
        throw new AppError("INVALID_ARGUMENT", `Part ${part} was never uploaded.`);
      }
    }
    const stored = await this.stores.objects.compose(
      upload.storageKey,
      numbers.map((n) => `uploads/${upload.uploadId}/${n}`),
    );
    if (stored.md5Base64 !== upload.md5) {
      await this.stores.objects.delete(upload.storageKey);
      throw new AppError(
        "DIGEST_MISMATCH",
        `The joined parts have MD5 ${stored.md5Base64}, not ${upload.md5}.`,
      );
    }
    await this.stores.artifacts.markObjectStored(upload.entityId, upload.md5, stored.size, Date.now());
    await this.stores.artifacts.completeMultipartUpload(upload.uploadId, Date.now());
    return upload.md5;
  }

  /**
   * The stored object with this content. With a bucket the client uploads to directly, an object the
   * queue has not recorded yet is looked up in the bucket (and recorded when its MD5 matches).
   */
  private async storedObject(entityId: number, md5: string) {
    const object = await this.stores.artifacts.findObject(entityId, md5);
    if (!object || object.storedAt !== null || this.stores.objects.recordsUploads) return object;
    const stored = await this.stores.objects.describe(object.storageKey);
    if (!stored || stored.md5Base64 !== md5) return object;
    await this.stores.artifacts.markObjectStored(entityId, md5, stored.size, Date.now());
    return this.stores.artifacts.findObject(entityId, md5);
  }

  /** Called by the storage layer once an upload is durable; the key says what it was. */
  async objectStored(key: string, stored: StoredObject): Promise<void> {
    const object = /^artifacts\/(\d+)\/objects\/[0-9a-f]{2}\/([0-9a-f]{32})$/.exec(key);
    if (object) {
      const md5 = Buffer.from(object[2] ?? "", "hex").toString("base64");
      await this.stores.artifacts.markObjectStored(Number(object[1]), md5, stored.size, Date.now());
      return;
    }
    if (/^artifacts\/\d+\/manifests\//.test(key))
      await this.stores.artifacts.markManifestUploaded(key, Date.now());
  }

  /** The MD5 an upload to `key` must have, for content-addressed keys. */
  expectedMd5(key: string): string | undefined {
    const object = /^artifacts\/\d+\/objects\/[0-9a-f]{2}\/([0-9a-f]{32})$/.exec(key);
    return object ? Buffer.from(object[1] ?? "", "hex").toString("base64") : undefined;
  }

  /**
   * commitArtifact: reads the uploaded manifest, checks that every stored entry's content is present,
   * records the entries, and makes the version visible (vN, `latest`, the aliases asked for).
   */
  async commit(user: UserRecord, artifactId: number): Promise<ArtifactRecord> {
    const artifact = await this.get(user, artifactId, "write");
    if (artifact.state === "COMMITTED") return artifact;
    if (!this.stores.objects.recordsUploads) {
      // The client PUT the manifest straight to the bucket a moment ago: record it now rather than
      // wait for the queue's notice.
      for (const name of MANIFEST_NAMES) {
        const key = manifestKey(artifact.entityId, artifact.id, name);
        const stored = await this.stores.objects.describe(key);
        if (stored) await this.objectStored(key, stored);
      }
    }
    const manifest = await this.stores.artifacts.currentManifest(artifact.id);
    if (!manifest) {
      throw new AppError(
        "ARTIFACT_STATE_CONFLICT",
        "The artifact's manifest has not been uploaded; upload it before committing.",
      );
    }
    const entries = await this.readManifestEntries(artifact, manifest);
    return this.stores.artifacts.commit({ artifactId: artifact.id, entries, now: Date.now() });
  }

  private async readManifestEntries(
    artifact: ArtifactRecord,
    manifest: ArtifactManifestRecord,
  ): Promise<Omit<ArtifactEntryRecord, "artifactId">[]> {
    const object = await this.stores.objects.get(manifest.storageKey);
    if (!object)
      throw new AppError("ARTIFACT_STATE_CONFLICT", "The artifact's manifest has not been uploaded.");
    if (object.size > MAX_MANIFEST_BYTES)
      throw new AppError("PAYLOAD_TOO_LARGE", "The artifact manifest is too large.");
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    const parsed = parseJsonObject(Buffer.concat(chunks).toString("utf8"), "artifact manifest");
    const contents = parsed.contents;
    if (contents === null || typeof contents !== "object" || Array.isArray(contents)) {
      throw new AppError("INVALID_ARGUMENT", "The artifact manifest has no `contents` object.");
    }
    let baseEntries: Omit<ArtifactEntryRecord, "artifactId">[] = [];
    if (manifest.type !== "FULL" && manifest.baseArtifactId !== null) {
      // Incremental manifests list only what changed; the rest comes from the base version.
      baseEntries = await this.allEntries(manifest.baseArtifactId);
    }
    const byPath = new Map(baseEntries.map((e) => [e.path, e]));
    for (const [path, raw] of Object.entries(contents)) {
      checkRelativePath(path, "artifact entry path");
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        throw new AppError("INVALID_ARGUMENT", `Manifest entry ${JSON.stringify(path)} is not an object.`);
      }
      const digest = typeof raw.digest === "string" ? raw.digest : "";
      const ref = typeof raw.ref === "string" ? raw.ref : null;
      const size = typeof raw.size === "number" ? raw.size : null;
      let storageKey: string | null = null;
      let birthArtifactId: number | null = null;
      if (ref === null) {
        if (!BASE64_MD5.test(digest)) {
          throw new AppError(
            "INVALID_ARGUMENT",
            `Manifest entry ${JSON.stringify(path)} has no base64 MD5 digest.`,
          );
        }
        const stored = await this.storedObject(artifact.entityId, digest);
        if (!stored || stored.storedAt === null) {
          throw new AppError(
            "ARTIFACT_STATE_CONFLICT",
            `The content of ${JSON.stringify(path)} was never uploaded.`,
          );
        }
        storageKey = stored.storageKey;
        birthArtifactId = stored.birthArtifactId;
      }
      const extra = raw.extra !== undefined && raw.extra !== null ? JSON.stringify(raw.extra) : null;
      byPath.set(path, { path, digest, size, ref, birthArtifactId, storageKey, extra });
    }
    return [...byPath.values()];
  }

  private async allEntries(artifactId: number): Promise<Omit<ArtifactEntryRecord, "artifactId">[]> {
    const out: Omit<ArtifactEntryRecord, "artifactId">[] = [];
    let after = "";
    for (;;) {
      const page = await this.stores.artifacts.entries(artifactId, after, 5000);
      for (const { artifactId: _, ...entry } of page) out.push(entry);
      const last = page[page.length - 1];
      if (!last || page.length < 5000) return out;
      after = last.path;
    }
  }

  /** useArtifact: records that the run consumed the artifact. */
  async use(
    user: UserRecord,
    input: {
      entityName: string;
      projectName: string;
      runName: string;
      artifactId: number;
      usedAs: string | null;
    },
  ): Promise<ArtifactRecord> {
    const project = await this.access.project(user, input.entityName, input.projectName, "write");
    const run = await this.stores.runs.findRun(project.id, input.runName);
    if (!run)
      throw new AppError(
        "RUN_NOT_FOUND",
        `Run ${project.entityName}/${project.name}/${input.runName} does not exist.`,
      );
    const artifact = await this.get(user, input.artifactId, "read");
    await this.stores.artifacts.recordUsage(run.id, artifact.id, input.usedAs, Date.now());
    return artifact;
  }

  /** Resolves `name:alias` (`name:latest`, `name:v3`, `name:custom`) in a project. */
  async byName(
    project: ProjectRecord,
    nameWithAlias: string,
  ): Promise<{ collection: ArtifactCollectionRecord; artifact: ArtifactRecord } | undefined> {
    const colon = nameWithAlias.lastIndexOf(":");
    const name = colon >= 0 ? nameWithAlias.slice(0, colon) : nameWithAlias;
    const alias = colon >= 0 ? nameWithAlias.slice(colon + 1) : "latest";
    const collection = await this.stores.artifacts.findCollection(project.id, name);
    if (!collection) return undefined;
    const artifact = await this.version(collection, alias);
    return artifact && { collection, artifact };
  }

  /** A committed version of the collection by alias, `vN`, or digest. */
  async version(collection: ArtifactCollectionRecord, alias: string): Promise<ArtifactRecord | undefined> {
    const version = /^v(\d+)$/.exec(alias);
    if (version) return this.stores.artifacts.findVersion(collection.id, Number(version[1]));
    return (
      (await this.stores.artifacts.findByAlias(collection.id, alias)) ??
      (/^[0-9a-f]{32}$/.test(alias)
        ? await this.stores.artifacts.findByDigest(collection.id, alias)
        : undefined)
    );
  }

  async entriesPage(artifactId: number, after: string, first: number, names: readonly string[] | null) {
    if (names) return this.stores.artifacts.entriesByName(artifactId, names);
    return this.stores.artifacts.entries(artifactId, after, first);
  }

  /**
   * The storage key of an artifact file's content, by entity and hex MD5, if the user may read the
   * entity and the content is stored (the client's authenticated download fallback).
   */
  async contentKey(user: UserRecord, entityName: string, md5Hex: string): Promise<string> {
    if (!/^[0-9a-f]{32}$/.test(md5Hex)) throw new AppError("INVALID_ARGUMENT", "Expected a hex MD5 digest.");
    const entity = await this.access.entity(user, entityName, "read");
    const object = await this.storedObject(entity.id, Buffer.from(md5Hex, "hex").toString("base64"));
    if (!object || object.storedAt === null)
      throw new AppError("OBJECT_NOT_FOUND", "No stored artifact file has that digest.");
    return object.storageKey;
  }

  async entryDownloadUrl(entry: ArtifactEntryRecord): Promise<string | null> {
    if (entry.storageKey === null) return entry.ref;
    return this.stores.objects.signDownload(entry.storageKey, this.config.limits.downloadUrlTtlSeconds);
  }
}
