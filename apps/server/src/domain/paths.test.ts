import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@ballast/core";
import { checkRelativePath } from "./paths.ts";

function assertRefused(path: unknown): void {
  assert.throws(
    () => checkRelativePath(path),
    (error: unknown) => error instanceof AppError && error.code === "INVALID_PATH",
    `expected ${JSON.stringify(path)} to be refused with INVALID_PATH`,
  );
}

/** `text` percent-encoded `layers` times (each layer encodes every character, as an attacker would). */
function encodeLayers(text: string, layers: number): string {
  let out = [...text].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
  for (let i = 1; i < layers; i++) out = out.replaceAll("%", "%25");
  return out;
}

describe("checkRelativePath accepts plain relative paths", () => {
  for (const path of [
    "a.txt",
    "media/images/x_1.png",
    "a b/c",
    "%zz",
    "100%",
    "wandb-summary.json",
    "..a/b..",
    "a/.hidden",
    "名前/ファイル.txt",
    "x".repeat(1024),
  ]) {
    it(`accepts ${JSON.stringify(path.length > 40 ? `${path.slice(0, 10)}…(${path.length})` : path)} unchanged`, () => {
      assert.equal(checkRelativePath(path), path);
    });
  }
});

describe("checkRelativePath refuses unsafe paths with INVALID_PATH", () => {
  for (const path of [
    "..",
    ".",
    "../x",
    "a/../b",
    "a/..",
    "/abs",
    "C:/x",
    "c:x",
    "a\\b",
    "a\u0000b",
    "a\nb",
    "a\u007fb",
    "a//b",
    "a/",
    "./a",
    "%2e%2e/x",
    "%2E%2E/x",
    "%252e%252e%252fx",
    "..%2fx",
    "%2fabs",
    "a%5cb",
    "a%00b",
    "a%2500b",
    "",
    "x".repeat(1025),
  ]) {
    it(`refuses ${JSON.stringify(path.length > 40 ? `${path.slice(0, 10)}…(${path.length})` : path)}`, () => {
      assertRefused(path);
    });
  }

  it("refuses values that are not strings", () => {
    assertRefused(undefined);
    assertRefused(null);
    assertRefused(42);
    assertRefused(["a.txt"]);
  });

  it("names the path and the caller's noun in the message", () => {
    assert.throws(
      () => checkRelativePath("../x", "artifact entry path"),
      (error: unknown) =>
        error instanceof AppError &&
        error.message.includes("artifact entry path") &&
        error.message.includes('"../x"'),
    );
  });

  // The doc comment promises refusal of traversal "hidden behind one or more layers of
  // percent-encoding". Each layer below is checked independently.
  for (const layers of [1, 2, 3, 4, 5]) {
    it(`refuses "../x" hidden behind ${layers} layer(s) of percent-encoding`, () => {
      const path = `${encodeLayers("..", layers)}/x`;
      assertRefused(path);
    });
  }

  it("refuses an encoded traversal even when another segment holds an undecodable '%'", () => {
    // decodeURIComponent throws on "%zz" for the whole string, so the encoded ".." next to it is
    // never decoded and checked; a per-segment (or lenient) decoder downstream would see "..".
    assertRefused("%2e%2e/%zz");
  });
});
