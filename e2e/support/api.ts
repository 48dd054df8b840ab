/**
 * A Ballast server started in-process on port 0 with a fresh data dir, and small helpers for the W&B
 * GraphQL API. For tests that speak the protocol directly, the way wandb-core does.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type RunningServer, startServer } from "../../apps/server/src/index.ts";

export interface TestServer {
  readonly server: RunningServer;
  readonly dataDir: string;
  /** `Authorization` header value for the first admin's key. */
  readonly auth: string;
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "ballast-api-"));
  const server = await startServer(
    loadConfig({ env: { BALLAST_LISTEN_HOST: "127.0.0.1", ...env }, flags: { port: "0", dataDir } }),
  );
  return {
    server,
    dataDir,
    auth: `Basic ${Buffer.from(`api:${server.firstLogin}`).toString("base64")}`,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface GraphqlReply {
  status: number;
  data: Record<string, unknown> | null | undefined;
  errors: { message: string; extensions?: { code?: string } }[] | undefined;
}

export async function graphql(
  test: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlReply> {
  const response = await fetch(`${test.server.url}/graphql`, {
    method: "POST",
    headers: { authorization: test.auth, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Pick<GraphqlReply, "data" | "errors">;
  return { status: response.status, data: body.data, errors: body.errors };
}

/** The data of a GraphQL call that must succeed. */
export async function graphqlData(
  test: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const reply = await graphql(test, query, variables);
  assert.equal(reply.status, 200, JSON.stringify(reply.errors));
  assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
  assert.ok(reply.data);
  return reply.data;
}

/** `value[path[0]][path[1]]…`, or undefined as soon as a step is missing. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
