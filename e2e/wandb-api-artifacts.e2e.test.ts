/**
 * The artifact read side with the real `wandb` client: wandb.Api() lists types, collections and
 * versions, resolves aliases, reports lineage (logged_by, used_by, logged/used artifacts), lists files
 * including a file:// reference, and downloads byte-identical content.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useClientSuite } from "./support/client-suite.ts";
import { runScript } from "./support/python.ts";

interface Hashes {
  md5_hex: string;
  size: number;
}

interface ReadBack {
  entity: string;
  types: string[];
  model_collections: string[];
  collection: { name: string; type: string; aliases: string[] };
  versions: [string, string[]][];
  best: {
    version: string;
    metadata: unknown;
    weights: Hashes;
    entry: Hashes;
    files: string[];
    logged_by: string;
    used_by: string[];
  };
  logged: Record<string, Hashes>;
  corpus_files: string[];
  corpus_downloaded: Record<string, Hashes>;
  outside: Hashes;
  logged_artifacts: string[];
  used_artifacts: string[];
  producer: string;
  consumer: string;
}

describe("wandb.Api() reads artifacts back from Ballast", { timeout: 600_000 }, () => {
  const { client, tracked, store, username } = useClientSuite("api-artifacts");

  it(
    "lists types, collections, versions and aliases; lineage; files with references; byte-identical downloads",
    { timeout: 300_000 },
    () =>
      tracked(async () => {
        const { result } = await runScript<ReadBack>(
          "api_read_artifacts.py",
          ["--project", "reads"],
          await client("read"),
        );
        assert.deepEqual(result.types, ["dataset", "model"]);
        assert.deepEqual(result.model_collections, ["net"]);
        assert.deepEqual(result.collection, { name: "net", type: "model", aliases: ["best", "latest"] });
        // The client moves the `vN` alias into `.version`; `.aliases` keeps the others.
        assert.deepEqual(result.versions, [
          ["v2", ["latest"]],
          ["v1", ["best"]],
          ["v0", []],
        ]);
        assert.equal(result.best.version, "v1");
        assert.deepEqual(result.best.metadata, { epoch: 1 });
        assert.equal(result.best.weights.md5_hex, result.logged["net:v1"]?.md5_hex);
        assert.equal(result.best.entry.md5_hex, result.logged["net:v1"]?.md5_hex, "get_entry().download()");
        assert.deepEqual(result.best.files, ["weights.bin"]);
        assert.equal(result.best.logged_by, result.producer);
        assert.deepEqual(result.best.used_by, [result.consumer]);
        assert.deepEqual(result.corpus_files, ["outside.txt", "train.txt"]);
        assert.equal(
          result.corpus_downloaded["outside.txt"]?.md5_hex,
          result.outside.md5_hex,
          "the reference was fetched",
        );
        assert.equal(result.corpus_downloaded["train.txt"]?.size, "train\n".length);
        assert.deepEqual(result.logged_artifacts, ["corpus:v0", "net:v0", "net:v1", "net:v2"]);
        assert.deepEqual(result.used_artifacts, ["net:v1"]);
      }),
  );

  it(
    "deletes versions with artifact.delete(): aliases guard it, `latest` moves back",
    { timeout: 300_000 },
    () =>
      tracked(async () => {
        const env = await client("delete");
        const { result } = await runScript<Record<string, string | string[]>>(
          "artifact_delete.py",
          ["--project", "deletes", "--dir", `${env.dir}/sources`],
          env,
        );
        assert.match(String(result.v0_keep_aliases), /aliases/, "refused while `best` points at it");
        assert.equal(result.v0_with_aliases, "ok");
        assert.notEqual(result.v0_read_after, "ok", "a deleted version is gone");
        assert.notEqual(result.best_read_after, "ok", "its alias went with it");
        assert.equal(result.v2_latest_only, "ok", "`latest` alone does not guard a version");
        assert.equal(result.latest_now, "v1");
        assert.deepEqual(result.versions_left, ["v1"]);
        // Both deletions are in the audit log, with who did them (plain SQL: the same on every stack).
        const view = await store();
        try {
          const rows = await view.all(
            "SELECT actor_username, target FROM audit_log WHERE action = 'artifact.deleted' AND entity = ? ORDER BY id",
            username,
          );
          assert.deepEqual(
            rows.map((row) => [row.actor_username, row.target]),
            [
              [username, "deletes/ds:v0"],
              [username, "deletes/ds:v2"],
            ],
          );
        } finally {
          await view.close();
        }
      }),
  );
});
