import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inertContentType } from "./storage.handler.ts";

describe("inertContentType", () => {
  it("types raster images by extension and everything else as an opaque download", () => {
    assert.equal(inertContentType("runs/1/files/media/images/a_1_x.png"), "image/png");
    assert.equal(inertContentType("runs/1/files/photo.JPEG"), "image/jpeg");
    for (const key of [
      "runs/1/files/media/html/p.html",
      "runs/1/files/logo.svg",
      "runs/1/files/page.htm",
      "runs/1/files/x.xml",
      "artifacts/1/objects/ab/abcdef",
      "runs/1/files/a.png.html",
    ]) {
      assert.equal(inertContentType(key), "application/octet-stream", key);
    }
  });
});
