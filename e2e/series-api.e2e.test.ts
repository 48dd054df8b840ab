/**
 * Ballast's own chart-series endpoint, GET /api/v1/runs/{entity}/{project}/{run}/series, against a
 * real server (in-process, port 0, real SQLite), with the history logged through file_stream as
 * the client sends it. Every answer is checked against the logged values computed here.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { graphqlData, startTestServer, type TestServer } from "./support/api.ts";

const STEPS = 30_000;
/** Deterministic, with NaN at every 1,009th step and an isolated spike. */
const valueAt = (step: number) =>
  step % 1009 === 5 ? Number.NaN : step === 12_345 ? 1e6 : Math.cos(step / 311) * 10 + ((step * 31) % 7);

interface Bucket {
  step: number;
  min: number | null;
  max: number | null;
  last: number | null;
  lastStep: number;
}

describe("GET /api/v1/runs/…/series", () => {
  let test: TestServer;
  const entity = "admin";
  const base = () => `${test.server.url}/api/v1/runs/${entity}/charts/r1/series`;
  /** `auth` null: no Authorization header at all. */
  const get = (query: string, auth: string | null = test.auth) =>
    fetch(`${base()}?${query}`, auth === null ? {} : { headers: { authorization: auth } });

  before(async () => {
    test = await startTestServer();
    await graphqlData(
      test,
      'mutation { upsertBucket(input: {name: "r1", modelName: "charts"}) { bucket { id } } }',
    );
    for (let offset = 0; offset < STEPS; offset += 5000) {
      const content = Array.from({ length: 5000 }, (_, i) => {
        const step = offset + i;
        // NaN as the client writes it (a bare token); the "note" key is a string, never a series.
        return `{"_step":${step},"loss":${Number.isNaN(valueAt(step)) ? "NaN" : valueAt(step)},"note":"x"}`;
      });
      const response = await fetch(`${test.server.url}/files/${entity}/charts/r1/file_stream`, {
        method: "POST",
        headers: { authorization: test.auth, "content-type": "application/json" },
        body: JSON.stringify({ files: { "wandb-history.jsonl": { offset, content } } }),
      });
      assert.equal(response.status, 200, await response.text());
    }
  });

  after(() => test.close());

  /** min/max/last over [from, to] by brute force (NaN ignored by min/max, reported as null). */
  function brute(from: number, to: number) {
    let min: number | null = null;
    let max: number | null = null;
    for (let step = from; step <= to; step++) {
      const v = valueAt(step);
      if (Number.isNaN(v)) continue;
      min = min === null ? v : Math.min(min, v);
      max = max === null ? v : Math.max(max, v);
    }
    const last = valueAt(to);
    return { min, max, last: Number.isNaN(last) ? null : last, lastStep: to };
  }

  async function series(query: string): Promise<{ exact: boolean; points: Bucket[] }> {
    const response = await get(query);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as { exact: boolean; points: Bucket[] };
  }

  it("returns every stored point when the range holds no more than `buckets` of them", async () => {
    const { exact, points } = await series("metric=loss&buckets=1000&minStep=1000&maxStep=1999");
    assert.equal(exact, true);
    assert.equal(points.length, 1000);
    points.forEach((p, i) => {
      const v = valueAt(1000 + i);
      const expected = Number.isNaN(v) ? null : v;
      assert.deepEqual(p, {
        step: 1000 + i,
        min: expected,
        max: expected,
        last: expected,
        lastStep: 1000 + i,
      });
    });
  });

  for (const [name, query, from, to] of [
    ["whole run", "metric=loss&buckets=1000", 0, STEPS - 1],
    ["unaligned range", "metric=loss&buckets=700&minStep=333&maxStep=29001", 333, 29_001],
    ["narrow range", "metric=loss&buckets=100&minStep=12000&maxStep=12777", 12_000, 12_777],
  ] as const) {
    it(`bounds every bucket exactly by the points it covers (${name})`, async () => {
      const buckets = Number(/buckets=(\d+)/.exec(query)?.[1]);
      const { exact, points } = await series(query);
      assert.equal(exact, false);
      assert.ok(points.length <= buckets && points.length >= buckets * 0.9, `${points.length} buckets`);
      assert.equal(points[0]?.step, from);
      points.forEach((p, i) => {
        const end = (points[i + 1]?.step ?? to + 1) - 1;
        assert.ok(p.step <= p.lastStep && p.lastStep <= end, `bucket ${i} [${p.step}, ${end}]`);
        assert.deepEqual(p, { step: p.step, ...brute(p.step, end) }, `bucket ${i} [${p.step}, ${end}]`);
      });
    });
  }

  it("keeps a single spike visible at any zoom", async () => {
    const { points } = await series("metric=loss&buckets=50");
    assert.equal(Math.max(...points.map((p) => p.max ?? 0)), 1e6);
  });

  it("answers an unknown metric, a non-numeric key and an empty range with no points", async () => {
    for (const query of ["metric=nope", "metric=note", "metric=loss&minStep=50000&maxStep=60000"]) {
      assert.deepEqual(await series(query), { exact: true, points: [] }, query);
    }
  });

  it("requires an API key", async () => {
    const response = await get("metric=loss", null);
    assert.equal(response.status, 401);
    const wrong = await get("metric=loss", `Basic ${Buffer.from("api:not-a-key").toString("base64")}`);
    assert.equal(wrong.status, 401);
  });

  it("refuses bad parameters with 400 INVALID_ARGUMENT", async () => {
    for (const query of [
      "",
      "metric=",
      "metric=loss&buckets=1",
      "metric=loss&buckets=10001",
      "metric=loss&buckets=ten",
      "metric=loss&minStep=1.5",
      "metric=loss&minStep=10&maxStep=5",
      "metric=loss&maxStep=99999999999999999999",
    ]) {
      const response = await get(query);
      assert.equal(response.status, 400, query);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, "INVALID_ARGUMENT", query);
    }
  });

  it("answers 404 for a run or project that does not exist", async () => {
    const response = await fetch(`${test.server.url}/api/v1/runs/${entity}/charts/nope/series?metric=loss`, {
      headers: { authorization: test.auth },
    });
    assert.equal(response.status, 404);
    const project = await fetch(`${test.server.url}/api/v1/runs/${entity}/nope/r1/series?metric=loss`, {
      headers: { authorization: test.auth },
    });
    assert.equal(project.status, 404);
  });
});
