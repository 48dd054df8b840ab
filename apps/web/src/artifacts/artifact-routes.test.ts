import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collectionRoute, formatBytes, runRoute, storageHref, versionRoute } from "./artifact-routes.ts";

describe("artifact routes", () => {
  it("encodes every segment", () => {
    const p = { entity: "a b", project: "p/q", type: "data set", collection: "ds#1", version: "v0" };
    assert.equal(collectionRoute(p), "/a%20b/p%2Fq/artifacts/data%20set/ds%231");
    assert.equal(versionRoute(p), "/a%20b/p%2Fq/artifacts/data%20set/ds%231/v0");
    assert.equal(runRoute({ entity: "e", project: "p", name: "r?x" }), "/e/p/runs/r%3Fx");
  });

  it("formats sizes", () => {
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(999), "999 B");
    assert.equal(formatBytes(1500), "1.5 KB");
    assert.equal(formatBytes(123_456_789), "123 MB");
    assert.equal(formatBytes(null), "—");
  });

  it("makes Ballast's signed storage links same-origin paths, and leaves others alone", () => {
    assert.equal(
      storageHref("http://localhost:8080/storage/runs/1/files/a%20b.png?expires=9&signature=ab"),
      "/storage/runs/1/files/a%20b.png?expires=9&signature=ab",
    );
    assert.equal(
      storageHref("https://bucket.s3.amazonaws.com/k?X-Amz-Signature=1"),
      "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=1",
    );
    assert.equal(storageHref("http://h/storage/k"), "http://h/storage/k");
  });
});
