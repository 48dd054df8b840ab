/**
 * Writes charts/ballast-operator/crds/weightsandbiases.yaml from the operator's TypeScript types
 * (packages/deploy/src/api/weightsandbiases.ts). A unit test fails when the committed file drifts.
 * Usage: node scripts/gen-crd.ts
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CRD_FILE, crdYaml } from "../packages/deploy/src/api/crd-yaml.ts";

writeFileSync(join(import.meta.dirname, "..", CRD_FILE), crdYaml());
console.log(`wrote ${CRD_FILE}`);
