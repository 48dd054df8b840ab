import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashOf, runColor } from "./colors.ts";

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
});
