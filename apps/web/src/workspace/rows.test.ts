import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cellText, columnOf, formatDuration, nextOrder, sortDirection } from "./columns.ts";
import { layoutRows } from "./rows.ts";

describe("virtual rows", () => {
  it("maps rows to runs without grouping", () => {
    const layout = layoutRows(null, 10_000, new Set());
    assert.equal(layout.count, 10_000);
    assert.deepEqual(layout.at(9_999), { kind: "run", group: null, index: 9_999 });
    assert.equal(layout.at(10_000), undefined);
  });

  it("puts each group's header before its runs, only expanded groups' runs", () => {
    const groups = [
      { key: "1", value: 1, count: 3 },
      { key: "2", value: 2, count: 5 },
      { key: "3", value: 3, count: 2 },
    ];
    const layout = layoutRows(groups, 10, new Set(["2"]));
    assert.equal(layout.count, 3 + 5);
    assert.deepEqual(layout.at(0), { kind: "group", group: groups[0], expanded: false });
    assert.deepEqual(layout.at(1), { kind: "group", group: groups[1], expanded: true });
    assert.deepEqual(layout.at(2), { kind: "run", group: groups[1], index: 0 });
    assert.deepEqual(layout.at(6), { kind: "run", group: groups[1], index: 4 });
    assert.deepEqual(layout.at(7), { kind: "group", group: groups[2], expanded: false });
  });
});

describe("columns", () => {
  it("cycles a header's sort: ascending, descending, back to the default", () => {
    const loss = columnOf("summary.loss");
    assert.equal(nextOrder("-created_at", loss, "-created_at"), "+summary.loss");
    assert.equal(nextOrder("+summary.loss", loss, "-created_at"), "-summary.loss");
    assert.equal(nextOrder("-summary.loss", loss, "-created_at"), "-created_at");
    assert.equal(sortDirection("-summary.loss", loss), "descending");
    assert.equal(nextOrder("-created_at", columnOf("tags"), "-created_at"), "-created_at");
    assert.equal(columnOf("runtime").sort, "duration");
  });

  it("formats cells as text", () => {
    assert.equal(cellText(0.123456), "0.1235");
    assert.equal(cellText(32), "32");
    assert.equal(cellText(1e-5), "1.000e-5");
    assert.equal(cellText(null), "");
    assert.equal(cellText("Infinity"), "Infinity");
    assert.equal(formatDuration(3725), "1h 2m");
  });
});
