/**
 * End-to-end: the real `wandb` Python client (0.31.0, from .cache/venv — built by
 * scripts/setup-python.sh, which the suite runs first) logs to a real Ballast server started from
 * the CLI. Every check reads what the server stored (SQLite rows and object files), not what it
 * answered, and compares it with what the client logged.
 *
 * Real: server process, CLI, SQLite, local object store, wandb client and wandb-core.
 * Mocked: nothing. Keep the workspace with BALLAST_E2E_KEEP=1 (it is also kept when a test fails).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLenientJson } from "../packages/core/src/index.ts";
import { useClientSuite } from "./support/client-suite.ts";
import {
  assertHistory,
  at,
  isObject,
  type JsonObject,
  LOGGED_CONFIG,
  parseLine,
  type StoredHistoryLine,
} from "./support/history.ts";
import { runScript, startScript } from "./support/python.ts";
import { rejectAfter, sleep } from "./support/server.ts";
import { int, nullableInt, type Row, type StoreView, text } from "./support/store.ts";

interface FileHashes {
  md5_hex: string;
  md5_b64: string;
  size: number;
}

interface ArtifactSummary {
  name: string;
  type: string;
  digest: string;
  entries: Record<string, { digest: string; size: number }>;
}

interface LogRunResult {
  run_id: string;
  entity: string;
  project: string;
  steps: number;
  files: Record<string, FileHashes>;
  artifact: ArtifactSummary;
  artifact_id: string;
  artifact_version: string;
  artifact_sources: Record<string, FileHashes>;
}

interface ResumeResult {
  run_id: string;
  entity: string;
  project: string;
  resumed: boolean;
  starting_step: number;
  steps: number;
}

interface DownloadedArtifact {
  id: string;
  digest: string;
  version: string;
  files: Record<string, FileHashes>;
}

interface UseArtifactResult {
  run_id: string;
  entity: string;
  project: string;
  latest: DownloadedArtifact;
  v0: DownloadedArtifact;
}

interface OfflineResult {
  run_id: string;
  sync_errors: string[];
  project: string;
  steps: number;
  files: Record<string, FileHashes>;
  artifact: ArtifactSummary;
}

interface KillResult {
  run_id: string;
  entity: string;
  project: string;
  steps: number;
  logging_seconds: number;
  finish_seconds: number;
}

/** Files wandb-core uploads for every run besides the ones the script saves. */
const STANDARD_RUN_FILES = ["config.yaml", "requirements.txt", "wandb-metadata.json", "wandb-summary.json"];

async function historyLines(db: StoreView, run: Row): Promise<StoredHistoryLine[]> {
  return (await db.historyRows(int(run, "id"))).map((row) => ({
    lineNo: int(row, "line_no"),
    step: nullableInt(row, "step"),
    line: text(row, "line"),
  }));
}

function parseObject(json: string, what: string): JsonObject {
  const value = parseLenientJson(json, { exactIntegers: true });
  if (!isObject(value)) throw new Error(`${what} is not a JSON object: ${json.slice(0, 300)}`);
  return value;
}

/** Run state, counters, config (as the client sent it: `{key: {value: …}}`) and summary. */
function assertRunRow(run: Row, steps: number): void {
  assert.equal(text(run, "state"), "finished", "run state");
  assert.equal(nullableInt(run, "exit_code"), 0, "exit code");
  assert.equal(int(run, "history_line_count"), steps, "history_line_count");
  const config = parseObject(text(run, "config"), "runs.config");
  for (const [key, value] of Object.entries(LOGGED_CONFIG)) {
    assert.deepEqual(at(config, key, "value"), value, `config.${key}.value`);
  }
  const summary = parseObject(text(run, "summary"), "runs.summary");
  const last = steps - 1;
  assert.equal(summary._step, last, "summary._step is the last step");
  assert.equal(at(summary, "train", "loss"), 1 / (last + 1), "summary train.loss is the last value");
  assert.equal(summary.label, `step-${last}`, "summary label");
  assert.equal(summary.big, 2n ** 53n + 1n + BigInt(last), "summary big stays exact");
  assert.equal(summary.neg_inf, Number.NEGATIVE_INFINITY, "summary neg_inf");
}

/** The named run files exist with the client's size and md5, and the stored bytes match them. */
async function assertRunFiles(db: StoreView, run: Row, expected: Record<string, FileHashes>): Promise<void> {
  const rows = await db.all(
    "SELECT name, size, md5, storage_key FROM run_files WHERE run_id = ?",
    int(run, "id"),
  );
  const byName = new Map(rows.map((row) => [text(row, "name"), row]));
  const names = [...byName.keys()].sort();
  for (const name of [...Object.keys(expected), ...STANDARD_RUN_FILES]) {
    assert.ok(byName.has(name), `run file ${name} stored (have: ${names.join(", ")})`);
  }
  for (const [name, hashes] of Object.entries(expected)) {
    const row = byName.get(name);
    if (row === undefined) continue;
    assert.equal(int(row, "size"), hashes.size, `${name}: size`);
    assert.equal(text(row, "md5"), hashes.md5_b64, `${name}: md5 column`);
    const stored = await db.objectDigest(text(row, "storage_key"));
    assert.deepEqual([stored.md5Hex, stored.size], [hashes.md5_hex, hashes.size], `${name}: stored bytes`);
  }
  // Every row, not just ours, must describe the bytes the server actually kept.
  for (const row of rows) {
    const stored = await db.objectDigest(text(row, "storage_key"));
    assert.deepEqual(
      [stored.md5Base64, stored.size],
      [text(row, "md5"), int(row, "size")],
      `${text(row, "name")}: object bytes match its run_files row`,
    );
  }
}

/** The artifact version is committed as v0 with alias latest, and every entry's bytes are stored. */
async function assertArtifact(
  db: StoreView,
  run: Row,
  collection: string,
  logged: ArtifactSummary,
): Promise<Row> {
  const artifact = await db.one(
    `SELECT a.* FROM artifacts a JOIN artifact_collections c ON c.id = a.collection_id
      WHERE c.project_id = ? AND c.name = ?`,
    int(run, "project_id"),
    collection,
  );
  const id = int(artifact, "id");
  assert.equal(text(artifact, "state"), "COMMITTED", `${collection}: state`);
  assert.equal(nullableInt(artifact, "version_index"), 0, `${collection}: version_index`);
  assert.equal(text(artifact, "digest"), logged.digest, `${collection}: manifest digest`);
  const expectedEntries = Object.entries(logged.entries);
  assert.equal(int(artifact, "file_count"), expectedEntries.length, `${collection}: file_count`);
  const totalSize = expectedEntries.reduce((sum, [, entry]) => sum + entry.size, 0);
  assert.equal(int(artifact, "size"), totalSize, `${collection}: size is the sum of the entries`);
  assert.equal(nullableInt(artifact, "run_id"), int(run, "id"), `${collection}: logged by the run`);

  const aliases = await db.all("SELECT collection_id, alias FROM artifact_aliases WHERE artifact_id = ?", id);
  assert.ok(
    aliases.some(
      (row) =>
        text(row, "alias") === "latest" && int(row, "collection_id") === int(artifact, "collection_id"),
    ),
    `${collection}: alias latest (have ${aliases.map((row) => text(row, "alias")).join(", ")})`,
  );

  const entries = await db.all(
    "SELECT path, digest, size, storage_key FROM artifact_entries WHERE artifact_id = ?",
    id,
  );
  assert.deepEqual(
    Object.fromEntries(
      entries.map((row) => [text(row, "path"), { digest: text(row, "digest"), size: int(row, "size") }]),
    ),
    logged.entries,
    `${collection}: entries (path → base64 md5, size)`,
  );
  for (const row of entries) {
    const stored = await db.objectDigest(text(row, "storage_key"));
    assert.deepEqual(
      [stored.md5Base64, stored.size],
      [text(row, "digest"), int(row, "size")],
      `${collection}/${text(row, "path")}: stored bytes`,
    );
  }
  return artifact;
}

describe("the real wandb client logging to Ballast", { timeout: 1_200_000 }, () => {
  const { username, live, client, tracked, store, restartServer } = useClientSuite("wandb");
  let logged: LogRunResult | undefined;

  it(
    "stores 1,000 logged steps exactly, saved files byte for byte, and a committed artifact",
    { timeout: 400_000 },
    () =>
      tracked(async () => {
        const { result } = await runScript<LogRunResult>(
          "log_run.py",
          ["--project", "main"],
          await client("log"),
        );
        logged = result;
        assert.equal(result.entity, username, "the run goes to the user's default entity");
        assert.equal(result.artifact_version, "v0");
        for (const [path, source] of Object.entries(result.artifact_sources)) {
          assert.equal(result.artifact.entries[path]?.digest, source.md5_b64, `client digest of ${path}`);
        }

        const db = await store();
        try {
          const run = await db.findRun(result.entity, "main", result.run_id);
          assertRunRow(run, 1000);
          assertHistory(await historyLines(db, run), 1000);
          await assertRunFiles(db, run, result.files);
          await assertArtifact(db, run, "ds", result.artifact);
        } finally {
          await db.close();
        }
      }),
  );

  it(
    "resumes the run (resume='must') and appends steps 1000..1199 without duplicates",
    { timeout: 300_000 },
    () =>
      tracked(async () => {
        if (logged === undefined) throw new Error("depends on the first test's run");
        const first = logged;
        const { result } = await runScript<ResumeResult>(
          "resume_run.py",
          [first.run_id, "--project", "main", "--start", "1000", "--steps", "200"],
          await client("resume"),
        );
        assert.equal(result.run_id, first.run_id);
        assert.equal(result.resumed, true, "the client saw the run as resumed");
        assert.equal(result.starting_step, 1000, "the client resumed at the step after the last stored one");

        const db = await store();
        try {
          const run = await db.findRun(first.entity, "main", first.run_id);
          assertRunRow(run, 1200);
          assertHistory(await historyLines(db, run), 1200);
          await assertRunFiles(db, run, first.files);
        } finally {
          await db.close();
        }
      }),
  );

  it("use_artifact records a usage and downloads byte-identical files", { timeout: 300_000 }, () =>
    tracked(async () => {
      if (logged === undefined) throw new Error("depends on the first test's artifact");
      const first = logged;
      const { result } = await runScript<UseArtifactResult>(
        "use_artifact.py",
        ["--project", "main"],
        await client("use"),
      );
      for (const [form, downloaded] of [
        ["ds:latest", result.latest],
        [`${first.entity}/main/ds:v0`, result.v0],
      ] as const) {
        assert.equal(downloaded.digest, first.artifact.digest, `${form}: digest`);
        assert.equal(downloaded.version, "v0", `${form}: version`);
        assert.deepEqual(
          downloaded.files,
          first.artifact_sources,
          `${form}: downloaded files (path → md5, size)`,
        );
      }

      const db = await store();
      try {
        const consumer = await db.findRun(result.entity, "main", result.run_id);
        assert.equal(text(consumer, "state"), "finished", "consumer run state");
        const producer = await db.findRun(first.entity, "main", first.run_id);
        const artifact = await db.one(
          `SELECT a.id FROM artifacts a JOIN artifact_collections c ON c.id = a.collection_id
            WHERE c.project_id = ? AND c.name = 'ds'`,
          int(producer, "project_id"),
        );
        const usages = await db.all(
          "SELECT run_id, artifact_id FROM artifact_usages WHERE run_id = ?",
          int(consumer, "id"),
        );
        assert.deepEqual(
          usages.map((row) => int(row, "artifact_id")),
          [int(artifact, "id")],
          "one usage of ds:v0 by the consuming run",
        );
      } finally {
        await db.close();
      }
    }),
  );

  it("an offline run uploaded with `wandb sync` is stored like a live one", { timeout: 400_000 }, () =>
    tracked(async () => {
      const { result } = await runScript<OfflineResult>(
        "offline_then_sync.py",
        ["--project", "offline", "--steps", "300"],
        await client("offline"),
      );
      const db = await store();
      try {
        const run = await db.findRun(username, "offline", result.run_id);
        assertRunRow(run, 300);
        assertHistory(await historyLines(db, run), 300);
        await assertRunFiles(db, run, result.files);
        assert.deepEqual(
          result.sync_errors,
          [],
          "`wandb sync` logged no errors (wandb/logs/debug-sync.*.log)",
        );
        await assertArtifact(db, run, "offline-ds", result.artifact);
      } finally {
        await db.close();
      }
    }),
  );

  it(
    "keeps every step exactly once when the server is SIGKILLed mid-run and restarted",
    { timeout: 600_000 },
    () =>
      tracked(async () => {
        const steps = 200;
        const script = await startScript<KillResult>(
          "kill_target.py",
          ["--project", "kill", "--steps", String(steps), "--interval", "0.2"],
          await client("kill"),
          540_000,
        );
        let lastPrinted = -1;
        const firstStep = new Promise<void>((resolve) => {
          script.onLine((line) => {
            const match = /^STEP (\d+)$/.exec(line);
            if (match?.[1] === undefined) return;
            lastPrinted = Number(match[1]);
            resolve();
          });
        });
        await Promise.race([
          firstStep,
          script.done.then(() => {
            throw new Error("kill_target.py finished before logging started");
          }),
          rejectAfter(180_000, "kill_target.py logged no step within 180 s"),
        ]);
        await sleep(10_000);
        const killedAt = lastPrinted;
        await live().server.kill9();
        await sleep(3_000);
        await restartServer();
        const { result } = await script.done;
        assert.ok(killedAt < steps - 1, `the server was killed mid-run (at step ${killedAt} of ${steps})`);

        const db = await store();
        try {
          const run = await db.findRun(result.entity, "kill", result.run_id);
          assert.equal(text(run, "state"), "finished", "run state after the crash");
          assert.equal(nullableInt(run, "exit_code"), 0, "exit code");
          assert.equal(int(run, "history_line_count"), steps, "history_line_count");
          const lines = await historyLines(db, run);
          assertHistory(lines, steps);
          const summary = parseObject(text(run, "summary"), "runs.summary");
          assert.equal(summary._step, steps - 1, "summary._step");
          assert.equal(
            parseLine(lines.at(-1)?.line ?? "{}")._step,
            steps - 1,
            "last stored line is the last step",
          );
        } finally {
          await db.close();
        }
      }),
  );
});
