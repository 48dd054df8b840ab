import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { safeNext } from "./oidc.handler.ts";

describe("OIDC sign-in: where the browser goes afterwards (safeNext)", () => {
  it("keeps paths of this server, with their query and fragment", () => {
    assert.equal(safeNext("/team/project?tab=runs#top"), "/team/project?tab=runs#top");
    assert.equal(safeNext("/a/../b"), "/b");
  });

  it("never leaves the site (no open redirect)", () => {
    for (const next of [
      null,
      undefined,
      "",
      "https://evil.example/",
      "//evil.example/",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "javascript:alert(1)",
      "evil.example",
      "/oidc/login?next=//evil.example",
      "/oidc/callback",
    ]) {
      assert.equal(safeNext(next), "/", String(next));
    }
  });
});
