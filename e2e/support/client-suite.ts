/**
 * The fixture of a suite that drives the real `wandb` client: one server process on a fresh
 * workspace, one user, and helpers to give each script its own client directories. Call it at the
 * top of a `describe`; it registers the suite's `before` and `after` hooks. A failing test keeps the
 * workspace (server logs included) for inspection.
 */
import { randomBytes } from "node:crypto";
import { after, before } from "node:test";
import { killScripts, setupPython, type WandbClientEnv } from "./python.ts";
import {
  createUser,
  makeDir,
  makeWorkspace,
  type ServerHandle,
  startServer,
  type Workspace,
} from "./server.ts";
import { type Stack, startStack } from "./stack.ts";
import type { StoreView } from "./store.ts";

export interface ClientSuite {
  /** The suite's user (its personal entity has the same name). */
  readonly username: string;
  apiKey(): string;
  live(): { workspace: Workspace; server: ServerHandle };
  /** A fresh client environment (HOME, W&B dirs) for one script run. */
  client(name: string, options?: Partial<WandbClientEnv>): Promise<WandbClientEnv>;
  /** Runs a test body; a failure marks the suite failed (the workspace is kept) and rethrows. */
  tracked(body: () => Promise<void>): Promise<void>;
  /** What the server stored (rows and objects, on either stack), read-only. Close it after use. */
  store(): Promise<StoreView>;
  /** Starts the server again on the same port and data dir (after `live().server.kill9()`, say). */
  restartServer(): Promise<void>;
}

export interface ClientSuiteOptions {
  /** The server's configuration, asked for when the suite starts (after other services are up). */
  readonly env?: () => Record<string, string>;
}

export function useClientSuite(label: string, options: ClientSuiteOptions = {}): ClientSuite {
  let stack: Stack | undefined;
  let workspace: Workspace | undefined;
  let server: ServerHandle | undefined;
  let apiKey = "";
  let failed = false;
  const username = `e2e-${randomBytes(3).toString("hex")}`;

  const live = () => {
    if (workspace === undefined || server === undefined)
      throw new Error("the server did not start (see before())");
    return { workspace, server };
  };

  before(
    async () => {
      await setupPython();
      stack = await startStack(label);
      workspace = await makeWorkspace(label);
      const env = { ...stack.env, ...options.env?.() };
      server = await startServer({ dataDir: workspace.dataDir, logDir: workspace.logDir, env });
      await stack.assertServing(server.url);
      apiKey = await createUser(workspace.dataDir, username, `${username}@example.com`, env);
    },
    { timeout: 900_000 },
  );

  after(async () => {
    killScripts();
    await server?.stop();
    await workspace?.dispose(failed);
    await stack?.dispose();
  });

  return {
    username,
    apiKey: () => apiKey,
    live,
    async client(name, options = {}) {
      const ctx = live();
      return { baseUrl: ctx.server.url, apiKey, dir: await makeDir(ctx.workspace, name), ...options };
    },
    async tracked(body) {
      try {
        await body();
      } catch (error) {
        failed = true;
        throw error;
      }
    },
    store: () => {
      if (!stack) throw new Error("the stack did not start (see before())");
      return stack.store(live().server.dataDir);
    },
    async restartServer() {
      server = await live().server.restart();
    },
  };
}
