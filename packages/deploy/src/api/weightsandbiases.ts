/**
 * The `WeightsAndBiases` resource (`apps.wandb.com/v1`), as W&B's operator defines it
 * (reference/deployment-spec.md §1.1), with the status Ballast writes: the phase W&B reports plus
 * conditions and observedGeneration. The OpenAPI schema below is the single source: the TypeScript
 * types are derived from it, and `scripts/gen-crd.ts` writes the CRD YAML of
 * charts/ballast-operator from it (a unit test fails when the committed YAML drifts).
 */
import type { ResourceType } from "../kube/kube-client.ts";

export const GROUP = "apps.wandb.com";
export const VERSION = "v1";
export const KIND = "WeightsAndBiases";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const FINALIZER = "finalizer.app.wandb.com";

export const WEIGHTS_AND_BIASES: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: "weightsandbiases",
  namespaced: true,
};

const condition = {
  type: "object",
  required: ["type", "status", "lastTransitionTime", "reason", "message"],
  properties: {
    type: { type: "string", description: "Ready or Reconciled." },
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    observedGeneration: { type: "integer", format: "int64", minimum: 0 },
    lastTransitionTime: { type: "string", format: "date-time" },
    reason: { type: "string", description: "CamelCase reason, e.g. Applied, ApplyFailed, InvalidSpec." },
    message: { type: "string", description: "What happened, with every credential masked." },
  },
} as const;

/** OpenAPI v3 schema of the resource (spec and status). */
export const SCHEMA = {
  type: "object",
  description: "A W&B-compatible Ballast deployment, installed by the operator with Helm.",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: {
      type: "object",
      description:
        "The deployment's desired state; merged over the console's user input and the release channel.",
      properties: {
        chart: {
          type: "object",
          description:
            "The app chart: {path} (directory or .tgz in the operator's pod), {url: oci://…, version} or {url, name, version} of a Helm repository, with optional username/password or credentialSecret {name, usernameKey, passwordKey}.",
          "x-kubernetes-preserve-unknown-fields": true,
        },
        values: {
          type: "object",
          description: "Helm values for the app chart (charts/ballast).",
          "x-kubernetes-preserve-unknown-fields": true,
        },
      },
    },
    status: {
      type: "object",
      properties: {
        phase: {
          type: "string",
          description: "Loading while Helm runs, Completed when applied, Invalid Config when it cannot be.",
        },
        version: { type: "string", description: "The chart version last applied." },
        observedGeneration: { type: "integer", format: "int64", minimum: 0 },
        message: {
          type: "string",
          description: "Why the last reconcile did what it did (credentials masked).",
        },
        lastAppliedTime: { type: "string", format: "date-time" },
        conditions: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["type"],
          items: condition,
        },
      },
    },
  },
} as const;

/** The printer columns `kubectl get wandb` shows. */
export const PRINTER_COLUMNS = [
  { name: "Phase", type: "string", jsonPath: ".status.phase" },
  { name: "Version", type: "string", jsonPath: ".status.version" },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
] as const;

// The TypeScript types, derived from SCHEMA so the two cannot disagree.
type Schema =
  | { readonly type: "string"; readonly enum?: readonly string[] }
  | { readonly type: "integer" | "number" }
  | { readonly type: "boolean" }
  | { readonly type: "array"; readonly items: Schema }
  | {
      readonly type: "object";
      readonly properties?: Readonly<Record<string, Schema>>;
      readonly required?: readonly string[];
    };

type FromSchema<S> = S extends { readonly "x-kubernetes-preserve-unknown-fields": true }
  ? Record<string, unknown>
  : S extends { readonly type: "string"; readonly enum: readonly (infer E)[] }
    ? E
    : S extends { readonly type: "string" }
      ? string
      : S extends { readonly type: "integer" | "number" }
        ? number
        : S extends { readonly type: "boolean" }
          ? boolean
          : S extends { readonly type: "array"; readonly items: infer I }
            ? FromSchema<I>[]
            : S extends { readonly type: "object"; readonly properties: infer P }
              ? Fields<P, S extends { readonly required: readonly (infer R)[] } ? R : never>
              : S extends { readonly type: "object" }
                ? Record<string, unknown>
                : never;

type Fields<P, R> = { -readonly [K in keyof P as K extends R ? K : never]: FromSchema<P[K]> } & {
  -readonly [K in keyof P as K extends R ? never : K]?: FromSchema<P[K]>;
};

type Resource = FromSchema<typeof SCHEMA>;
export type WeightsAndBiasesSpec = NonNullable<Resource["spec"]>;
export type WeightsAndBiasesStatus = NonNullable<Resource["status"]>;
export type Condition = FromSchema<typeof condition>;
export type Phase = "Loading" | "Completed" | "Invalid Config";

export interface WeightsAndBiases {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: import("../kube/kube-client.ts").ObjectMeta;
  spec?: WeightsAndBiasesSpec;
  status?: WeightsAndBiasesStatus;
}

// Keeps SCHEMA checked against the Schema shape above.
const checked: Schema = SCHEMA;
void checked;

/** The CustomResourceDefinition object for SCHEMA. */
export function customResourceDefinition(): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${WEIGHTS_AND_BIASES.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: WEIGHTS_AND_BIASES.plural,
        singular: "weightsandbiases",
        shortNames: ["wandb"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS,
          schema: { openAPIV3Schema: SCHEMA },
        },
      ],
    },
  };
}
