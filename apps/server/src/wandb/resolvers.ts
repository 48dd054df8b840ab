/**
 * Query and Mutation resolvers: parse the W&B inputs, call the domain, present the result. W&B
 * quirks (explicit nulls meaning "unchanged", `name:alias` strings, global ids) are handled here and
 * go no further.
 */
import { AppError } from "@ballast/core";
import type { RunFields } from "../stores/records.ts";
import { globalId, parseGlobalId } from "./ids.ts";
import {
  type GraphqlContext,
  presentArtifact,
  presentEntity,
  presentFile,
  presentProject,
  presentRun,
  presentUser,
} from "./presenters.ts";
import type { ResolverArea } from "./schema.ts";

type Args = Record<string, unknown>;
type Input = Record<string, unknown>;

/** Server features advertised to the client (wandb/proto/wandb_internal.proto: ServerFeature). */
const FEATURES: readonly { name: string; isEnabled: boolean }[] = [
  { name: "USE_ARTIFACT_WITH_ENTITY_AND_PROJECT_INFORMATION", isEnabled: true },
  { name: "TOTAL_COUNT_IN_FILE_CONNECTION", isEnabled: true },
];

/** The newest client this server was tested with; sent as `cliVersionInfo.max_cli_version`. */
export const TESTED_CLIENT_VERSION = "0.31.0";

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function optionalString(input: Input, key: string): string | null {
  const value = input[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== "string") throw new AppError("INVALID_ARGUMENT", `${key} must be a string.`);
  return value;
}

function requiredString(input: Input, key: string): string {
  const value = optionalString(input, key);
  if (value === null || value === "") throw new AppError("INVALID_ARGUMENT", `${key} is required.`);
  return value;
}

const queryResolvers = {
  viewer: (_: unknown, ctx: GraphqlContext) => presentUser(ctx.user, ctx),

  serverInfo: () => ({
    features: FEATURES,
    cliVersionInfo: { max_cli_version: TESTED_CLIENT_VERSION },
    latestLocalVersionInfo: null,
  }),

  project: (args: Args, ctx: GraphqlContext) => projectByName(args, ctx),
  model: (args: Args, ctx: GraphqlContext) => projectByName(args, ctx),

  entity: async (args: Args, ctx: GraphqlContext) => {
    const entity = await ctx.services.stores.identity.findEntityByName(
      str(args.name) ?? ctx.user.defaultEntityName,
    );
    if (!entity) return null;
    await ctx.services.access.assert(ctx.user, entity, "read");
    return presentEntity(entity);
  },

  artifact: async (args: Args, ctx: GraphqlContext) => {
    const artifact = await ctx.services.artifacts.get(ctx.user, parseGlobalId("Artifact", args.id), "read");
    return presentArtifact(artifact, ctx);
  },

  clientIDMapping: async (args: Args, ctx: GraphqlContext) => {
    const clientId = str(args.clientID);
    const artifact = clientId ? await ctx.services.stores.artifacts.findByClientId(clientId) : undefined;
    if (!artifact) return null;
    await ctx.services.artifacts.get(ctx.user, artifact.id, "read");
    return { serverID: globalId("Artifact", artifact.id) };
  },
};

async function projectByName(args: Args, ctx: GraphqlContext) {
  const name = str(args.name);
  if (!name) return null;
  const entityName = str(args.entityName) || ctx.user.defaultEntityName;
  // An unknown entity reads as "no such project", as for a missing project (wandb verify asks for one).
  const entity = await ctx.services.stores.identity.findEntityByName(entityName);
  if (!entity) return null;
  await ctx.services.access.assert(ctx.user, entity, "read");
  const project = await ctx.services.stores.identity.findProject(entity.id, name);
  return project ? presentProject(project, ctx) : null;
}

/** UpsertBucket input → domain fields. A null (or absent) field means "leave unchanged". */
function runFields(input: Input): RunFields {
  const fields: RunFields = {};
  const strings: [keyof RunFields, string][] = [
    ["displayName", "displayName"],
    ["description", "description"],
    ["notes", "notes"],
    ["groupName", "groupName"],
    ["jobType", "jobType"],
    ["host", "host"],
    ["program", "jobProgram"],
    ["gitCommit", "commit"],
    ["gitRepo", "jobRepo"],
    ["sweepName", "sweep"],
    ["config", "config"],
    ["summary", "summaryMetrics"],
  ];
  for (const [field, key] of strings) {
    const value = optionalString(input, key);
    if (value !== null) (fields as Record<string, unknown>)[field] = value;
  }
  const tags = input.tags;
  if (Array.isArray(tags)) fields.tags = tags.map(String);
  return fields;
}

const mutationResolvers = {
  upsertBucket: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const id = optionalString(input, "id");
    const { run, project, inserted } = await ctx.services.runs.upsert(ctx.user, {
      storageRunId: id ? parseGlobalId("Run", id) : undefined,
      name: optionalString(input, "name") ?? undefined,
      project: optionalString(input, "modelName") ?? undefined,
      entity: optionalString(input, "entityName") ?? undefined,
      fields: runFields(input),
    });
    return { bucket: presentRun(run, project, ctx), inserted };
  },

  createRunFiles: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const names = Array.isArray(input.files) ? input.files.map(String) : [];
    const { run, files } = await ctx.services.runs.createUploadUrls(
      ctx.user,
      optionalString(input, "entityName"),
      requiredString(input, "projectName"),
      requiredString(input, "runName"),
      names,
    );
    return {
      runID: globalId("Run", run.id),
      uploadHeaders: files[0]?.headers ?? [],
      files: files.map((file) => ({ ...presentUpload(file.name), uploadUrl: file.uploadUrl })),
    };
  },

  markRunFilesUploaded: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    // Uploads to Ballast's own storage are recorded when the PUT completes; this only checks access.
    await ctx.services.runs.forWrite(
      ctx.user,
      optionalString(input, "entityName") ?? ctx.user.defaultEntityName,
      requiredString(input, "projectName"),
      requiredString(input, "runName"),
    );
    return { success: true };
  },

  createArtifact: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const collectionName =
      optionalString(input, "artifactCollectionName") ??
      (Array.isArray(input.artifactCollectionNames) ? str(input.artifactCollectionNames[0]) : undefined);
    if (!collectionName) throw new AppError("INVALID_ARGUMENT", "artifactCollectionName is required.");
    const aliases = Array.isArray(input.aliases)
      ? (input.aliases as Input[])
          .filter(
            (a) => a.artifactCollectionName === undefined || a.artifactCollectionName === collectionName,
          )
          .map((a) => String(a.alias))
      : [];
    const tags = Array.isArray(input.tags) ? (input.tags as Input[]).map((t) => String(t.tagName)) : [];
    const historyStep = typeof input.historyStep === "number" ? input.historyStep : null;
    const ttl = typeof input.ttlDurationSeconds === "number" ? input.ttlDurationSeconds : null;
    const { artifact, latest } = await ctx.services.artifacts.create(ctx.user, {
      entityName: optionalString(input, "entityName") ?? "",
      projectName: requiredString(input, "projectName"),
      runName: optionalString(input, "runName"),
      typeName: requiredString(input, "artifactTypeName"),
      collectionName,
      digest: requiredString(input, "digest"),
      description: optionalString(input, "description"),
      metadata: optionalString(input, "metadata"),
      aliases,
      tags,
      clientId: optionalString(input, "clientID"),
      sequenceClientId: optionalString(input, "sequenceClientID"),
      deduplicate: input.enableDigestDeduplication !== false,
      historyStep,
      ttlSeconds: ttl,
    });
    const presented = presentArtifact(artifact, ctx);
    return {
      artifact: {
        ...presented,
        artifactSequence: async () => ({
          ...(await presented.artifactSequence()),
          latestArtifact: latest ? presentArtifact(latest, ctx) : null,
        }),
      },
    };
  },

  createArtifactManifest: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const base = optionalString(input, "baseArtifactID");
    const { manifest, uploadUrl, uploadHeaders } = await ctx.services.artifacts.upsertManifest(ctx.user, {
      artifactId: parseGlobalId("Artifact", input.artifactID),
      name: requiredString(input, "name"),
      type: optionalString(input, "type") ?? "FULL",
      digest: optionalString(input, "digest") ?? "",
      baseArtifactId: base ? parseGlobalId("Artifact", base) : null,
    });
    return { artifactManifest: manifestPayload(manifest.id, manifest.name, uploadUrl, uploadHeaders) };
  },

  updateArtifactManifest: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const base = optionalString(input, "baseArtifactID");
    const { manifest, uploadUrl, uploadHeaders } = await ctx.services.artifacts.updateManifest(ctx.user, {
      manifestId: parseGlobalId("ArtifactManifest", input.artifactManifestID),
      digest: optionalString(input, "digest"),
      baseArtifactId: base ? parseGlobalId("Artifact", base) : null,
    });
    return { artifactManifest: manifestPayload(manifest.id, manifest.name, uploadUrl, uploadHeaders) };
  },

  createArtifactFiles: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const specs = (Array.isArray(input.artifactFiles) ? (input.artifactFiles as Input[]) : []).map(
      (spec) => ({
        artifactId: parseGlobalId("Artifact", spec.artifactID),
        name: requiredString(spec, "name"),
        md5: requiredString(spec, "md5"),
        parts: Array.isArray(spec.uploadPartsInput)
          ? (spec.uploadPartsInput as Input[]).map((p) => ({
              partNumber: Number(p.partNumber),
              hexMd5: String(p.hexMD5),
            }))
          : null,
      }),
    );
    const uploads = await ctx.services.artifacts.createFiles(ctx.user, specs);
    return {
      files: {
        totalCount: uploads.length,
        pageInfo: { endCursor: null, hasNextPage: false },
        edges: uploads.map((upload) => ({
          node: {
            ...presentUpload(upload.name),
            storagePath: upload.storagePath,
            uploadUrl: upload.uploadUrl,
            uploadHeaders: upload.uploadHeaders,
            artifact: presentArtifact(upload.birthArtifact, ctx),
            uploadMultipartUrls: upload.multipart && {
              uploadID: upload.multipart.uploadId,
              uploadUrlParts: upload.multipart.parts,
            },
          },
        })),
      },
    };
  },

  completeMultipartUploadArtifact: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const parts = Array.isArray(input.completedParts) ? (input.completedParts as Input[]) : [];
    const digest = await ctx.services.artifacts.completeMultipart(ctx.user, {
      artifactId: parseGlobalId("Artifact", input.artifactID),
      storagePath: requiredString(input, "storagePath"),
      uploadId: requiredString(input, "uploadID"),
      parts: parts.map((p) => ({ partNumber: Number(p.partNumber), hexMd5: String(p.hexMD5) })),
    });
    return { digest };
  },

  commitArtifact: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const artifact = await ctx.services.artifacts.commit(
      ctx.user,
      parseGlobalId("Artifact", input.artifactID),
    );
    return { artifact: presentArtifact(artifact, ctx) };
  },

  notifyScriptableRunAlert: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const severity = optionalString(input, "severity") ?? "INFO";
    if (severity !== "INFO" && severity !== "WARN" && severity !== "ERROR") {
      throw new AppError("INVALID_ARGUMENT", "severity must be INFO, WARN or ERROR.");
    }
    await ctx.services.runs.alert(ctx.user, {
      entity: optionalString(input, "entityName") ?? "",
      project: requiredString(input, "projectName"),
      run: requiredString(input, "runName"),
      title: requiredString(input, "title"),
      text: optionalString(input, "text") ?? "",
      severity,
      waitSeconds: durationSeconds(input.waitDuration),
    });
    return { success: true };
  },

  useArtifact: async (args: Args, ctx: GraphqlContext) => {
    const input = (args.input ?? {}) as Input;
    const artifact = await ctx.services.artifacts.use(ctx.user, {
      entityName: optionalString(input, "entityName") ?? "",
      projectName: requiredString(input, "projectName"),
      runName: requiredString(input, "runName"),
      artifactId: parseGlobalId("Artifact", input.artifactID),
      usedAs: optionalString(input, "usedAs"),
    });
    return { artifact: presentArtifact(artifact, ctx) };
  },
};

/**
 * W&B's `Duration` scalar in seconds. wandb-core sends a number of milliseconds (observed with
 * wandb 0.31: `run.alert(wait_duration=90)` arrives as 90000); a Go duration string ("1m30s") is
 * accepted too. Null when absent.
 */
export function durationSeconds(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value / 1000;
  if (typeof value !== "string" || value === "") return null;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  let rest = value;
  while (rest.length > 0) {
    const part = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (!part)
      throw new AppError("INVALID_ARGUMENT", `waitDuration ${JSON.stringify(value)} is not a duration.`);
    total += Number(part[1]) * (units[part[2] ?? "s"] ?? 1);
    rest = rest.slice(part[0].length);
  }
  return total;
}

/** The logging path: what wandb.init/log/save/finish, log_artifact and use_artifact need. */
export const loggingArea: ResolverArea = { query: queryResolvers, mutation: mutationResolvers };

function presentUpload(name: string) {
  return presentFile({
    id: globalId("File", name),
    name,
    size: 0,
    digest: null,
    storagePath: null,
    directUrl: "",
  });
}

function manifestPayload(id: number, name: string, uploadUrl: string, uploadHeaders: readonly string[]) {
  return {
    id: globalId("ArtifactManifest", id),
    file: {
      ...presentUpload(name),
      id: globalId("File", `manifest:${id}`),
      uploadUrl,
      uploadHeaders,
    },
  };
}
