/**
 * The artifact read side of wandb.Api() (reference read-verify §5.5): a project's artifact types and
 * collections, a collection's versions and aliases, and lineage (runs that logged and used an
 * artifact). Pagination cursors are opaque base64 strings.
 */
import { AppError, parseLenientJson } from "@ballast/core";
import { actorOf } from "../domain/audit/audit-event.ts";
import type {
  ArtifactCollectionRecord,
  ArtifactRecord,
  ArtifactTypeRecord,
  ProjectRecord,
} from "../stores/records.ts";
import { globalId, parseGlobalId } from "./ids.ts";
import {
  type ArtifactParent,
  type CollectionParent,
  type GraphqlContext,
  type ProjectParent,
  presentArtifact,
  presentCollection,
  presentRun,
  type RunParent,
} from "./presenters.ts";
import type { ResolverArea } from "./schema.ts";

type Args = Record<string, unknown>;
const MAX_PAGE = 1000;

function pageSize(args: Args, fallback: number): number {
  const first = typeof args.first === "number" ? args.first : fallback;
  return Math.min(Math.max(Math.trunc(first), 1), MAX_PAGE);
}

/** Cursor ↔ number (an id, or an offset): base64("n:<number>"). */
function cursorOf(n: number): string {
  return Buffer.from(`n:${n}`).toString("base64");
}
function afterOf(args: Args, fallback: number): number {
  if (typeof args.after !== "string" || args.after === "") return fallback;
  const match = /^n:(\d+)$/.exec(Buffer.from(args.after, "base64").toString("utf8"));
  if (!match) throw new AppError("INVALID_ARGUMENT", "Invalid pagination cursor.");
  return Number(match[1]);
}

/** Only filters Ballast can apply are accepted; anything else is refused rather than ignored. */
function versionStates(filters: unknown): string[] {
  if (filters === null || filters === undefined || filters === "" || filters === "{}") {
    return ["COMMITTED"];
  }
  const parsed = typeof filters === "string" ? parseLenientJson(filters) : null;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AppError("INVALID_ARGUMENT", "filters must be a JSON object.");
  }
  const keys = Object.keys(parsed);
  if (keys.length === 0) return ["COMMITTED"];
  const state = parsed.state;
  if (keys.length !== 1 || state === undefined) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `Artifact version filters support only "state" (got ${keys.join(", ")}).`,
    );
  }
  if (typeof state === "string") return [state];
  if (state !== null && typeof state === "object" && !Array.isArray(state) && Array.isArray(state.$in)) {
    return state.$in.map(String);
  }
  throw new AppError("INVALID_ARGUMENT", 'filters.state must be a state name or {"$in": [...]}.');
}

function noCollectionFilters(filters: unknown, order: unknown): boolean {
  if (filters !== null && filters !== undefined && filters !== "" && filters !== "{}") {
    throw new AppError("INVALID_ARGUMENT", "Filtering artifact collections is not supported yet.");
  }
  if (order === null || order === undefined || order === "" || order === "-createdAt" || order === "-id")
    return true;
  if (order === "createdAt" || order === "+createdAt" || order === "id" || order === "+id") {
    throw new AppError(
      "INVALID_ARGUMENT",
      "Artifact collections are listed newest first; other orders are not supported yet.",
    );
  }
  throw new AppError("INVALID_ARGUMENT", `Unknown order ${JSON.stringify(order)}.`);
}

function presentType(type: ArtifactTypeRecord, project: ProjectRecord) {
  return {
    _type: type,
    _project: project,
    __typename: "ArtifactType",
    id: globalId("ArtifactType", type.id),
    name: type.name,
    description: null,
    createdAt: new Date(type.createdAt).toISOString(),
  };
}
interface TypeParent {
  readonly _type: ArtifactTypeRecord;
  readonly _project: ProjectRecord;
}

async function collectionsConnection(
  project: ProjectRecord,
  typeId: number | null,
  args: Args,
  ctx: GraphqlContext,
) {
  noCollectionFilters(args.filters, args.order);
  const limit = pageSize(args, 50);
  const before = afterOf(args, Number.MAX_SAFE_INTEGER);
  const { artifacts } = ctx.services.stores;
  const page = await artifacts.collections(project.id, typeId, before, limit + 1);
  const shown = page.slice(0, limit);
  const edges = shown.map((collection) => ({
    node: presentCollection(collection, project, ctx),
    cursor: cursorOf(collection.id),
  }));
  return {
    totalCount: await artifacts.countCollections(project.id, typeId),
    pageInfo: {
      __typename: "PageInfo",
      endCursor: edges.at(-1)?.cursor ?? null,
      hasNextPage: page.length > limit,
    },
    edges,
  };
}

async function artifactsConnection(
  list: (after: number, limit: number) => Promise<ArtifactRecord[]>,
  total: () => Promise<number>,
  args: Args,
  ctx: GraphqlContext,
) {
  const limit = pageSize(args, 50);
  const page = await list(afterOf(args, 0), limit + 1);
  const edges = page
    .slice(0, limit)
    .map((artifact) => ({ node: presentArtifact(artifact, ctx), cursor: cursorOf(artifact.id) }));
  return {
    totalCount: await total(),
    pageInfo: {
      __typename: "PageInfo",
      endCursor: edges.at(-1)?.cursor ?? null,
      hasNextPage: page.length > limit,
    },
    edges,
  };
}

const collectionFields = {
  updatedAt: (parent: CollectionParent) => new Date(parent._collection.createdAt).toISOString(),
  tags: () => ({ edges: [] }),
  aliases: async (parent: CollectionParent, args: Args, ctx: GraphqlContext) => {
    const limit = pageSize(args, 1000);
    const after = typeof args.after === "string" ? Buffer.from(args.after, "base64").toString("utf8") : "";
    const page = await ctx.services.stores.artifacts.collectionAliases(
      parent._collection.id,
      after,
      limit + 1,
    );
    const edges = page.slice(0, limit).map((row) => ({
      node: {
        __typename: "ArtifactAlias",
        id: globalId("ArtifactAlias", `${parent._collection.id}:${row.alias}`),
        alias: row.alias,
        artifactCollection: presentCollection(parent._collection, parent._project, ctx),
      },
      cursor: Buffer.from(row.alias).toString("base64"),
    }));
    return {
      pageInfo: {
        __typename: "PageInfo",
        endCursor: edges.at(-1)?.cursor ?? null,
        hasNextPage: page.length > limit,
      },
      edges,
    };
  },
  /** Versions, newest first unless `order` is `+versionIndex` / `createdAt` (commit order = index order). */
  artifacts: async (parent: CollectionParent, args: Args, ctx: GraphqlContext) => {
    const states = versionStates(args.filters);
    const order = typeof args.order === "string" ? args.order : "-versionIndex";
    if (!/^[+-]?(versionIndex|createdAt)$/.test(order)) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `Unknown order ${JSON.stringify(order)}; use ±versionIndex or ±createdAt.`,
      );
    }
    const desc = order.startsWith("-");
    const limit = pageSize(args, 50);
    const offset = afterOf(args, 0);
    const { artifacts } = ctx.services.stores;
    const page = await artifacts.versions(parent._collection.id, states, offset, limit + 1, desc);
    const edges = page.slice(0, limit).map((artifact, i) => ({
      version: artifact.versionIndex === null ? "latest" : `v${artifact.versionIndex}`,
      node: presentArtifact(artifact, ctx),
      cursor: cursorOf(offset + i + 1),
    }));
    return {
      totalCount: await artifacts.countVersions(parent._collection.id, states),
      pageInfo: {
        __typename: "PageInfo",
        endCursor: edges.at(-1)?.cursor ?? null,
        hasNextPage: page.length > limit,
      },
      edges,
    };
  },
};

async function runOf(runId: number, ctx: GraphqlContext) {
  const run = await ctx.services.stores.runs.findRunById(runId);
  if (!run) return null;
  const project = await ctx.services.access.projectById(ctx.user, run.projectId, "read");
  return presentRun(run, project, ctx);
}

export const artifactsReadArea: ResolverArea = {
  mutation: {
    deleteArtifact: async (args, ctx) => {
      const input = (args.input ?? {}) as Args;
      const artifactId = parseGlobalId("Artifact", input.artifactID);
      const deleteAliases = input.deleteAliases === true;
      const { artifact, project } = await ctx.services.artifacts.delete(ctx.user, artifactId, deleteAliases);
      await ctx.services.audit.record({
        action: "artifact.deleted",
        actor: actorOf(ctx.user),
        entity: project.entityName,
        target: `${project.name}/${artifact.collectionName}:v${artifact.versionIndex ?? "?"}`,
        detail: { artifactId, type: artifact.typeName, digest: artifact.digest, deleteAliases },
        ...(ctx.address === undefined ? {} : { address: ctx.address }),
      });
      return {
        artifact: { id: globalId("Artifact", artifactId) },
        clientMutationId: typeof input.clientMutationId === "string" ? input.clientMutationId : null,
      };
    },
  },
  query: {
    artifactCollection: async (args, ctx) => {
      const collection: ArtifactCollectionRecord | undefined =
        await ctx.services.stores.artifacts.findCollectionById(parseGlobalId("ArtifactCollection", args.id));
      if (!collection) return null;
      const project = await ctx.services.access.projectById(ctx.user, collection.projectId, "read");
      return presentCollection(collection, project, ctx);
    },
  },
  types: {
    Project: {
      artifactType: async (parent: ProjectParent, args: Args, ctx: GraphqlContext) => {
        const type = await ctx.services.stores.artifacts.findArtifactType(
          parent._project.id,
          String(args.name),
        );
        return type ? presentType(type, parent._project) : null;
      },
      artifactTypes: async (parent: ProjectParent, args: Args, ctx: GraphqlContext) => {
        const limit = pageSize(args, 50);
        const page = await ctx.services.stores.artifacts.artifactTypes(
          parent._project.id,
          afterOf(args, 0),
          limit + 1,
        );
        const edges = page
          .slice(0, limit)
          .map((type) => ({ node: presentType(type, parent._project), cursor: cursorOf(type.id) }));
        return {
          pageInfo: {
            __typename: "PageInfo",
            endCursor: edges.at(-1)?.cursor ?? null,
            hasNextPage: page.length > limit,
          },
          edges,
        };
      },
      artifactCollections: (parent: ProjectParent, args: Args, ctx: GraphqlContext) =>
        collectionsConnection(parent._project, null, args, ctx),
    },
    ArtifactType: {
      artifactCollection: async (parent: TypeParent, args: Args, ctx: GraphqlContext) => {
        const collection = await ctx.services.stores.artifacts.findCollection(
          parent._project.id,
          String(args.name),
        );
        return collection && collection.typeId === parent._type.id
          ? presentCollection(collection, parent._project, ctx)
          : null;
      },
      artifactCollections: (parent: TypeParent, args: Args, ctx: GraphqlContext) =>
        collectionsConnection(parent._project, parent._type.id, args, ctx),
    },
    ArtifactSequence: collectionFields,
    ArtifactPortfolio: collectionFields,
    Artifact: {
      createdBy: (parent: ArtifactParent, _args: Args, ctx: GraphqlContext) =>
        parent._artifact.runId === null ? null : runOf(parent._artifact.runId, ctx),
      usedBy: async (parent: ArtifactParent, args: Args, ctx: GraphqlContext) => {
        const limit = pageSize(args, 50);
        const { artifacts } = ctx.services.stores;
        const ids = await artifacts.usedBy(parent._artifact.id, afterOf(args, 0), limit + 1);
        const shown = ids.slice(0, limit);
        const edges = await Promise.all(
          shown.map(async (id) => ({ node: await runOf(id, ctx), cursor: cursorOf(id) })),
        );
        return {
          totalCount: await artifacts.countUsedBy(parent._artifact.id),
          pageInfo: {
            __typename: "PageInfo",
            endCursor: edges.at(-1)?.cursor ?? null,
            hasNextPage: ids.length > limit,
          },
          edges,
        };
      },
    },
    Run: {
      outputArtifacts: (parent: RunParent, args: Args, ctx: GraphqlContext) =>
        artifactsConnection(
          (after, limit) =>
            ctx.services.stores.artifacts.runArtifacts(parent._run.id, "output", after, limit),
          () => ctx.services.stores.artifacts.countRunArtifacts(parent._run.id, "output"),
          args,
          ctx,
        ),
      inputArtifacts: (parent: RunParent, args: Args, ctx: GraphqlContext) =>
        artifactsConnection(
          (after, limit) => ctx.services.stores.artifacts.runArtifacts(parent._run.id, "input", after, limit),
          () => ctx.services.stores.artifacts.countRunArtifacts(parent._run.id, "input"),
          args,
          ctx,
        ),
    },
  },
};
