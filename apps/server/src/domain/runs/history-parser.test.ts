import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHistoryBatch } from "./history-line.ts";
import { HistoryParser, OFFLOAD_MIN_LINES } from "./history-parser.ts";

const texts = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    i === 7
      ? "not json"
      : `{"_step":${i * 2},"loss":${1 / (i + 1)},"n":{"a":${i},"img":{"_type":"image-file"}},"x":NaN}`,
  );

const plain = (batch: ReturnType<typeof parseHistoryBatch>) => ({
  ...batch,
  steps: [...batch.steps],
  starts: [...batch.starts],
  keys: [...batch.keys],
  values: [...batch.values],
});

describe("HistoryParser", () => {
  it("parses a large batch in a worker exactly as in place, texts kept by identity", async () => {
    const parser = new HistoryParser(1);
    try {
      const lines = texts(OFFLOAD_MIN_LINES * 3);
      const [a, b] = await Promise.all([parser.parse(100, lines), parser.parse(5, lines.slice(0, 10))]);
      assert.deepEqual(plain(a), plain(parseHistoryBatch(100, lines)));
      assert.equal(a.texts, lines);
      assert.deepEqual(plain(b), plain(parseHistoryBatch(5, lines.slice(0, 10))));
      assert.equal(a.steps[7], 107); // the line that is not JSON: its line number as its step
      assert.deepEqual(a.names, ["loss", "n.a", "x"]);
      assert.equal(parser.offloaded, 1); // the small batch was parsed in place
    } finally {
      parser.close();
    }
  });

  it("still parses, in place, once closed and while its worker is being torn down", async () => {
    const parser = new HistoryParser(1);
    const lines = texts(OFFLOAD_MIN_LINES * 2);
    const inFlight = parser.parse(0, lines);
    parser.close();
    assert.deepEqual(plain(await inFlight), plain(parseHistoryBatch(0, lines)));
    assert.deepEqual(plain(await parser.parse(0, lines)), plain(parseHistoryBatch(0, lines)));
  });
});
