import assert from "node:assert/strict";
import { test } from "node:test";
import { plural, relativeTime } from "./format.ts";

test("relativeTime reads like a person would say it", () => {
  const now = Date.UTC(2025, 0, 31, 12);
  assert.equal(relativeTime(now - 10_000, now), "just now");
  assert.equal(relativeTime(now - 60_000, now), "1 minute ago");
  assert.equal(relativeTime(now - 5 * 60_000, now), "5 minutes ago");
  assert.equal(relativeTime(now - 3 * 3_600_000, now), "3 hours ago");
  assert.equal(relativeTime(new Date(now - 2 * 86_400_000).toISOString(), now), "2 days ago");
  assert.match(relativeTime(now - 90 * 86_400_000, now), /2024/);
  assert.equal(relativeTime("not a date", now), "—");
});

test("plural", () => {
  assert.equal(plural(1, "run"), "1 run");
  assert.equal(plural(0, "run"), "0 runs");
  assert.equal(plural(12_345, "run"), "12,345 runs");
});
