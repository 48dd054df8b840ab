import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashOf, PALETTE, pickColor, runColor } from "./colors.ts";

describe("run colours", () => {
  it("gives a run the same colour every time, from its id alone", () => {
    assert.equal(runColor("abc123"), runColor("abc123"));
    assert.match(runColor("abc123"), /^hsl\(\d{1,3} \d{2}% \d{2}%\)$/);
  });

  it("spreads similar ids over many colours", () => {
    const colours = new Set(Array.from({ length: 100 }, (_, i) => runColor(`run-${i}`)));
    assert.ok(colours.size >= 90, `${colours.size} distinct colours for 100 runs`);
    assert.notEqual(hashOf("run-1"), hashOf("run-2"));
  });

  it("gives selected runs distinct palette colours while the palette lasts", () => {
    const used = new Set<string>();
    for (let i = 0; i < PALETTE.length; i++) {
      const color = pickColor(`run-${i}`, used);
      assert.ok(!used.has(color), `run-${i} got a colour already in use`);
      assert.ok((PALETTE as readonly string[]).includes(color));
      used.add(color);
    }
    assert.equal(pickColor("one-more", used), runColor("one-more"));
    assert.equal(pickColor("abc", new Set()), pickColor("abc", new Set()), "a free slot is the run's own");
  });
});
