/**
 * The artifact pages of the web UI: a project's collections by type, a collection's versions, one
 * version's files, metadata and lineage (the run that logged it, the runs that used it), and the
 * artifacts a run logged and used. Read access to the project is checked first, as the GraphQL
 * resolvers do (wandb/artifacts.resolvers.ts); a lineage run in a project the user may not read is
 * left out rather than failing the page.
 */
import { AppError, type JsonValue, parseLenientJson } from "@ballast/core";
import type {
  ArtifactCollectionRecord,
  ArtifactRecord,
  ProjectRecord,
  UserRecord,
} from "../../stores/records.ts";
import { wireValue } from "../runs/media-values.ts";
import { type RunPath, readableRun } from "../runs/run-media.ts";
import type { Services } from "../services.ts";

type Deps = Pick<Services, "access" | "stores" | "config" | "artifacts" | "runReads">;

/** Collections listed per type, and versions / runs / files per page: an overview, paged beyond. */
export const MAX_COLLECTIONS_PER_TYPE = 500;
export const MAX_PAGE = 500;

export interface RunRef {
  readonly entity: string;
  readonly project: string;
  readonly name: string;
  readonly displayName: string;
}

export interface VersionSummary {
  readonly entity: string;
  readonly project: string;
  readonly type: string;
  readonly collection: string;
  /** `v3` */
  readonly version: string;
  readonly aliases: readonly string[];
  readonly size: number;
  readonly fileCount: number;
  readonly digest: string;
  readonly createdAt: string;
  readonly createdBy: RunRef | null;
}

function checkPage(value: number, name: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max)
    throw new AppError("INVALID_ARGUMENT", `${name} must be an integer from 0 to ${max}.`);
  return value;
}

async function runRef(deps: Deps, user: UserRecord, runId: number | null): Promise<RunRef | null> {
  if (runId === null) return null;
  const run = await deps.stores.runs.findRunById(runId);
  if (!run) return null;
  try {
    const project = await deps.access.projectById(user, run.projectId, "read");
    return {
      entity: project.entityName,
      project: project.name,
      name: run.name,
      displayName: run.displayName ?? run.name,
    };
  } catch {
    return null;
  }
}

async function summarize(
  deps: Deps,
  user: UserRecord,
  project: ProjectRecord,
  artifact: ArtifactRecord,
): Promise<VersionSummary> {
  const aliases = (await deps.stores.artifacts.aliasesOf(artifact.id))
    .filter((a) => a.collectionId === artifact.collectionId)
    .map((a) => a.alias)
    .sort();
  return {
    entity: project.entityName,
    project: project.name,
    type: artifact.typeName,
    collection: artifact.collectionName,
    version: `v${artifact.versionIndex ?? 0}`,
    aliases,
    size: artifact.size,
    fileCount: artifact.fileCount,
    digest: artifact.digest,
    createdAt: new Date(artifact.committedAt ?? artifact.createdAt).toISOString(),
    createdBy: await runRef(deps, user, artifact.runId),
  };
}

/** `/:entity/:project/artifacts`: every type with its collections (newest first) and version counts. */
export async function collectionsByType(deps: Deps, user: UserRecord, entity: string, projectName: string) {
  const project = await deps.access.project(user, entity, projectName, "read");
  const { artifacts } = deps.stores;
  const types = await artifacts.artifactTypes(project.id, 0, MAX_PAGE);
  return Promise.all(
    types.map(async (type) => {
      const collections = await artifacts.collections(
        project.id,
        type.id,
        Number.MAX_SAFE_INTEGER,
        MAX_COLLECTIONS_PER_TYPE,
      );
      return {
        name: type.name,
        totalCollections: await artifacts.countCollections(project.id, type.id),
        collections: await Promise.all(
          collections.map(async (collection) => {
            const latest = await artifacts.latestVersion(collection.id);
            return {
              name: collection.name,
              description: collection.description,
              createdAt: new Date(collection.createdAt).toISOString(),
              versionCount: await artifacts.countVersions(collection.id, ["COMMITTED"]),
              latest: latest ? `v${latest.versionIndex ?? 0}` : null,
              updatedAt: latest ? new Date(latest.committedAt ?? latest.createdAt).toISOString() : null,
            };
          }),
        ),
      };
    }),
  );
}

async function collectionOf(
  deps: Deps,
  user: UserRecord,
  path: { entity: string; project: string; type: string; collection: string },
): Promise<{ project: ProjectRecord; collection: ArtifactCollectionRecord }> {
  const project = await deps.access.project(user, path.entity, path.project, "read");
  const collection = await deps.stores.artifacts.findCollection(project.id, path.collection);
  if (!collection || collection.typeName !== path.type)
    throw new AppError(
      "ARTIFACT_NOT_FOUND",
      `No ${path.type} artifact ${JSON.stringify(path.collection)} in ${path.entity}/${path.project}.`,
    );
  return { project, collection };
}

/** A collection's committed versions, newest first. */
export async function collectionVersions(
  deps: Deps,
  user: UserRecord,
  path: { entity: string; project: string; type: string; collection: string },
  page: { offset: number; limit: number },
) {
  const offset = checkPage(page.offset, "offset", Number.MAX_SAFE_INTEGER);
  const limit = Math.max(1, checkPage(page.limit, "limit", MAX_PAGE));
  const { project, collection } = await collectionOf(deps, user, path);
  const { artifacts } = deps.stores;
  const versions = await artifacts.versions(collection.id, ["COMMITTED"], offset, limit, true);
  return {
    collection: {
      type: collection.typeName,
      name: collection.name,
      description: collection.description,
      createdAt: new Date(collection.createdAt).toISOString(),
    },
    total: await artifacts.countVersions(collection.id, ["COMMITTED"]),
    offset,
    versions: await Promise.all(versions.map((v) => summarize(deps, user, project, v))),
  };
}

/** A version by `vN` or alias: its summary, description, metadata and lineage. */
export async function versionDetail(
  deps: Deps,
  user: UserRecord,
  path: { entity: string; project: string; type: string; collection: string; version: string },
) {
  const { project, artifact } = await versionOf(deps, user, path);
  const { artifacts } = deps.stores;
  const usedIds = await artifacts.usedBy(artifact.id, 0, MAX_PAGE);
  const usedBy = (await Promise.all(usedIds.map((id) => runRef(deps, user, id)))).filter(
    (ref): ref is RunRef => ref !== null,
  );
  return {
    ...(await summarize(deps, user, project, artifact)),
    description: artifact.description,
    metadata: parseMetadata(artifact.metadata),
    usedBy,
    usedByTotal: await artifacts.countUsedBy(artifact.id),
  };
}

function parseMetadata(text: string | null): JsonValue {
  if (text === null || text === "") return {};
  try {
    return wireValue(parseLenientJson(text, { exactIntegers: true }));
  } catch {
    return {};
  }
}

async function versionOf(
  deps: Deps,
  user: UserRecord,
  path: { entity: string; project: string; type: string; collection: string; version: string },
): Promise<{ project: ProjectRecord; artifact: ArtifactRecord }> {
  const { project, collection } = await collectionOf(deps, user, path);
  const artifact = await deps.artifacts.version(collection, path.version);
  if (artifact?.state !== "COMMITTED")
    throw new AppError("ARTIFACT_NOT_FOUND", `${path.collection}:${path.version} does not exist.`);
  return { project, artifact };
}

/**
 * A page of a version's files by path: stored files carry a signed download URL; a reference entry
 * (`s3://…`, `https://…`) carries its reference as text only — the UI never links off-site.
 */
export async function versionFiles(
  deps: Deps,
  user: UserRecord,
  path: { entity: string; project: string; type: string; collection: string; version: string },
  page: { after: string; limit: number },
) {
  const limit = Math.max(1, checkPage(page.limit, "limit", MAX_PAGE));
  const { artifact } = await versionOf(deps, user, path);
  const entries = await deps.artifacts.entriesPage(artifact.id, page.after, limit + 1, null);
  const shown = entries.slice(0, limit);
  return {
    total: artifact.fileCount,
    files: await Promise.all(
      shown.map(async (entry) => ({
        path: entry.path,
        size: entry.size,
        digest: entry.digest,
        ref: entry.storageKey === null ? entry.ref : null,
        url: entry.storageKey === null ? null : await deps.artifacts.entryDownloadUrl(entry),
      })),
    ),
    next: entries.length > limit ? (shown.at(-1)?.path ?? null) : null,
  };
}

/** The artifacts a run logged and used (the run page's Artifacts tab). */
export async function runArtifacts(deps: Deps, user: UserRecord, path: RunPath) {
  const run = await readableRun(deps, user, path);
  const { artifacts } = deps.stores;
  const projects = new Map<number, Promise<ProjectRecord | null>>();
  // A used artifact may live in another project: shown only when the user may read that project.
  const projectOf = (id: number) => {
    let found = projects.get(id);
    if (!found) {
      found = deps.access.projectById(user, id, "read").catch(() => null);
      projects.set(id, found);
    }
    return found;
  };
  const list = async (direction: "input" | "output") => {
    const shown: VersionSummary[] = [];
    for (const artifact of await artifacts.runArtifacts(run.id, direction, 0, MAX_PAGE)) {
      const project = artifact.state === "COMMITTED" ? await projectOf(artifact.projectId) : null;
      if (project) shown.push(await summarize(deps, user, project, artifact));
    }
    return shown;
  };
  return { logged: await list("output"), used: await list("input") };
}
