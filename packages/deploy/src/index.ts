/**
 * What the operator and the server's management console share about a deployment: the
 * `WeightsAndBiases` resource, the specs in its state Secrets, the layered merge of values, secret
 * masking, and a small Kubernetes client. Runs on Node (no browser code imports it).
 */

export { CRD_FILE, crdYaml } from "./api/crd-yaml.ts";
export * from "./api/weightsandbiases.ts";
export * from "./kube/kube-client.ts";
export { type KubeConfig, loadKubeConfig } from "./kube/kube-config.ts";
export * from "./spec/chart-source.ts";
export * from "./spec/desired.ts";
export * from "./spec/mask.ts";
export * from "./spec/spec.ts";
export * from "./spec/values.ts";
