import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { AppError, ERROR_CODES, type ErrorCode } from "./errors.ts";

/** Statuses the W&B client treats as final (never retried): a transient fault must not use them. */
const FINAL_STATUSES = new Set([400, 401, 403, 404, 409, 410, 413, 422]);

describe("the error catalogue", () => {
  const doc = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");

  it("documents every code with its HTTP status in docs/errors.md", () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      const row = doc.split("\n").find((line) => new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`).test(line));
      assert.ok(row, `docs/errors.md has no row for ${code}`);
      assert.match(row, new RegExp(`^\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`));
    }
  });

  it("documents no code that does not exist", () => {
    const documented = [...doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|/gm)].map((m) => m[1]);
    assert.deepEqual(documented.sort(), Object.keys(ERROR_CODES).sort());
  });

  it("never gives a transient fault a status the client gives up on", () => {
    for (const [code, { status, transient }] of Object.entries(ERROR_CODES)) {
      if (transient) assert.ok(!FINAL_STATUSES.has(status), `${code} is transient but answers ${status}`);
      if (transient) assert.ok(status === 429 || status >= 500, `${code} must be 429 or 5xx`);
    }
  });

  it("carries code, status and transience on AppError", () => {
    const error = new AppError("UNAVAILABLE" satisfies ErrorCode, "db down");
    assert.equal(error.status, 503);
    assert.equal(error.transient, true);
    assert.equal(new AppError("RUN_NOT_FOUND", "x").transient, false);
  });
});
