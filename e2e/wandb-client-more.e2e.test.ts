/**
 * End-to-end, more of the real `wandb` Python client (0.31.0, .cache/venv) against a real Ballast
 * server: `wandb login` and a run that uses only the stored login, artifact versions and aliases,
 * and logged media (HTML, Table). Every check reads what the server stored (SQLite rows and object
 * files), not what it answered.
 *
 * Real: server process, CLI, SQLite, local object store, wandb client, its CLI and wandb-core.
 * Mocked: nothing. Keep the workspace with BALLAST_E2E_KEEP=1 (it is also kept when a test fails).
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { useClientSuite } from "./support/client-suite.ts";
import { assertHistory, isObject, type JsonObject, parseLine } from "./support/history.ts";
import { runScript, runWandbCli } from "./support/python.ts";
import { makeDir } from "./support/server.ts";
import { int, nullableInt, type Row, type StoreView, text } from "./support/store.ts";

interface FileHashes {
  md5_hex: string;
  md5_b64: string;
  size: number;
}

interface StoredLoginResult {
  run_id: string;
  entity: string;
  project: string;
  steps: number;
  base_url: string;
}

interface LoggedArtifact {
  name: string;
  type: string;
  digest: string;
  version: string;
  id: string;
  aliases: string[];
  entries: Record<string, { digest: string; size: number }>;
}

interface ArtifactVersionsResult {
  run_id: string;
  entity: string;
  project: string;
  logs: LoggedArtifact[];
}

interface MediaResult {
  run_id: string;
  entity: string;
  project: string;
  steps: number;
  media: Record<string, FileHashes>;
}

/** The `machine <host>` entries of a .netrc file and their passwords. */
function netrcPasswords(content: string): Map<string, string> {
  const tokens = content.split(/\s+/).filter((token) => token !== "");
  const passwords = new Map<string, string>();
  let machine: string | undefined;
  for (let i = 0; i < tokens.length - 1; i++) {
    const [token, value] = [tokens[i], tokens[i + 1] ?? ""];
    if (token === "machine") machine = value;
    else if (token === "password" && machine !== undefined) passwords.set(machine, value);
  }
  return passwords;
}

async function storedSha256(db: StoreView, storageKey: string): Promise<string> {
  return createHash("sha256")
    .update(await db.objectBytes(storageKey))
    .digest("hex");
}

async function storedJson(db: StoreView, storageKey: string): Promise<unknown> {
  return JSON.parse((await db.objectBytes(storageKey)).toString("utf8"));
}

/** The versions of a collection, oldest first, every row whatever its state. */
function collectionVersions(db: StoreView, projectId: number, collection: string): Promise<Row[]> {
  return db.all(
    `SELECT a.*, t.name AS type_name FROM artifacts a
       JOIN artifact_collections c ON c.id = a.collection_id
       JOIN artifact_types t ON t.id = a.type_id
      WHERE c.project_id = ? AND c.name = ? ORDER BY a.id`,
    projectId,
    collection,
  );
}

/** alias → version index, from artifact_aliases of the collection. */
async function aliasTargets(
  db: StoreView,
  projectId: number,
  collection: string,
): Promise<Record<string, number | null>> {
  const rows = await db.all(
    `SELECT al.alias, a.version_index FROM artifact_aliases al
       JOIN artifact_collections c ON c.id = al.collection_id
       JOIN artifacts a ON a.id = al.artifact_id
      WHERE c.project_id = ? AND c.name = ? ORDER BY al.alias`,
    projectId,
    collection,
  );
  return Object.fromEntries(rows.map((row) => [text(row, "alias"), nullableInt(row, "version_index")]));
}

async function projectId(db: StoreView, entity: string, project: string): Promise<number> {
  return int(
    await db.one(
      "SELECT p.id FROM projects p JOIN entities e ON e.id = p.entity_id WHERE e.name = ? AND p.name = ?",
      entity,
      project,
    ),
    "id",
  );
}

describe("more of the real wandb client against Ballast", { timeout: 600_000 }, () => {
  const { username, apiKey, live, client, tracked, store } = useClientSuite("wandb-more");

  it(
    "`wandb login --host` stores the key and host; a run then needs no WANDB_* auth",
    { timeout: 180_000 },
    () =>
      tracked(async () => {
        const { server } = live();
        const host = new URL(server.url).host;
        // storedLogin: neither WANDB_API_KEY nor WANDB_BASE_URL is set, for the CLI and the script.
        // WANDB_SILENT=false so the CLI prints what it did (and why it failed).
        const login = await client("login", { storedLogin: true, extra: { WANDB_SILENT: "false" } });
        const home = join(login.dir, "home");
        const loggedIn = await runWandbCli(["login", "--host", server.url, apiKey()], login);
        const output = `--- stdout\n${loggedIn.stdout}\n--- stderr\n${loggedIn.stderr}`;
        assert.equal(loggedIn.code, 0, `wandb login exit code\n${output}`);
        // wandb/sdk/lib/wbauth/wbnetrc.py write_netrc_auth: the machine is the URL's netloc.
        const netrc = netrcPasswords(await readFile(join(home, ".netrc"), "utf8"));
        assert.equal(
          netrc.get(host),
          apiKey(),
          `~/.netrc has machine ${host} with the key (${[...netrc.keys()]})`,
        );
        // wandb/sdk/wandb_login.py _update_system_settings: `--host` is saved as base_url in the
        // global settings file ($WANDB_CONFIG_DIR/settings, by default ~/.config/wandb/settings).
        const settings = await readFile(join(login.dir, "config", "settings"), "utf8");
        assert.match(
          settings,
          new RegExp(`^base_url = ${server.url.replaceAll(".", "\\.")}$`, "m"),
          "settings base_url",
        );

        // wandb 0.31 needs nothing else: wandb.Settings reads base_url from that settings file and
        // the key from ~/.netrc for that host (wandb/sdk/lib/wbauth/wbnetrc.py read_netrc_auth).
        const { result } = await runScript<StoredLoginResult>(
          "stored_login_run.py",
          ["--project", "login", "--steps", "5"],
          { ...login, extra: {} },
        );
        assert.equal(result.base_url, server.url, "the client used the stored base URL");
        assert.equal(result.entity, username, "the run goes to the logged-in user's entity");
        const db = await store();
        try {
          const run = await db.findRun(username, "login", result.run_id);
          assert.equal(text(run, "state"), "finished", "run state");
          assert.equal(nullableInt(run, "exit_code"), 0, "exit code");
          const user = await db.one("SELECT id FROM users WHERE username = ?", username);
          assert.equal(nullableInt(run, "user_id"), int(user, "id"), "run belongs to the logged-in user");
          const lines = (await db.historyRows(int(run, "id"))).map((row) => ({
            lineNo: int(row, "line_no"),
            step: nullableInt(row, "step"),
            line: text(row, "line"),
          }));
          assertHistory(lines, 5);
        } finally {
          await db.close();
        }

        // A well-formed key (the client checks the format first) that the server does not know.
        const wrongKey = `local-${randomBytes(30)
          .toString("base64url")
          .replace(/[^A-Za-z0-9]/g, "x")
          .slice(0, 40)}`;
        const bad = await client("bad-login", { storedLogin: true, extra: { WANDB_SILENT: "false" } });
        const rejected = await runWandbCli(["login", "--host", server.url, wrongKey], bad);
        const badOutput = `--- stdout\n${rejected.stdout}\n--- stderr\n${rejected.stderr}`;
        assert.notEqual(rejected.code, 0, `wandb login with a wrong key must fail\n${badOutput}`);
        assert.match(
          `${rejected.stdout}\n${rejected.stderr}`,
          /Failed to authenticate|API key is not valid|unauthori[sz]ed|401/i,
          `an authentication error message\n${badOutput}`,
        );
        const badNetrc = await readFile(join(bad.dir, "home", ".netrc"), "utf8").catch(() => "");
        assert.ok(!badNetrc.includes(wrongKey), "a rejected key is not written to ~/.netrc");
      }),
  );

  it(
    "artifact versions, aliases, deduplication of a repeated content, and shared files stored once",
    { timeout: 180_000 },
    () =>
      tracked(async () => {
        const sources = await makeDir(live().workspace, "models-src");
        const first = await runScript<ArtifactVersionsResult>(
          "artifact_versions.py",
          ["--project", "arts", "--sources", sources],
          await client("arts"),
        );
        const logs = first.result.logs;
        assert.deepEqual(
          logs.map((log) => log.version),
          ["v0", "v1", "v2"],
          "the client got v0, v1, v2",
        );
        const _dataDir = live().server.dataDir;
        let db = await store();
        let project = 0;
        try {
          project = await projectId(db, username, "arts");
          const versions = await collectionVersions(db, project, "models");
          assert.deepEqual(
            versions.map((row) => [
              nullableInt(row, "version_index"),
              text(row, "state"),
              text(row, "digest"),
              text(row, "type_name"),
            ]),
            logs.map((log, index) => [index, "COMMITTED", log.digest, "model"]),
            "three committed versions v0..v2 with the client's digests",
          );
          // latest follows the newest committed version; best moved from v1 to v2 with the third log.
          assert.deepEqual(
            await aliasTargets(db, project, "models"),
            { best: 2, latest: 2, prod: 2 },
            "aliases after three logs",
          );
        } finally {
          await db.close();
        }

        // The same content as v0, logged again with the default aliases (the client sends
        // ["latest"]). The server's createArtifact finds the committed version with that digest and
        // returns it instead of a new one (no row is added, not even a PENDING one), and moves the
        // requested aliases — here `latest` — to it: latest → v0, while best and prod stay on v2.
        const again = await runScript<ArtifactVersionsResult>(
          "artifact_versions.py",
          ["--project", "arts", "--sources", sources, "--again"],
          await client("arts-again"),
        );
        const [repeat] = again.result.logs;
        const [v0] = logs;
        if (repeat === undefined || v0 === undefined) throw new Error("the scripts logged nothing");
        console.log(
          `[e2e] identical content logged again: client reports ${repeat.name} (${repeat.version}, id ${repeat.id})`,
        );
        assert.deepEqual(
          [repeat.version, repeat.id, repeat.digest],
          [v0.version, v0.id, v0.digest],
          "the client is handed the existing v0",
        );
        db = await store();
        try {
          const versions = await collectionVersions(db, project, "models");
          assert.deepEqual(
            versions.map((row) => [nullableInt(row, "version_index"), text(row, "state")]),
            [
              [0, "COMMITTED"],
              [1, "COMMITTED"],
              [2, "COMMITTED"],
            ],
            "no new version for a repeated content",
          );
          assert.deepEqual(
            await aliasTargets(db, project, "models"),
            { best: 2, latest: 0, prod: 2 },
            "aliases after the repeat",
          );

          // Every version has its two entries; config.json is the same content in all three and is
          // stored once: one artifact_objects row per distinct md5, one storage key for all entries.
          const entries = await db.all(
            `SELECT a.version_index, e.path, e.digest, e.size, e.storage_key FROM artifact_entries e
             JOIN artifacts a ON a.id = e.artifact_id JOIN artifact_collections c ON c.id = a.collection_id
            WHERE c.project_id = ? AND c.name = 'models' ORDER BY a.version_index, e.path`,
            project,
          );
          assert.deepEqual(
            entries.map((row) => [
              int(row, "version_index"),
              text(row, "path"),
              text(row, "digest"),
              int(row, "size"),
            ]),
            logs.flatMap((log, index) =>
              Object.entries(log.entries)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([path, entry]) => [index, path, entry.digest, entry.size]),
            ),
            "entries of v0..v2 as the client logged them",
          );
          const configKeys = new Set(
            entries
              .filter((row) => text(row, "path") === "config.json")
              .map((row) => text(row, "storage_key")),
          );
          assert.equal(configKeys.size, 1, "the shared config.json has one storage key in every version");
          const digests = [...new Set(entries.map((row) => text(row, "digest")))];
          assert.equal(
            digests.length,
            4,
            "four distinct contents: the shared config.json and three weights.bin",
          );
          const objects = await db.all(
            `SELECT o.md5, o.size, o.storage_key FROM artifact_objects o JOIN entities e ON e.id = o.entity_id
            WHERE e.name = ? AND o.md5 IN (${digests.map(() => "?").join(", ")})`,
            username,
            ...digests,
          );
          assert.deepEqual(
            objects.map((row) => text(row, "md5")).sort(),
            [...digests].sort(),
            "one artifact_objects row per distinct content",
          );
          for (const row of objects) {
            const stored = await db.objectDigest(text(row, "storage_key"));
            assert.deepEqual(
              [stored.md5Base64, stored.size],
              [text(row, "md5"), nullableInt(row, "size")],
              `object ${text(row, "md5")}: stored bytes`,
            );
          }
        } finally {
          await db.close();
        }
      }),
  );

  it(
    "logged HTML and Tables: media run files, history references, a committed run_table artifact, an alert",
    { timeout: 180_000 },
    () =>
      tracked(async () => {
        const steps = 3;
        const { result } = await runScript<MediaResult>(
          "media_run.py",
          ["--project", "media", "--steps", String(steps)],
          await client("media"),
        );
        const names = Object.keys(result.media).sort();
        assert.equal(
          names.filter((name) => name.startsWith("media/html/")).length,
          steps,
          `html files: ${names}`,
        );
        assert.equal(
          names.filter((name) => name.startsWith("media/table/")).length,
          steps,
          `table files: ${names}`,
        );
        const _dataDir = live().server.dataDir;
        const db = await store();
        try {
          const run = await db.findRun(username, "media", result.run_id);
          assert.equal(text(run, "state"), "finished", "run state");
          const alerts = await db.all(
            "SELECT title, text, severity, wait_seconds FROM run_alerts WHERE run_id = ?",
            int(run, "id"),
          );
          assert.deepEqual(
            alerts.map((row) => ({ ...row })),
            [
              {
                title: "table logged",
                text: "3 steps of HTML and tables",
                severity: "WARN",
                wait_seconds: 90,
              },
            ],
            "run.alert() is stored with its severity and wait duration",
          );
          const files = new Map(
            (
              await db.all(
                "SELECT name, size, md5, storage_key FROM run_files WHERE run_id = ?",
                int(run, "id"),
              )
            ).map((row) => [text(row, "name"), row]),
          );
          for (const [name, hashes] of Object.entries(result.media)) {
            const row = files.get(name);
            assert.ok(row !== undefined, `run file ${name} stored (have: ${[...files.keys()].sort()})`);
            assert.deepEqual(
              [text(row, "md5"), int(row, "size")],
              [hashes.md5_b64, hashes.size],
              `${name}: row`,
            );
            const stored = await db.objectDigest(text(row, "storage_key"));
            assert.deepEqual(
              [stored.md5Hex, stored.size],
              [hashes.md5_hex, hashes.size],
              `${name}: stored bytes`,
            );
          }

          const lines = await db.historyRows(int(run, "id"));
          assert.equal(lines.length, steps, "one history line per step");
          const clientIds: string[] = [];
          for (const [step, stored] of lines.entries()) {
            const row = parseLine(text(stored, "line"));
            assert.equal(row._step, step, `line ${step}: _step`);
            for (const [key, type, dir] of [
              ["page", "html-file", "media/html/"],
              ["tbl", "table-file", "media/table/"],
            ] as const) {
              const value = row[key];
              const where = `step ${step} ${key}`;
              assert.ok(isObject(value), `${where} is a media object: ${JSON.stringify(value)}`);
              const media: JsonObject = value;
              assert.equal(media._type, type, `${where}: _type`);
              const path = media.path;
              assert.ok(
                typeof path === "string" && path.startsWith(`${dir}${key}_${step}_`),
                `${where}: path ${path}`,
              );
              const file = files.get(path);
              assert.ok(file !== undefined, `${where}: ${path} is a stored run file`);
              assert.equal(media.size, int(file, "size"), `${where}: size`);
              assert.equal(
                media.sha256,
                await storedSha256(db, text(file, "storage_key")),
                `${where}: sha256`,
              );
              if (key === "tbl") {
                assert.deepEqual([media.ncols, media.nrows], [2, 2], `${where}: ncols, nrows`);
                const table = await storedJson(db, text(file, "storage_key"));
                assert.deepEqual(
                  table,
                  {
                    columns: ["a", "b"],
                    data: [
                      [1, "x"],
                      [2, "y"],
                    ],
                  },
                  `${where}: table file`,
                );
                const ref = /^wandb-client-artifact:\/\/([a-z0-9]+)\/tbl\.table\.json$/.exec(
                  String(media.artifact_path),
                );
                assert.ok(ref?.[1] !== undefined, `${where}: artifact_path ${String(media.artifact_path)}`);
                clientIds.push(ref[1]);
              }
            }
          }

          // Each step's Table is also logged as an artifact `run-<id>-tbl` of type run_table. The
          // three tables are identical, so the later two have v0's digest and are deduplicated (as
          // in the `models` test): one committed version, made by step 0's log (its client id).
          const versions = await collectionVersions(db, int(run, "project_id"), `run-${result.run_id}-tbl`);
          assert.deepEqual(
            versions.map((row) => [
              text(row, "type_name"),
              text(row, "state"),
              nullableInt(row, "version_index"),
            ]),
            [["run_table", "COMMITTED", 0]],
            "one committed run_table version",
          );
          const [artifact] = versions;
          if (artifact === undefined) throw new Error("unreachable");
          assert.equal(nullableInt(artifact, "run_id"), int(run, "id"), "run_table logged by the run");
          assert.equal(artifact.client_id, clientIds[0], "step 0's artifact_path names the stored version");
          const entry = await db.one(
            "SELECT path, digest, size, storage_key FROM artifact_entries WHERE artifact_id = ?",
            int(artifact, "id"),
          );
          assert.equal(text(entry, "path"), "tbl.table.json", "run_table entry");
          const stored = await db.objectDigest(text(entry, "storage_key"));
          assert.deepEqual(
            [stored.md5Base64, stored.size],
            [text(entry, "digest"), int(entry, "size")],
            "entry bytes",
          );
          const table = await storedJson(db, text(entry, "storage_key"));
          assert.ok(typeof table === "object" && table !== null, "run_table entry is a JSON object");
          const { columns, data } = table as { columns?: unknown; data?: unknown };
          assert.deepEqual(
            [columns, data],
            [
              ["a", "b"],
              [
                [1, "x"],
                [2, "y"],
              ],
            ],
            "run_table content",
          );
        } finally {
          await db.close();
        }
      }),
  );
});
