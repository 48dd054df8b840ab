/** The artifact pages' and Media tab's JSON API calls (docs/web-api.md, "Artifacts and media"). */
import { request } from "./client.ts";
import type { JsonValue } from "./runs.ts";

export interface RunRef {
  readonly entity: string;
  readonly project: string;
  /** The run id. */
  readonly name: string;
  readonly displayName: string;
}

export interface CollectionSummary {
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: string;
  readonly versionCount: number;
  /** `v3`, or null before the first version is committed. */
  readonly latest: string | null;
  readonly updatedAt: string | null;
}

export interface ArtifactTypeGroup {
  readonly name: string;
  readonly totalCollections: number;
  readonly collections: readonly CollectionSummary[];
}

export interface VersionSummary {
  readonly entity: string;
  readonly project: string;
  readonly type: string;
  readonly collection: string;
  readonly version: string;
  readonly aliases: readonly string[];
  readonly size: number;
  readonly fileCount: number;
  readonly digest: string;
  readonly createdAt: string;
  readonly createdBy: RunRef | null;
}

export interface VersionList {
  readonly collection: {
    readonly type: string;
    readonly name: string;
    readonly description: string | null;
    readonly createdAt: string;
  };
  readonly total: number;
  readonly offset: number;
  readonly versions: readonly VersionSummary[];
}

export interface VersionDetail extends VersionSummary {
  readonly description: string | null;
  readonly metadata: JsonValue;
  readonly usedBy: readonly RunRef[];
  readonly usedByTotal: number;
}

export interface ArtifactFile {
  readonly path: string;
  readonly size: number | null;
  readonly digest: string;
  /** A signed download link for stored content; null for a reference entry. */
  readonly url: string | null;
  /** The reference (`s3://…`) of an entry whose bytes live elsewhere, shown as text. */
  readonly ref: string | null;
}

export interface FilePage {
  readonly total: number;
  readonly files: readonly ArtifactFile[];
  /** Pass as `after` for the next page; null on the last. */
  readonly next: string | null;
}

const seg = encodeURIComponent;

export interface CollectionPath {
  readonly entity: string;
  readonly project: string;
  readonly type: string;
  readonly collection: string;
}

const collectionApi = (p: CollectionPath) =>
  `/api/v1/artifacts/${seg(p.entity)}/${seg(p.project)}/${seg(p.type)}/${seg(p.collection)}`;

export const listArtifactTypes = (entity: string, project: string) =>
  request<{ types: ArtifactTypeGroup[] }>("GET", `/api/v1/artifacts/${seg(entity)}/${seg(project)}`);

export const listVersions = (path: CollectionPath, offset: number, limit: number) =>
  request<VersionList>(
    "GET",
    `${collectionApi(path)}?${new URLSearchParams({ offset: `${offset}`, limit: `${limit}` })}`,
  );

export const getVersion = (path: CollectionPath, version: string) =>
  request<VersionDetail>("GET", `${collectionApi(path)}/${seg(version)}`);

export const listVersionFiles = (path: CollectionPath, version: string, after: string, limit: number) =>
  request<FilePage>(
    "GET",
    `${collectionApi(path)}/${seg(version)}/files?${new URLSearchParams({ after, limit: `${limit}` })}`,
  );

export const getRunArtifacts = (entity: string, project: string, run: string) =>
  request<{ logged: VersionSummary[]; used: VersionSummary[] }>(
    "GET",
    `/api/v1/runs/${seg(entity)}/${seg(project)}/${seg(run)}/artifacts`,
  );
