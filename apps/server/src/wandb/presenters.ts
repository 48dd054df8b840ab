/**
 * Presenters: domain records shaped as the W&B GraphQL types. Lazy fields are functions, which
 * graphql-js's default resolver calls with the field's arguments, so only what a document selects is
 * computed. Field names and nullability follow schema.graphql.
 */
import { type JsonValue, parseLenientJson, stringifyLenientJson } from "@ballast/core";
import type { Services } from "../domain/services.ts";
import type {
  ArtifactCollectionRecord,
  ArtifactEntryRecord,
  ArtifactRecord,
  EntityRecord,
  ProjectRecord,
  RunRecord,
  UserRecord,
} from "../stores/records.ts";
import { globalId } from "./ids.ts";

/**
 * Presented objects carry their records under `_`-prefixed keys (never schema fields), so an area's
 * type resolvers (schema.ts `ResolverArea.types`) can compute more fields from them.
 */
export interface RunParent {
  readonly _run: RunRecord;
  readonly _project: ProjectRecord;
}
export interface ProjectParent {
  readonly _project: ProjectRecord;
}
export interface ArtifactParent {
  readonly _artifact: ArtifactRecord;
}
export interface CollectionParent {
  readonly _collection: ArtifactCollectionRecord;
  readonly _project: ProjectRecord;
}
export interface UserParent {
  readonly _user: UserRecord;
}

export interface GraphqlContext {
  readonly services: Services;
  readonly user: UserRecord;
  /** The client's address (http/client-address.ts), for the audit log. */
  readonly address?: string | undefined;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function presentUser(user: UserRecord, ctx: GraphqlContext) {
  return {
    _user: user,
    id: globalId("User", user.id),
    name: user.username,
    username: user.username,
    email: user.email,
    entity: user.defaultEntityName,
    admin: user.isAdmin,
    flags: "{}",
    deletedAt: null,
    apiKeys: { edges: [] },
    teams: async () => {
      const entities = await ctx.services.stores.identity.entitiesOfUser(user.id);
      return { edges: entities.map((entity) => ({ node: presentEntity(entity) })) };
    },
  };
}

export function presentEntity(entity: EntityRecord) {
  return {
    _entity: entity,
    id: globalId("Entity", entity.id),
    name: entity.name,
    // Ballast has no organizations; the client treats null as "none" (OrganizationCoreWeaveOrganizationID).
    organization: null,
    // Only MD5 digests: a client that asks falls back to MD5 (XXHashDigestsEnabled).
    xxhashDigestsEnabled: false,
  };
}

export function presentProject(project: ProjectRecord, ctx: GraphqlContext) {
  const { services } = ctx;
  const run = async ({ name }: { name: string }) => {
    const found = await services.stores.runs.findRun(project.id, name);
    return found ? presentRun(found, project, ctx) : null;
  };
  return {
    _project: project,
    id: globalId("Project", project.id),
    internalId: globalId("Project", project.id),
    name: project.name,
    entityName: project.entityName,
    entity: presentEntity({ id: project.entityId, name: project.entityName, kind: "user" }),
    readOnly: false,
    createdAt: iso(project.createdAt),
    bucket: run,
    run,
    artifact: async ({ name }: { name: string }) => {
      const found = await services.artifacts.byName(project, name);
      return found ? presentArtifact(found.artifact, ctx) : null;
    },
    artifactType: async ({ name }: { name: string }) => {
      return {
        id: globalId("ArtifactType", `${project.id}:${name}`),
        name,
        artifactCollection: collectionByName,
      };
    },
    artifactCollection: collectionByName,
    artifactCollectionMembership: async ({ name }: { name: string }) => {
      const found = await services.artifacts.byName(project, name);
      return found ? presentMembership(found.collection, found.artifact, ctx) : null;
    },
  };
  async function collectionByName({ name }: { name: string }) {
    const collection = await services.stores.artifacts.findCollection(project.id, name);
    return collection ? presentCollection(collection, project, ctx) : null;
  }
}

export function presentRun(run: RunRecord, project: ProjectRecord, ctx: GraphqlContext) {
  const { runs } = ctx.services.stores;
  return {
    _run: run,
    _project: project,
    id: globalId("Run", run.id),
    name: run.name,
    displayName: run.displayName,
    description: run.description,
    notes: run.notes,
    state: run.state,
    config: run.config,
    summaryMetrics: run.summary,
    sweepName: run.sweepName,
    group: run.groupName,
    jobType: run.jobType,
    host: run.host,
    commit: run.gitCommit,
    tags: JSON.parse(run.tags) as string[],
    createdAt: iso(run.createdAt),
    heartbeatAt: iso(run.heartbeatAt),
    project: () => presentProject(project, ctx),
    historyLineCount: run.historyLineCount,
    eventsLineCount: run.eventsLineCount,
    logLineCount: run.logLineCount,
    // JSON arrays of JSONL strings; the client reads only the last element (reference §6.3).
    historyTail: async () => JSON.stringify(tail(await runs.lastLine(run.id, "history"))),
    eventsTail: async () => JSON.stringify(tail(await runs.lastLine(run.id, "events"))),
    wandbConfig: ({ keys }: { keys?: readonly string[] | null }) => wandbConfig(run.config, keys ?? null),
  };
}

function tail(line: string | undefined): string[] {
  return line === undefined ? [] : [line];
}

/**
 * The requested keys of the run's `_wandb` config value, unwrapped (`{"t": {...}}`). The client treats
 * a run as existing only when this holds `t` (telemetry), which every real client upsert carries.
 */
function wandbConfig(configText: string, keys: readonly string[] | null): string {
  try {
    return pickWandbConfig(parseLenientJson(configText, { exactIntegers: true }), keys);
  } catch {
    return "{}"; // a config the client could not have sent (not JSON, absurdly deep)
  }
}

function pickWandbConfig(config: JsonValue, keys: readonly string[] | null): string {
  const wrapped =
    config !== null && typeof config === "object" && !Array.isArray(config) ? config._wandb : undefined;
  const value =
    wrapped !== null && typeof wrapped === "object" && !Array.isArray(wrapped) && wrapped !== undefined
      ? wrapped.value
      : undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value) || value === undefined) return "{}";
  const picked: { [key: string]: JsonValue } = {};
  for (const [key, item] of Object.entries(value)) {
    if (keys === null || keys.includes(key)) picked[key] = item;
  }
  return stringifyLenientJson(picked);
}

export function presentCollection(
  collection: ArtifactCollectionRecord,
  project: ProjectRecord,
  ctx: GraphqlContext,
) {
  const { services } = ctx;
  return {
    _collection: collection,
    _project: project,
    __typename: collection.kind === "portfolio" ? "ArtifactPortfolio" : "ArtifactSequence",
    id: globalId("ArtifactCollection", collection.id),
    name: collection.name,
    description: collection.description,
    createdAt: iso(collection.createdAt),
    project: () => presentProject(project, ctx),
    defaultArtifactType: { id: globalId("ArtifactType", collection.typeId), name: collection.typeName },
    digestAlgorithm: "MANIFEST_MD5",
    latestArtifact: async () => {
      const latest = await services.stores.artifacts.latestVersion(collection.id);
      return latest ? presentArtifact(latest, ctx) : null;
    },
    artifactMembership: async ({ aliasName }: { aliasName: string }) => {
      const artifact = await services.artifacts.version(collection, aliasName);
      return artifact ? presentMembership(collection, artifact, ctx) : null;
    },
  };
}

async function aliasObjects(artifact: ArtifactRecord, ctx: GraphqlContext) {
  const stored = await ctx.services.stores.artifacts.aliasesOf(artifact.id);
  const names = stored.filter((a) => a.collectionId === artifact.collectionId).map((a) => a.alias);
  // Exactly one `vN` alias per committed version (the Python client derives the version from it).
  if (artifact.versionIndex !== null) names.unshift(`v${artifact.versionIndex}`);
  return names.map((alias) => ({
    __typename: "ArtifactAlias",
    id: globalId("ArtifactAlias", `${artifact.collectionId}:${alias}`),
    alias,
    artifactCollection: async () => collectionOf(artifact, ctx),
  }));
}

async function collectionOf(artifact: ArtifactRecord, ctx: GraphqlContext) {
  const { stores } = ctx.services;
  const collection = await stores.artifacts.findCollectionById(artifact.collectionId);
  const project = await stores.identity.findProjectById(artifact.projectId);
  return collection && project ? presentCollection(collection, project, ctx) : null;
}

export function presentArtifact(artifact: ArtifactRecord, ctx: GraphqlContext) {
  const { services } = ctx;
  return {
    _artifact: artifact,
    __typename: "Artifact",
    id: globalId("Artifact", artifact.id),
    state: artifact.state,
    digest: artifact.digest,
    digestAlgorithm: "MANIFEST_MD5",
    description: artifact.description,
    metadata: artifact.metadata,
    versionIndex: artifact.versionIndex,
    size: artifact.size,
    fileCount: artifact.fileCount,
    commitHash: null,
    historyStep: artifact.historyStep,
    ttlDurationSeconds: artifact.ttlSeconds,
    ttlIsInherited: artifact.ttlSeconds === -1,
    createdAt: iso(artifact.createdAt),
    updatedAt: iso(artifact.updatedAt),
    artifactType: { id: globalId("ArtifactType", artifact.typeId), name: artifact.typeName },
    artifactSequence: () => collectionOf(artifact, ctx),
    aliases: () => aliasObjects(artifact, ctx),
    tags: async () =>
      (await services.stores.artifacts.tagsOf(artifact.id)).map((name) => ({
        __typename: "Tag",
        id: globalId("Tag", `${artifact.id}:${name}`),
        name,
      })),
    currentManifest: async () => {
      const manifest = await services.stores.artifacts.currentManifest(artifact.id);
      if (!manifest) return null;
      const directUrl = await services.artifacts.manifestDownloadUrl(manifest);
      return {
        id: globalId("ArtifactManifest", manifest.id),
        file: presentFile({
          id: globalId("File", `manifest:${manifest.id}`),
          name: manifest.name,
          size: 0,
          digest: manifest.digest,
          storagePath: manifest.storageKey,
          directUrl,
        }),
      };
    },
    files: (args: FilesArgs) => filesConnection(artifact, args, ctx),
  };
}

export function presentMembership(
  collection: ArtifactCollectionRecord,
  artifact: ArtifactRecord,
  ctx: GraphqlContext,
) {
  return {
    _collection: collection,
    _artifact: artifact,
    __typename: "ArtifactCollectionMembership",
    id: globalId("ArtifactCollectionMembership", `${collection.id}:${artifact.id}`),
    versionIndex: artifact.versionIndex,
    createdAt: iso(artifact.committedAt ?? artifact.createdAt),
    aliases: () => aliasObjects(artifact, ctx),
    artifactCollection: () => collectionOf(artifact, ctx),
    artifact: () => presentArtifact(artifact, ctx),
    files: (args: FilesArgs) => filesConnection(artifact, args, ctx),
  };
}

interface FilesArgs {
  readonly names?: readonly string[] | null;
  readonly after?: string | null;
  readonly first?: number | null;
}

const MAX_PAGE = 10_000;

async function filesConnection(artifact: ArtifactRecord, args: FilesArgs, ctx: GraphqlContext) {
  const first = Math.min(Math.max(args.first ?? 50, 1), MAX_PAGE);
  const after = args.after ? Buffer.from(args.after, "base64").toString("utf8") : "";
  const page = await ctx.services.artifacts.entriesPage(artifact.id, after, first + 1, args.names ?? null);
  const hasNextPage = !args.names && page.length > first;
  const entries = page.slice(0, first);
  const edges = await Promise.all(entries.map(async (entry) => ({ node: await presentEntry(entry, ctx) })));
  const last = entries[entries.length - 1];
  return {
    totalCount: artifact.fileCount,
    pageInfo: {
      __typename: "PageInfo",
      endCursor: last ? Buffer.from(last.path, "utf8").toString("base64") : null,
      hasNextPage,
    },
    edges,
  };
}

async function presentEntry(entry: ArtifactEntryRecord, ctx: GraphqlContext) {
  const directUrl = await ctx.services.artifacts.entryDownloadUrl(entry);
  return presentFile({
    id: globalId("File", `${entry.artifactId}:${entry.path}`),
    name: entry.path,
    size: entry.size ?? 0,
    digest: entry.digest,
    storagePath: entry.storageKey,
    directUrl: directUrl ?? "",
  });
}

export function presentFile(file: {
  id: string;
  name: string;
  size: number;
  digest: string | null;
  storagePath: string | null;
  directUrl: string;
}) {
  return {
    __typename: "File",
    id: file.id,
    name: file.name,
    displayName: file.name,
    url: file.directUrl,
    sizeBytes: file.size,
    storagePath: file.storagePath,
    mimetype: null,
    updatedAt: null,
    digest: file.digest,
    md5: file.digest,
    directUrl: file.directUrl,
    uploadUrl: null,
    uploadHeaders: [],
    artifact: null,
    uploadMultipartUrls: null,
  };
}
