import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkFile, importsOf } from "./check-deps.ts";

describe("dependency direction check", () => {
  it("finds static, side-effect, re-export and dynamic imports", () => {
    const source = `import a from "x";\nimport type { B } from './b.ts';\nexport { c } from "c";\nimport "side";\nconst d = await import("dyn");`;
    assert.deepEqual(importsOf(source), ["x", "./b.ts", "c", "side", "dyn"]);
  });

  it("refuses node: builtins and our packages in core", () => {
    const found = checkFile(
      "packages/core/src/x.ts",
      `import { readFileSync } from "node:fs";\nimport { y } from "@ballast/server";`,
    );
    assert.deepEqual(
      found.map((v) => v.specifier),
      ["node:fs", "@ballast/server"],
    );
  });

  it("refuses domain importing the W&B boundary or HTTP", () => {
    const found = checkFile(
      "apps/server/src/domain/runs/a.ts",
      `import { x } from "../../wandb/ids.ts";\nimport { y } from "../../http/auth.ts";\nimport { z } from "../paths.ts";`,
    );
    assert.deepEqual(
      found.map((v) => v.rule),
      ["domain/ never imports wandb/, api/ or http/", "domain/ never imports wandb/, api/ or http/"],
    );
  });

  it("keeps the web UI away from the server and Node", () => {
    const found = checkFile(
      "apps/web/src/pages/a.tsx",
      `import { x } from "../../../server/src/app.ts";\nimport { y } from "@ballast/server";\nimport { z } from "node:fs";\nimport { useState } from "react";\nimport { App } from "../app.tsx";\nimport "../styles.css";`,
    );
    assert.deepEqual(
      found.map((v) => v.specifier),
      ["../../../server/src/app.ts", "@ballast/server", "node:fs"],
    );
  });

  it("keeps stores as leaves and relative imports inside their package", () => {
    assert.equal(
      checkFile("apps/server/src/stores/sqlite/a.ts", `import { x } from "../../domain/services.ts";`).length,
      1,
    );
    assert.equal(checkFile("apps/cli/src/a.ts", `import { x } from "../../server/src/main.ts";`).length, 1);
    assert.equal(checkFile("apps/cli/src/a.ts", `import { startServer } from "@ballast/server";`).length, 0);
  });

  it("lets only the LDAP directory client import the LDAP library", () => {
    const source = `import { Client } from "ldapts";\nimport { x } from "../services.ts";`;
    assert.equal(checkFile("apps/server/src/domain/auth/ldap-directory.ts", source).length, 0);
    assert.equal(checkFile("apps/server/src/domain/auth/ldap-sign-in.ts", source).length, 1);
  });
});
