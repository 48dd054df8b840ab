import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { loadConfig } from "../../config.ts";
import { MemoryCache } from "../../stores/cache/memory.cache.ts";
import type { UserRecord } from "../../stores/records.ts";
import { createSqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import { AccessService } from "../access/access.service.ts";
import type { Stores } from "../services.ts";
import { parseHistoryBatch } from "./history-line.ts";
import { decodeColumns, encodeColumns } from "./run-cache.ts";
import { RunReadService } from "./run-read.service.ts";

describe("run cache codecs", () => {
  it("round-trips columns with nulls, infinities and signed values", () => {
    const columns = [
      [0, 1, 2, 3],
      [null, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1.5e300],
      [1e-300, null, 0, 42],
    ];
    const decoded = decodeColumns(encodeColumns(1, columns), 3);
    assert.deepEqual(decoded, { flag: 1, columns });
    assert.deepEqual(decodeColumns(encodeColumns(0, [[], []]), 2), { flag: 0, columns: [[], []] });
  });

  it("answers undefined (a miss) for bytes of another shape", () => {
    const bytes = encodeColumns(1, [
      [1, 2],
      [3, 4],
    ]);
    assert.equal(decodeColumns(bytes, 3), undefined);
    assert.equal(decodeColumns(bytes.subarray(0, 20), 2), undefined);
    assert.equal(decodeColumns(Buffer.from("not columns at all"), 1), undefined);
  });
});

describe("chart reads through the cache are never stale (real SQLite)", () => {
  const fixture = createSqliteFixture("run-cache");
  const cache = new MemoryCache({ maxBytes: 16 << 20 });
  const stores = { ...fixture, objects: undefined as never, cache } as Stores;
  const reads = new RunReadService(loadConfig({ env: {} }), stores, new AccessService(stores));
  const path = { entity: "u", project: "p", run: "r" };
  let user: UserRecord;
  let runId = 0;
  let logged = 0;

  /** Logs `count` more steps: loss = step, and the client's _runtime = step / 10. */
  async function log(count: number) {
    const texts = Array.from({ length: count }, (_, i) =>
      JSON.stringify({ _step: logged + i, loss: logged + i, _runtime: (logged + i) / 10 }),
    );
    await fixture.runs.applyFileStream(runId, { history: parseHistoryBatch(logged, texts), now: Date.now() });
    logged += count;
  }

  const run = async () => {
    const found = await fixture.runs.findRunById(runId);
    if (!found) throw new Error("run gone");
    return found;
  };

  before(async () => {
    ({ runId } = await fixture.seedRun());
    const found = await fixture.identity.findUserByUsername("u");
    if (!found) throw new Error("no user");
    user = found;
    await log(100);
  });
  after(() => fixture.close());

  it("serves a repeated series from the cache, and new history as soon as it is stored", async () => {
    const query = { metric: "loss", buckets: 1000 };
    const first = await reads.series(user, path, query);
    assert.equal(first.points.length, 100);
    const hits = cache.stats().hits;
    assert.deepEqual(await reads.series(user, path, query), first);
    assert.equal(cache.stats().hits, hits + 1, "the second read was a hit");

    await log(50);
    const after = await reads.series(user, path, query);
    assert.equal(after.points.length, 150, "the new steps are there at once");
    assert.equal(after.points.at(-1)?.last, 149);
  });

  it("keeps bucketed answers exact through the cache", async () => {
    const query = { metric: "loss", buckets: 10 };
    const computed = await reads.series(user, path, query);
    assert.equal(computed.exact, false);
    assert.deepEqual(await reads.series(user, path, query), computed);
  });

  it("does the same for series by time and for the run's history keys", async () => {
    const query = { metric: "loss", buckets: 1000, x: "runtime" as const, minX: 1, maxX: 5 };
    const first = await reads.seriesByX(await run(), query);
    assert.deepEqual(await reads.seriesByX(await run(), query), first);
    const keys = await reads.historyKeys(await run());
    assert.deepEqual(await reads.historyKeys(await run()), keys);

    await log(10);
    const wide = { ...query, maxX: 1e9 };
    const xs = await reads.seriesByX(await run(), wide);
    assert.equal(xs.step.at(-1), logged - 1);
    const later = await reads.historyKeys(await run());
    assert.equal(later.lastStep, logged - 1);
    assert.equal(later.keys.find((k) => k.name === "loss")?.value, logged - 1);
  });
});
