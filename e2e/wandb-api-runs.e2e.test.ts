/**
 * The run read side with the real `wandb` client (0.31.0): eight logged runs read back through
 * wandb.Api() — filters and orders, pagination, config/summary, history (sampled, by keys, system),
 * scan_history through wandb-core, run files and downloads, run.update(), summary.update(),
 * run.delete(), projects. Deletion is also checked in the store (rows and object files).
 *
 * Real: server process, SQLite, local object store, wandb client and wandb-core. Mocked: nothing.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type JsonValue, parseLenientJson } from "../packages/core/src/index.ts";
import { useClientSuite } from "./support/client-suite.ts";
import { runScript } from "./support/python.ts";

const STEPS = 30;
const BIG = 2n ** 53n + 1n;
const LABELS = ["base", "sgd", "failed", "nan", "grouped1", "grouped2", "quoted", "neginf"] as const;
type Label = (typeof LABELS)[number];

type Obj = { [key: string]: JsonValue };
const obj = (value: JsonValue | undefined): Obj => {
  assert.ok(
    typeof value === "object" && value !== null && !Array.isArray(value),
    `not an object: ${String(value)}`,
  );
  return value;
};
const list = (value: JsonValue | undefined): JsonValue[] => {
  assert.ok(Array.isArray(value), `not a list: ${String(value)}`);
  return value;
};

/** What `row(step)` in api_read_runs.py logs. */
function logged(step: number): Obj {
  return {
    loss: 1 / (step + 1),
    acc: step / 32,
    nested: { x: step, deep: { y: step * 0.5 } },
    nan: Number.NaN,
    pinf: Number.POSITIVE_INFINITY,
    ninf: Number.NEGATIVE_INFINITY,
    big: BIG + BigInt(step),
    text: `s${step}`,
  };
}

/** The logged keys of a returned row equal what was logged (NaN as NaN, big integers exact). */
function assertRow(row: Obj, step: number, where: string): void {
  assert.equal(row._step, step, `${where}: _step`);
  for (const [key, value] of Object.entries(logged(step))) {
    assert.deepEqual(row[key], value, `${where} step ${step}: ${key}`);
  }
}

describe("wandb.Api() reads runs back from Ballast", { timeout: 600_000 }, () => {
  const suite = useClientSuite("api-runs");

  it("filters, orders, pages, reads history and files, updates and deletes runs", { timeout: 300_000 }, () =>
    suite.tracked(async () => {
      const { result: out } = await runScript<{ payload: string }>(
        "api_read_runs.py",
        ["--project", "reads"],
        await suite.client("reads"),
      );
      // Python writes NaN/Infinity tokens and exact big integers: parse leniently.
      const result = obj(parseLenientJson(out.payload, { exactIntegers: true }));
      const ids = obj(result.ids) as Record<Label, string>;
      const label = new Map(Object.entries(ids).map(([k, v]) => [v, k]));
      const labelsOf = (query: string) =>
        list(obj(obj(result.queries)[query]).ids).map((id) => label.get(String(id)));

      // Filters and orders (all eight runs exist while these run).
      const expected: Record<string, Label[]> = {
        all: [...LABELS],
        all_desc: [...LABELS].reverse(),
        finished: LABELS.filter((l) => l !== "failed"),
        failed_state: ["failed"],
        lr_gt: ["failed", "grouped2", "quoted", "neginf"],
        lr_value_lte: ["sgd", "grouped1"],
        and: ["base", "grouped2", "quoted", "neginf"],
        or: ["sgd", "grouped1", "grouped2"],
        nor: ["sgd", "grouped2", "quoted", "neginf"],
        regex: ["base", "nan"],
        regex_name: ["quoted"],
        in: ["sgd", "failed"],
        nin_tags: ["failed", "grouped2", "quoted", "neginf"],
        tag: ["base", "nan", "grouped1"],
        exists: ["nan"],
        not_exists: ["grouped1", "grouped2", "quoted", "neginf"],
        nested: ["sgd"],
        quoted_key: ["quoted"],
        job_type: ["grouped1"],
        summary_lt: ["base", "sgd", "grouped2", "neginf"],
        // Numbers ascending (-Infinity first), then the string "n/a".
        order_loss: ["neginf", "base", "sgd", "grouped2", "grouped1", "quoted", "nan", "failed"],
        // Descending: numbers high to low, then runs whose lr is NaN (null), newest id first.
        order_lr_desc: ["failed", "neginf", "quoted", "grouped2", "base", "grouped1", "sgd", "nan"],
        order_name: ["grouped1", "grouped2"],
      };
      for (const [query, labels] of Object.entries(expected)) {
        assert.deepEqual(labelsOf(query), labels, `query ${query}`);
        assert.equal(obj(obj(result.queries)[query]).len, labels.length, `len() of query ${query}`);
      }

      // Pagination with per_page=3: every run once, in creation order; len() is the count.
      const paged = obj(result.paged);
      assert.equal(paged.len, 8);
      assert.deepEqual(
        list(paged.ids).map((id) => label.get(String(id))),
        [...LABELS],
      );
      assert.equal(list(paged.states)[2], "failed");
      const lazy = obj(result.lazy);
      assert.equal(lazy.group, "g1");
      assert.equal(lazy.job_type, "train");
      assert.deepEqual(lazy.tags, ["a", "b"]);
      assert.equal(lazy.user, suite.username);
      assert.deepEqual(lazy.config, { lr: 0.05 });

      // One run: config (unwrapped), summary, history keys.
      const base = obj(result.base);
      assert.equal(base.state, "finished");
      assert.deepEqual(base.config, { lr: 0.1, opt: "adam", model: { depth: 3, name: "mlp" } });
      const summary = obj(base.summary);
      assert.equal(summary.loss, 1 / STEPS);
      assert.equal(summary.big, BIG + BigInt(STEPS - 1));
      assert.ok(Number.isNaN(summary.nan as number), "summary NaN");
      assert.equal(summary.pinf, Number.POSITIVE_INFINITY);
      assert.equal(base.last_step, STEPS - 1);
      assert.equal(base.history_line_count, STEPS);
      assert.equal(typeof base.system_metrics, "object");

      // history(): every line as logged; samples=7 keeps the first and the last step.
      const history = list(base.history).map(obj);
      assert.equal(history.length, STEPS);
      history.forEach((row, step) => {
        assertRow(row, step, "history()");
      });
      const sampled = list(base.history_sampled);
      assert.equal(sampled.length, 7);
      assert.equal(sampled[0], 0);
      assert.equal(sampled.at(-1), STEPS - 1);
      assert.deepEqual(
        [...sampled].sort((a, b) => Number(a) - Number(b)),
        sampled,
        "in step order",
      );

      // history(keys=…): only those keys (dotted keys reach nested values), big integers exact.
      const byKeys = list(base.history_keys).map(obj);
      assert.equal(byKeys.length, STEPS);
      byKeys.forEach((row, step) => {
        assert.deepEqual(Object.keys(row).sort(), ["_step", "big", "loss", "nested.x", "text"]);
        assert.equal(row.loss, 1 / (step + 1));
        assert.equal(row["nested.x"], step);
        assert.equal(row.big, BIG + BigInt(step));
        assert.equal(row.text, `s${step}`);
      });
      // Sampled rows are JSON objects, where a bare NaN cannot go: W&B's strings stand in.
      const special = list(base.history_special).map(obj);
      assert.deepEqual(
        special.map((row) => [row._step, row.nan, row.pinf, row.ninf]),
        [
          [0, "NaN", "Infinity", "-Infinity"],
          [14, "NaN", "Infinity", "-Infinity"], // ⌊29/2⌋
          [29, "NaN", "Infinity", "-Infinity"],
        ],
      );
      assert.ok(Array.isArray(base.events), "history(stream='system') answers a list");

      // scan_history() through wandb-core: every row exactly as logged, in step order.
      const scan = list(base.scan).map(obj);
      assert.equal(scan.length, STEPS);
      scan.forEach((row, step) => {
        assertRow(row, step, "scan_history()");
      });
      const scanKeys = list(base.scan_keys).map(obj);
      assert.deepEqual(
        scanKeys.map((row) => [row._step, row.loss, row.acc]),
        Array.from({ length: STEPS }, (_, step) => [step, 1 / (step + 1), step / 32]),
      );
      assert.deepEqual(base.scan_range, [5, 6, 7, 8, 9, 10, 11]);

      // Files: listed with sizes and digests, `./` stripped, LIKE patterns, paging, byte-identical downloads.
      const files = obj(result.files);
      const loggedFiles = obj(result.files_logged);
      // The client also saves its own files (wandb-metadata.json, output.log, …).
      for (const name of ["notes.txt", "dir/data.bin"]) assert.ok(list(files.names).includes(name), name);
      for (const name of ["notes.txt", "dir/data.bin"]) {
        assert.equal(obj(files.sizes)[name], obj(loggedFiles[name]).size, `${name} size`);
        assert.equal(obj(files.md5)[name], obj(loggedFiles[name]).md5_b64, `${name} md5`);
        assert.deepEqual(obj(result.downloaded)[name], loggedFiles[name], `${name} downloaded bytes`);
      }
      assert.equal(files.len, list(files.names).length);
      assert.equal(files.absolute_urls, true);
      assert.equal(files.dot_slash, "notes.txt");
      assert.deepEqual(files.pattern, ["dir/data.bin"]);
      assert.deepEqual(files.paged, files.names, "per_page=1 pages through every file");

      // run.update() and summary.update() persisted (read back by a fresh Api).
      const updated = obj(result.updated);
      assert.deepEqual(updated.tags, ["b", "updated"]);
      assert.equal(updated.notes, "edited from the API");
      assert.equal(updated.name, "renamed");
      assert.deepEqual(updated.config, { lr: 0.5, opt: "sgd", model: { depth: 5 }, added: { k: [1, 2] } });
      assert.equal(obj(updated.summary).extra, 42);
      assert.equal(obj(updated.summary).loss, 0.25);

      // run.delete(): gone for the client and from the store (rows and file objects).
      assert.notEqual(result.deleted_lookup, "still there");
      const afterDelete = obj(result.after_delete);
      assert.equal(afterDelete.len, 7);
      assert.deepEqual(
        list(afterDelete.ids).map((id) => label.get(String(id))),
        LABELS.filter((l) => l !== "neginf"),
      );
      const db = await suite.store();
      try {
        assert.equal((await db.all("SELECT id FROM runs WHERE name = ?", ids.neginf)).length, 0);
        assert.equal(
          (
            await db.all(
              "SELECT 1 FROM history_chunks h LEFT JOIN runs r ON r.id = h.run_id WHERE r.id IS NULL",
            )
          ).length,
          0,
        );
        assert.equal(
          (await db.all("SELECT 1 FROM run_files f LEFT JOIN runs r ON r.id = f.run_id WHERE r.id IS NULL"))
            .length,
          0,
        );
        // Every run's file objects live under runs/<run id>/: none is left for a deleted run.
        const live = new Set((await db.all("SELECT id FROM runs")).map((row) => String(row.id)));
        const stored = await db.objectKeys("runs/");
        const runOf = (key: string) => key.split("/")[1] ?? "";
        const leftovers = stored.filter((key) => !live.has(runOf(key)));
        assert.deepEqual(leftovers, [], "objects of a deleted run");
        const baseRun = await db.findRun(String(result.entity), "reads", ids.base);
        assert.ok(stored.some((key) => runOf(key) === String(baseRun.id)));
      } finally {
        await db.close();
      }

      assert.match(String(result.bad_filter), /Invalid runs filter: unknown operator "\$bogus"/);
      assert.ok(list(result.projects).includes("reads"));
      const project = obj(result.project);
      assert.equal(project.name, "reads");
      assert.equal(typeof project.id, "string");
      assert.equal(typeof project.created_at, "string");
    }),
  );
});
