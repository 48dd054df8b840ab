/**
 * The W&B GraphQL schema Ballast serves, assembled from `schema/*.graphql` (one file per area;
 * `logging.graphql` defines the root types, the others `extend` them) and the areas' resolvers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { buildSchema, type GraphQLFieldResolver, isObjectType } from "graphql";
import { artifactsReadArea } from "./artifacts.resolvers.ts";
import type { GraphqlContext } from "./presenters.ts";
import { loggingArea } from "./resolvers.ts";
import { runsArea } from "./runs.resolvers.ts";
import { sweepsArea } from "./sweeps.resolvers.ts";
import { teamsArea } from "./teams.resolvers.ts";

/** A root field: graphql-js calls it on the root value with (args, context). */
export type RootResolver = (args: Record<string, unknown>, ctx: GraphqlContext) => unknown;
/** A field of an object type, given the presented parent object. */
export type FieldResolver = (parent: never, args: Record<string, unknown>, ctx: GraphqlContext) => unknown;

/** What one area of the API contributes: root fields, and fields resolved on presented objects. */
export interface ResolverArea {
  readonly query?: Readonly<Record<string, RootResolver>>;
  readonly mutation?: Readonly<Record<string, RootResolver>>;
  readonly types?: Readonly<Record<string, Readonly<Record<string, FieldResolver>>>>;
}

const AREAS: readonly ResolverArea[] = [loggingArea, artifactsReadArea, sweepsArea, runsArea, teamsArea];

const SCHEMA_DIR = new URL("./schema/", import.meta.url);
const files = readdirSync(SCHEMA_DIR)
  .filter((f) => f.endsWith(".graphql"))
  .sort((a, b) => (a === "logging.graphql" ? -1 : b === "logging.graphql" ? 1 : a.localeCompare(b)));

export const schema = buildSchema(files.map((f) => readFileSync(new URL(f, SCHEMA_DIR), "utf8")).join("\n"));

export const rootValue: Record<string, RootResolver> = {};
for (const area of AREAS) {
  Object.assign(rootValue, area.query, area.mutation);
  for (const [typeName, fields] of Object.entries(area.types ?? {})) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`resolver for unknown object type ${typeName}`);
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const field = type.getFields()[fieldName];
      if (!field) throw new Error(`resolver for unknown field ${typeName}.${fieldName}`);
      field.resolve = resolve as unknown as GraphQLFieldResolver<unknown, GraphqlContext>;
    }
  }
}
for (const [root, name] of [
  [schema.getQueryType(), "Query"],
  [schema.getMutationType(), "Mutation"],
] as const) {
  for (const field of Object.keys(root?.getFields() ?? {})) {
    if (!(field in rootValue)) throw new Error(`${name}.${field} is declared but has no resolver`);
  }
}
