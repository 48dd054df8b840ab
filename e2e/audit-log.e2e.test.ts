/**
 * The audit log end to end (docs/auth.md "Audit log"): actions done over HTTP and GraphQL appear in
 * GET /api/v1/audit-log with their actor and address, only admins may read it, the export writes
 * exactly the new entries to the bucket (local disk) as JSON Lines, the worker exports on its own
 * every BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS, and the System admin → Audit log page lists and filters.
 *
 * Real: the server (in-process, port 0), SQLite, the local-disk object store, the `ballast` CLI,
 * Chromium. Mocked: nothing.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { graphqlData, startTestServer } from "./support/api.ts";
import { createUser } from "./support/server.ts";
import { ADMIN, basicAuth, screenshot, startWebFixture, type WebFixture } from "./support/web.ts";

interface Entry {
  id: number;
  at: string;
  action: string;
  actor: { id: number; username: string } | null;
  entity: string | null;
  target: string | null;
  detail: Record<string, unknown>;
  address: string | null;
}

interface Page {
  entries: Entry[];
  nextCursor: string | null;
}

interface Exported {
  ran: boolean;
  objects: { key: string; entries: number; firstId: number; lastId: number }[];
}

async function send(
  fx: WebFixture,
  method: string,
  path: string,
  options: { auth?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const auth = options.auth === undefined ? basicAuth(fx.apiKey) : options.auth;
  const response = await fetch(`${fx.url}${path}`, {
    method,
    headers: {
      ...(auth === null ? {} : { authorization: auth }),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

async function auditLog(fx: WebFixture, query = ""): Promise<Page> {
  const answer = await send(fx, "GET", `/api/v1/audit-log${query}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body as Page;
}

/** The JSON Lines objects under audit-logs/ in the local-disk store, by key. */
async function exportedObjects(dataDir: string): Promise<Map<string, Entry[]>> {
  const root = join(dataDir, "objects");
  const found = new Map<string, Entry[]>();
  let files: string[];
  try {
    files = await readdir(join(root, "audit-logs"), { recursive: true });
  } catch {
    return found;
  }
  for (const file of files.filter((name) => name.endsWith(".jsonl")).sort()) {
    const text = await readFile(join(root, "audit-logs", file), "utf8");
    assert.ok(text.endsWith("\n"), "each line ends with a newline");
    found.set(
      `audit-logs/${file}`,
      text
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as Entry),
    );
  }
  return found;
}

const isLoopback = (address: string | null) => address === "127.0.0.1" || address === "::ffff:127.0.0.1";

describe("audit log", () => {
  let fx: WebFixture;
  let runId = "";

  before(async () => {
    fx = await startWebFixture({ BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS: "0" });
  });
  after(async () => {
    await fx?.close();
  });

  it("records sign-ins, keys, run deletion and settings changes with actor and address", async () => {
    const failed = await send(fx, "POST", "/api/v1/session", {
      auth: null,
      body: { username: ADMIN.username, password: "wrong password" },
      headers: { "x-forwarded-for": "10.0.0.1, 198.51.100.7" },
    });
    assert.equal(failed.status, 401);
    const signedIn = await send(fx, "POST", "/api/v1/session", {
      auth: null,
      body: { username: ADMIN.username, password: ADMIN.password },
    });
    assert.equal(signedIn.status, 200);

    const created = await send(fx, "POST", "/api/v1/api-keys", { body: { name: "ci runner" } });
    assert.equal(created.status, 201);
    const key = created.body as { id: number; key: string };
    assert.equal((await send(fx, "DELETE", `/api/v1/api-keys/${key.id}`)).status, 204);

    const server = fx.server;
    const data = await graphqlData(
      server,
      `mutation { upsertBucket(input: {name: "doomed", modelName: "audited"}) { bucket { id } } }`,
    );
    runId = String((data.upsertBucket as { bucket: { id: string } }).bucket.id);
    await graphqlData(server, "mutation($id: ID!) { deleteRun(input: {id: $id}) { clientMutationId } }", {
      id: runId,
    });

    const settings = await send(fx, "PUT", "/api/v1/system-admin/storage", {
      body: { bucket: "", region: "", kmsKeyId: "", queue: "internal://" },
    });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));

    const { entries } = await auditLog(fx);
    const one = (action: string): Entry => {
      const found = entries.filter((entry) => entry.action === action);
      assert.equal(found.length >= 1, true, `${action} in ${JSON.stringify(entries)}`);
      return found[0] as Entry;
    };
    // Newest first.
    assert.deepEqual(
      entries.map((entry) => entry.id),
      [...entries.map((entry) => entry.id)].sort((a, b) => b - a),
    );
    const admin = one("user.created").actor;
    assert.equal(admin?.username, ADMIN.username);

    const failure = one("user.sign_in_failed");
    assert.equal(failure.actor, null);
    assert.equal(failure.target, ADMIN.username);
    assert.deepEqual(failure.detail, { method: "password", reason: "INVALID_CREDENTIALS" });
    // The last X-Forwarded-For entry: the one the nearest proxy appended.
    assert.equal(failure.address, "198.51.100.7");

    const signIn = one("user.sign_in");
    assert.deepEqual(signIn.actor, admin);
    assert.deepEqual(signIn.detail, { method: "password" });
    assert.ok(isLoopback(signIn.address), String(signIn.address));
    assert.match(signIn.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const keyCreated = one("api_key.created");
    assert.deepEqual(keyCreated.actor, admin);
    assert.deepEqual(keyCreated.detail, { keyId: key.id, name: "ci runner", prefix: key.key.slice(0, 10) });
    assert.deepEqual(one("api_key.revoked").detail, {
      keyId: key.id,
      name: "ci runner",
      prefix: key.key.slice(0, 10),
    });
    // The key itself is never logged.
    assert.doesNotMatch(JSON.stringify(entries), new RegExp(key.key));

    const deleted = one("run.deleted");
    assert.deepEqual(deleted.actor, admin);
    assert.equal(deleted.entity, ADMIN.username);
    assert.equal(deleted.target, "audited/doomed");
    assert.equal(deleted.detail.deleteArtifacts, false);
    assert.ok(isLoopback(deleted.address), String(deleted.address));

    const changed = one("settings.changed");
    assert.deepEqual(changed.actor, admin);
    assert.equal(changed.target, "storage");
    assert.deepEqual(changed.detail, { settings: "queue" });
  });

  it("filters and pages", async () => {
    const keys = await auditLog(fx, "?action=api_key.created");
    assert.deepEqual(
      keys.entries.map((entry) => entry.action),
      ["api_key.created"],
    );
    assert.equal((await auditLog(fx, `?actor=${ADMIN.username}&action=run.deleted`)).entries.length, 1);
    assert.equal((await auditLog(fx, "?actor=nobody")).entries.length, 0);
    assert.equal((await auditLog(fx, "?since=2999-01-01T00:00:00Z")).entries.length, 0);
    const all = await auditLog(fx);
    const first = await auditLog(fx, "?limit=2");
    assert.equal(first.entries.length, 2);
    assert.ok(first.nextCursor);
    const second = await auditLog(fx, `?limit=2&cursor=${first.nextCursor}`);
    assert.deepEqual(
      [...first.entries, ...second.entries].map((entry) => entry.id),
      all.entries.slice(0, 4).map((entry) => entry.id),
    );
    const bad = await send(fx, "GET", "/api/v1/audit-log?limit=5000");
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { error: { code: string } }).error.code, "INVALID_ARGUMENT");
    assert.equal((await send(fx, "GET", "/api/v1/audit-log?since=yesterday")).status, 400);
  });

  it("is for instance admins only", async () => {
    const key = await createUser(fx.server.dataDir, "mallory", "mallory@example.com");
    for (const [method, path] of [
      ["GET", "/api/v1/audit-log"],
      ["POST", "/api/v1/audit-log/export"],
    ] as const) {
      const answer = await send(fx, method, path, { auth: basicAuth(key) });
      assert.equal(answer.status, 403, `${method} ${path}`);
      assert.equal((answer.body as { error: { code: string } }).error.code, "PERMISSION_DENIED");
      assert.equal((await send(fx, method, path, { auth: null })).status, 401);
    }
  });

  it("exports exactly the entries not yet exported to the bucket", async () => {
    const before = await auditLog(fx, "?limit=1000");
    const first = await send(fx, "POST", "/api/v1/audit-log/export");
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const result = first.body as Exported;
    assert.equal(result.ran, true);
    assert.equal(result.objects.length, 1);
    const object = result.objects[0];
    assert.ok(object);
    const oldest = before.entries.at(-1) as Entry;
    const newest = before.entries[0] as Entry;
    const day = oldest.at.slice(0, 10).replaceAll("-", "/");
    assert.equal(object.key, `audit-logs/${day}/${oldest.id}-${newest.id}.jsonl`);
    let stored = await exportedObjects(fx.server.dataDir);
    assert.deepEqual([...stored.keys()], [object.key]);
    assert.deepEqual(stored.get(object.key), [...before.entries].reverse());

    // Nothing new: nothing written.
    assert.deepEqual(((await send(fx, "POST", "/api/v1/audit-log/export")).body as Exported).objects, []);

    const failed = await send(fx, "POST", "/api/v1/session", {
      auth: null,
      body: { username: "ghost", password: "nope" },
    });
    assert.equal(failed.status, 401);
    const second = (await send(fx, "POST", "/api/v1/audit-log/export")).body as Exported;
    assert.equal(second.objects.length, 1);
    stored = await exportedObjects(fx.server.dataDir);
    assert.equal(stored.size, 2);
    const fresh = stored.get(second.objects[0]?.key ?? "") ?? [];
    assert.deepEqual(
      fresh.map((entry) => [entry.action, entry.target]),
      [["user.sign_in_failed", "ghost"]],
    );
    assert.ok((fresh[0]?.id ?? 0) > newest.id);
  });

  it("shows the log to admins in the web UI, filtered by action", async () => {
    const { page } = fx;
    await page.goto(`${fx.url}/system-admin`);
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log" }).waitFor();
    const rows = page.getByTestId("audit-row");
    await rows.first().waitFor();
    const texts = await rows.allTextContents();
    for (const action of ["user.sign_in", "api_key.revoked", "run.deleted", "settings.changed"]) {
      assert.ok(
        texts.some((text) => text.includes(action)),
        `${action} on the page`,
      );
    }
    assert.ok(texts.some((text) => text.includes("198.51.100.7")));
    await screenshot(page, "audit-log");

    await page.getByLabel("Action").fill("api_key.revoked");
    await page.getByRole("button", { name: "Filter" }).click();
    // Polled from here: a predicate evaluated in the page would need eval, which the page's CSP forbids.
    for (let i = 0; i < 100 && (await rows.count()) !== 1; i++) await page.waitForTimeout(100);
    const filtered = await rows.allTextContents();
    assert.equal(filtered.length, 1);
    assert.match(filtered[0] ?? "", /api_key\.revoked/);
    assert.match(filtered[0] ?? "", /ci runner/);
  });
});

describe("audit log export in the background", () => {
  it("runs every BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS", async () => {
    const server = await startTestServer({ BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS: "1" });
    try {
      const failed = await fetch(`${server.server.url}/api/v1/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "nobody", password: "nothing" }),
      });
      assert.equal(failed.status, 401);
      const deadline = Date.now() + 15_000;
      let exported: Entry[] = [];
      while (Date.now() < deadline) {
        exported = [...(await exportedObjects(server.dataDir)).values()].flat();
        if (exported.some((entry) => entry.target === "nobody")) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(
        exported.some((entry) => entry.action === "user.sign_in_failed" && entry.target === "nobody"),
        JSON.stringify(exported),
      );
    } finally {
      await server.close();
    }
  });
});
