import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { CRD_FILE, crdYaml } from "./crd-yaml.ts";

describe("the CRD in charts/ballast-operator", () => {
  const committed = readFileSync(new URL(`../../../../${CRD_FILE}`, import.meta.url), "utf8");

  it("is what the TypeScript types generate (run node scripts/gen-crd.ts after changing them)", () => {
    assert.equal(committed, crdYaml());
  });

  it("keeps W&B's names: weightsandbiases.apps.wandb.com, v1, kind WeightsAndBiases, short name wandb, status subresource", () => {
    const crd = parse(committed);
    assert.equal(crd.metadata.name, "weightsandbiases.apps.wandb.com");
    assert.equal(crd.spec.names.kind, "WeightsAndBiases");
    assert.deepEqual(crd.spec.names.shortNames, ["wandb"]);
    assert.equal(crd.spec.versions[0].name, "v1");
    assert.deepEqual(crd.spec.versions[0].subresources, { status: {} });
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    assert.equal(spec.values["x-kubernetes-preserve-unknown-fields"], true);
    assert.equal(spec.chart["x-kubernetes-preserve-unknown-fields"], true);
  });
});
