/**
 * The world of the permission matrix (e2e/permission-matrix.e2e.test.ts): a Ballast server started
 * in-process on port 0 (SQLite and local-disk objects under a fresh temporary dir) with two teams
 * made through the real JSON routes:
 *
 *   vision  alice admin, bob member, carol viewer, service accounts vision-ci (member) and
 *           vision-ro (viewer)
 *   audio   dave admin, service account audio-bot (member)
 *
 * and an instance admin `root` who belongs to neither. People and their keys are made through the
 * embedded services, as `ballast admin create-user` does; everything else goes over HTTP. Each team
 * gets, from its admin, a project `proj` with a run `seed` (history, a file, a pending artifact),
 * and for every principal the things its write and manage attempts act on, so no attempt depends on
 * another's outcome: runs `fx-<p>` (written to) and `del-<p>` (deleted), a person `x-<p>-<team>` to
 * add, viewers `c-<p>-<team>` whose role to change and `r-<p>-<team>` to remove, and a service
 * account `d-<p>-<team>` to delete.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Embedded,
  loadConfig,
  openEmbedded,
  type RunningServer,
  startServer,
} from "../../apps/server/src/index.ts";
import { at } from "./api.ts";
import { basic, type Reply } from "./security-fixture.ts";

export const PRINCIPALS = ["root", "alice", "bob", "carol", "vision-ci", "vision-ro", "dave"] as const;
export type Principal = (typeof PRINCIPALS)[number];
export const TARGETS = ["vision", "audio"] as const;
export type Target = (typeof TARGETS)[number];
/** The project each team's data lives in. */
export const PROJECT = "proj";
/** The bytes of `seed.txt`, the seed run's file. */
export const seedFileText = (target: Target) => `seed file of ${target}\n`;
/** The history lines the seed run holds. */
export const SEED_HISTORY = ['{"_step":0,"loss":1}', '{"_step":1,"loss":0.5}', '{"_step":2,"loss":0.25}'];

export interface TeamSeed {
  /** Global id of the run `seed`. */
  readonly seedRunId: string;
  /** Global id of the pending artifact logged by `seed`. */
  readonly artifactId: string;
  /** Global ids of the runs `del-<p>`. */
  readonly deleteRunIds: Record<Principal, string>;
  /** A service account of the team (its keys are what "create service-account key" makes). */
  readonly serviceAccount: string;
  /** The team's admin (who seeded it). */
  readonly admin: Principal;
}

export interface PermissionWorld {
  readonly url: string;
  readonly keys: Record<Principal, string>;
  readonly seeds: Record<Target, TeamSeed>;
  send(key: string | undefined, path: string, init?: RequestInit): Promise<Reply>;
  json(key: string, method: string, path: string, body?: unknown): Promise<Reply>;
  gql(key: string, query: string, variables?: Record<string, unknown>): Promise<Reply>;
  fileStream(key: string, target: Target, run: string, lines: string[], offset?: number): Promise<Reply>;
  /** A signed URL as issued, sent to the test server's address (the public URL may differ). */
  local(signedUrl: string): string;
  close(): Promise<void>;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function startPermissionWorld(): Promise<PermissionWorld> {
  const root = await mkdtemp(join(tmpdir(), "ballast-matrix-"));
  let server: RunningServer | undefined;
  let embedded: Embedded | undefined;
  const close = async () => {
    embedded?.close();
    await server?.close();
    await rm(root, { recursive: true, force: true });
  };

  try {
    const config = loadConfig({
      env: { BALLAST_LISTEN_HOST: "127.0.0.1" },
      flags: { port: "0", dataDir: join(root, "data") },
    });
    const running = await startServer(config);
    server = running;
    embedded = await openEmbedded(config, running.publicUrl);
    const { identity } = embedded.services;

    const send = async (key: string | undefined, path: string, init: RequestInit = {}): Promise<Reply> => {
      const headers = new Headers(init.headers);
      if (key !== undefined) headers.set("authorization", basic(key));
      const response = await fetch(`${running.url}${path}`, { ...init, headers });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: parseJson(text) };
    };
    const json = (key: string, method: string, path: string, body?: unknown) =>
      send(key, path, {
        method,
        ...(body === undefined
          ? {}
          : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      });
    const gql = (key: string, query: string, variables?: Record<string, unknown>) =>
      json(key, "POST", "/graphql", variables === undefined ? { query } : { query, variables });
    const fileStream = (key: string, target: Target, run: string, lines: string[], offset = 0) =>
      json(key, "POST", `/files/${target}/${PROJECT}/${run}/file_stream`, {
        files: { "wandb-history.jsonl": { offset, content: lines } },
      });
    const local = (signedUrl: string) => {
      const url = new URL(signedUrl);
      return `${url.pathname}${url.search}`;
    };
    const expect = async (what: string, reply: Promise<Reply>, status = 200): Promise<Reply> => {
      const done = await reply;
      assert.equal(done.status, status, `${what}: ${done.text}`);
      assert.equal(at(done.body, "errors"), undefined, `${what}: ${done.text}`);
      return done;
    };

    // ---- people, teams, service accounts ----------------------------------------------------------
    const keys = {} as Record<Principal, string>;
    for (const name of ["root", "alice", "bob", "carol", "dave"] as const) {
      const user = await identity.createUser({
        username: name,
        email: `${name}@example.com`,
        isAdmin: name === "root",
      });
      keys[name] = await identity.createApiKey(user.id);
    }
    for (const [team, admin] of [
      ["vision", "alice"],
      ["audio", "dave"],
    ] as const) {
      await expect(`create ${team}`, json(keys.root, "POST", "/api/v1/teams", { name: team, admin }), 201);
    }
    for (const [username, role] of [
      ["bob", "member"],
      ["carol", "viewer"],
    ]) {
      await expect(
        `add ${username}`,
        json(keys.alice, "POST", "/api/v1/teams/vision/members", { username, role }),
        201,
      );
    }
    const serviceAccount = async (adminKey: string, team: Target, name: string, role: string) => {
      const reply = await expect(
        `service account ${name}`,
        json(adminKey, "POST", `/api/v1/teams/${team}/service-accounts`, { name, role }),
        201,
      );
      assert.equal(at(reply.body, "username"), name, reply.text);
      const key = at(reply.body, "key", "key");
      assert.equal(typeof key, "string", reply.text);
      return String(key);
    };
    keys["vision-ci"] = await serviceAccount(keys.alice, "vision", "vision-ci", "member");
    keys["vision-ro"] = await serviceAccount(keys.alice, "vision", "vision-ro", "viewer");
    await serviceAccount(keys.dave, "audio", "audio-bot", "member");

    // ---- each team's data, seeded by its admin ----------------------------------------------------
    const upsert = async (key: string, target: Target, name: string): Promise<string> => {
      const reply = await expect(
        `run ${target}/${name}`,
        gql(
          key,
          `mutation($e: String!, $p: String!, $r: String!) {
            upsertBucket(input: {name: $r, modelName: $p, entityName: $e}) { bucket { id } } }`,
          { e: target, p: PROJECT, r: name },
        ),
      );
      return String(at(reply.body, "data", "upsertBucket", "bucket", "id"));
    };
    const seed = async (target: Target, admin: Principal, account: string): Promise<TeamSeed> => {
      const key = keys[admin];
      const seedRunId = await upsert(key, target, "seed");
      await expect(`history of ${target}`, fileStream(key, target, "seed", SEED_HISTORY));
      const files = await expect(
        `seed.txt URL of ${target}`,
        gql(
          key,
          `mutation($e: String!, $p: String!) {
            createRunFiles(input: {entityName: $e, projectName: $p, runName: "seed", files: ["seed.txt"]}) {
              files { uploadUrl } } }`,
          { e: target, p: PROJECT },
        ),
      );
      const uploadUrl = String(at(files.body, "data", "createRunFiles", "files", 0, "uploadUrl"));
      await expect(
        `seed.txt of ${target}`,
        send(undefined, local(uploadUrl), { method: "PUT", body: seedFileText(target) }),
      );
      const artifact = await expect(
        `artifact of ${target}`,
        gql(
          key,
          `mutation($e: String!, $p: String!) { createArtifact(input: {entityName: $e, projectName: $p,
            runName: "seed", artifactTypeName: "dataset", artifactCollectionName: "seed-data",
            digest: "0123456789abcdef0123456789abcdef"}) { artifact { id } } }`,
          { e: target, p: PROJECT },
        ),
      );
      const artifactId = String(at(artifact.body, "data", "createArtifact", "artifact", "id"));
      const deleteRunIds = {} as Record<Principal, string>;
      for (const p of PRINCIPALS) {
        await upsert(key, target, `fx-${p}`);
        deleteRunIds[p] = await upsert(key, target, `del-${p}`);
        await identity.createUser({
          username: `x-${p}-${target}`,
          email: `x-${p}-${target}@example.com`,
          isAdmin: false,
        });
        for (const viewer of [`c-${p}-${target}`, `r-${p}-${target}`]) {
          await identity.createUser({ username: viewer, email: `${viewer}@example.com`, isAdmin: false });
          await expect(
            `add ${viewer}`,
            json(key, "POST", `/api/v1/teams/${target}/members`, { username: viewer, role: "viewer" }),
            201,
          );
        }
        await serviceAccount(key, target, `d-${p}-${target}`, "viewer");
      }
      return { seedRunId, artifactId, deleteRunIds, serviceAccount: account, admin };
    };
    const seeds: Record<Target, TeamSeed> = {
      vision: await seed("vision", "alice", "vision-ro"),
      audio: await seed("audio", "dave", "audio-bot"),
    };

    return { url: running.url, keys, seeds, send, json, gql, fileStream, local, close };
  } catch (error) {
    await close();
    throw error;
  }
}
