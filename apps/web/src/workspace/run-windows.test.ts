import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RunWindow, TableRun } from "../api/workspace.ts";
import { PAGE, RunWindows } from "./run-windows.ts";

/** A fetch whose answers the test releases one by one. */
function manualFetch() {
  const asked: { offset: number; resolve: () => void }[] = [];
  const fetch = (_filters: string, offset: number, limit: number): Promise<RunWindow> =>
    new Promise((resolve) => {
      const runs = Array.from(
        { length: limit },
        (_, i) => ({ name: `r${offset + i}` }) as unknown as TableRun,
      );
      asked.push({ offset, resolve: () => resolve({ total: 10_000, offset, runs }) });
    });
  return { asked, fetch };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("RunWindows", () => {
  it("asks for at most two pages at once, newest wanted first, dropping pages scrolled past", async () => {
    const { asked, fetch } = manualFetch();
    const windows = new RunWindows(fetch);
    windows.ensure("", 0, 30);
    // A fast scroll: every page on the way is wanted for a moment.
    for (let page = 1; page <= 60; page++) windows.ensure("", page * PAGE, page * PAGE + 30);
    assert.deepEqual(
      asked.map((a) => a.offset / PAGE),
      [0, 1],
      "two in flight; the rest wait",
    );
    asked[0]?.resolve();
    asked[1]?.resolve();
    await settle();
    // Only the page in view now was left waiting.
    assert.deepEqual(
      asked.map((a) => a.offset / PAGE),
      [0, 1, 60],
    );
    asked[2]?.resolve();
    await settle();
    assert.equal(windows.get("", 60 * PAGE + 5)?.name, `r${60 * PAGE + 5}`);
    assert.equal(windows.find("r5")?.name, "r5");
    assert.equal(windows.get("", 30 * PAGE), undefined, "never fetched");
  });
});
