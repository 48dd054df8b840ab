import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, isAppError } from "@ballast/core";
import {
  type DocumentNode,
  execute,
  type FieldNode,
  type GraphQLError,
  GraphQLError as GraphQLErrorClass,
  Kind,
  parse,
  specifiedRules,
  type ValidationContext,
  type ValidationRule,
  validate,
} from "graphql";
import type { Services } from "../domain/services.ts";
import { requireUser } from "../http/auth.ts";
import { readJsonBody } from "../http/body.ts";
import { clientAddress } from "../http/client-address.ts";
import { sendJson, toAppError } from "../http/respond.ts";
import type { GraphqlContext } from "./presenters.ts";
import { rootValue, schema } from "./schema.ts";

/** Errors raised by the depth and alias limits carry this marker so they get their own code. */
const LIMIT_ERROR = { code: "QUERY_TOO_COMPLEX" } as const;

/** Refuses documents nested deeper than `max` selection levels (fragments followed). */
export function depthLimit(max: number): ValidationRule {
  return (context: ValidationContext) => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
    );
    const depthOf = (
      selections: readonly FieldNode["selectionSet"][],
      depth: number,
      seen: Set<string>,
    ): number => {
      let deepest = depth;
      for (const set of selections) {
        if (!set) continue;
        for (const selection of set.selections) {
          if (selection.kind === Kind.FIELD) {
            deepest = Math.max(
              deepest,
              selection.selectionSet ? depthOf([selection.selectionSet], depth + 1, seen) : depth,
            );
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            deepest = Math.max(deepest, depthOf([selection.selectionSet], depth, seen));
          } else {
            const name = selection.name.value;
            const fragment = fragments.get(name);
            if (fragment && !seen.has(name)) {
              deepest = Math.max(deepest, depthOf([fragment.selectionSet], depth, new Set([...seen, name])));
            }
          }
          if (deepest > max) return deepest;
        }
      }
      return deepest;
    };
    return {
      OperationDefinition(node) {
        if (depthOf([node.selectionSet], 1, new Set()) > max) {
          context.reportError(
            new GraphQLErrorClass(`The query is nested more than ${max} levels deep.`, {
              nodes: [node],
              extensions: LIMIT_ERROR,
            }),
          );
        }
      },
    };
  };
}

/** Refuses documents with more than `max` aliased fields (alias batching is a cheap amplification). */
export function aliasLimit(max: number): ValidationRule {
  return (context: ValidationContext) => {
    let count = 0;
    return {
      Field(node) {
        if (node.alias && ++count === max + 1) {
          context.reportError(
            new GraphQLErrorClass(`The query uses more than ${max} aliases.`, {
              nodes: [node],
              extensions: LIMIT_ERROR,
            }),
          );
        }
      },
    };
  };
}

interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

function parseRequest(body: unknown): GraphqlRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError(
      "BAD_REQUEST",
      'The body must be a JSON object {"query", "variables", "operationName"}.',
    );
  }
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== "string" || query.length === 0)
    throw new AppError("BAD_REQUEST", "`query` must be a non-empty string.");
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== "object" || Array.isArray(variables))
  ) {
    throw new AppError("BAD_REQUEST", "`variables` must be an object.");
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
    throw new AppError("BAD_REQUEST", "`operationName` must be a string.");
  }
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    // wandb-core forwards Python's documents with operationName "" (not absent): treat it as absent.
    operationName: operationName || undefined,
  };
}

function graphqlErrorBody(errors: readonly GraphQLError[], fallbackCode = "GRAPHQL_VALIDATION") {
  return {
    errors: errors.map((error) => ({
      message: error.message,
      ...(error.path ? { path: error.path } : {}),
      extensions: {
        code: isAppError(error.originalError)
          ? error.originalError.code
          : error.extensions.code === LIMIT_ERROR.code
            ? LIMIT_ERROR.code
            : fallbackCode,
      },
    })),
  };
}

/** POST /graphql: the W&B GraphQL API. */
export function graphqlHandler(services: Services) {
  const { limits } = services.config;
  const rules = [...specifiedRules, depthLimit(limits.graphqlMaxDepth), aliasLimit(limits.graphqlMaxAliases)];
  return async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const user = await requireUser(req, services);
    const request = parseRequest(await readJsonBody(req, limits.graphqlBodyBytes));
    let document: DocumentNode;
    try {
      document = parse(request.query, { maxTokens: 200_000 });
    } catch (error) {
      sendJson(res, 400, graphqlErrorBody([error as GraphQLError]));
      return;
    }
    const validationErrors = validate(schema, document, rules);
    if (validationErrors.length > 0) {
      sendJson(res, 400, graphqlErrorBody(validationErrors));
      return;
    }
    const context: GraphqlContext = { services, user, address: clientAddress(req) };
    const result = await execute({
      schema,
      document,
      rootValue,
      contextValue: context,
      variableValues: request.variables,
      operationName: request.operationName,
    });
    const errors = result.errors ?? [];
    // A transient or unexpected failure must not look final to the client: answer 5xx/429 so it retries.
    // Errors without an originalError are request errors (e.g. variables of the wrong type).
    const fatal = errors.find(
      (e) => e.originalError !== undefined && (!isAppError(e.originalError) || e.originalError.transient),
    );
    if (fatal) {
      const appError = toAppError(fatal.originalError ?? fatal, requestId);
      const status = appError.transient ? appError.status : 500;
      sendJson(res, status, { errors: [{ message: appError.message, extensions: { code: appError.code } }] });
      return;
    }
    if (result.data === undefined) {
      sendJson(res, 400, graphqlErrorBody(errors));
      return;
    }
    sendJson(
      res,
      200,
      errors.length > 0 ? { data: result.data ?? null, ...graphqlErrorBody(errors) } : { data: result.data },
    );
  };
}
