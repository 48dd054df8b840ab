import assert from "node:assert/strict";
import { test } from "node:test";
import { matchPath } from "./match-path.ts";

test("matchPath takes named segments, decoded, and a trailing rest segment", () => {
  assert.deepEqual(matchPath("/", "/"), {});
  assert.deepEqual(matchPath("/:entity/:project", "/ada/my%20project/"), {
    entity: "ada",
    project: "my project",
  });
  assert.equal(matchPath("/:entity/:project", "/ada"), null);
  assert.equal(matchPath("/:entity/:project", "/ada/p/runs"), null);
  assert.deepEqual(matchPath("/:e/:p/runs/:run/files/*path", "/a/b/runs/r1/files/media/images/x.png"), {
    e: "a",
    p: "b",
    run: "r1",
    path: "media/images/x.png",
  });
  assert.equal(matchPath("/settings/api-keys", "/settings/keys"), null);
});
