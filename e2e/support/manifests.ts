/** Looking into rendered manifests: finding objects, resolving a container's environment, validating on a real API server. */
import type { KubeClient, KubeObject, ResourceType } from "../../packages/deploy/src/kube/kube-client.ts";

const TYPES: Record<string, ResourceType> = {
  "v1/ConfigMap": { group: "", version: "v1", plural: "configmaps", namespaced: true },
  "v1/Secret": { group: "", version: "v1", plural: "secrets", namespaced: true },
  "v1/Service": { group: "", version: "v1", plural: "services", namespaced: true },
  "v1/ServiceAccount": { group: "", version: "v1", plural: "serviceaccounts", namespaced: true },
  "v1/PersistentVolumeClaim": {
    group: "",
    version: "v1",
    plural: "persistentvolumeclaims",
    namespaced: true,
  },
  "apps/v1/Deployment": { group: "apps", version: "v1", plural: "deployments", namespaced: true },
  "apps/v1/StatefulSet": { group: "apps", version: "v1", plural: "statefulsets", namespaced: true },
  "networking.k8s.io/v1/Ingress": {
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    namespaced: true,
  },
  "autoscaling/v2/HorizontalPodAutoscaler": {
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
    namespaced: true,
  },
  "policy/v1/PodDisruptionBudget": {
    group: "policy",
    version: "v1",
    plural: "poddisruptionbudgets",
    namespaced: true,
  },
  "rbac.authorization.k8s.io/v1/Role": {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "roles",
    namespaced: true,
  },
  "rbac.authorization.k8s.io/v1/RoleBinding": {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "rolebindings",
    namespaced: true,
  },
  "rbac.authorization.k8s.io/v1/ClusterRole": {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterroles",
    namespaced: false,
  },
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterrolebindings",
    namespaced: false,
  },
  "apiextensions.k8s.io/v1/CustomResourceDefinition": {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    namespaced: false,
  },
  "apps.wandb.com/v1/WeightsAndBiases": {
    group: "apps.wandb.com",
    version: "v1",
    plural: "weightsandbiases",
    namespaced: true,
  },
};

export function typeOf(object: KubeObject): ResourceType {
  const type = TYPES[`${object.apiVersion}/${object.kind}`];
  if (!type) throw new Error(`no resource type known for ${object.apiVersion} ${object.kind}`);
  return type;
}

export function find<T = Record<string, unknown>>(
  objects: readonly KubeObject[],
  kind: string,
  name: string,
): KubeObject & T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`,
    );
  return found as KubeObject & T;
}

export function kinds(objects: readonly KubeObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: unknown };
}

interface Container {
  name: string;
  env?: EnvVar[];
  image: string;
  args?: string[];
  [key: string]: unknown;
}

export function podSpec(deployment: KubeObject): {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  volumes?: { name: string; [key: string]: unknown }[];
  serviceAccountName?: string;
} {
  return (deployment.spec as { template: { spec: ReturnType<typeof podSpec> } }).template.spec;
}

export function container(deployment: KubeObject, name?: string): Container {
  const containers = podSpec(deployment).containers;
  const found = name ? containers.find((c) => c.name === name) : containers[0];
  if (!found) throw new Error(`no container ${name ?? "(first)"} in ${deployment.metadata.name}`);
  return found;
}

/** The env entries as written: name → value, or `secret:<name>/<key>` for a secretKeyRef. */
export function envAsWritten(c: Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    out[e.name] = ref ? `secret:${ref.name}/${ref.key}` : (e.value ?? "");
  }
  return out;
}

/**
 * The environment a container would see: Secret references resolved from the rendered Secrets
 * (external ones become `<external name/key>`), and `$(VAR)` expanded as the kubelet does.
 */
export function resolvedEnv(c: Container, objects: readonly KubeObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === ref.name) as
        | (KubeObject & { stringData?: Record<string, string>; data?: Record<string, string> })
        | undefined;
      const value =
        secret?.stringData?.[ref.key] ??
        (secret?.data?.[ref.key] ? Buffer.from(secret.data[ref.key] ?? "", "base64").toString() : undefined);
      env[e.name] = value ?? `<external ${ref.name}/${ref.key}>`;
    } else if (e.value !== undefined) {
      env[e.name] = e.value.replace(
        /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
        (all, name: string) => env[name] ?? all,
      );
    }
  }
  return env;
}

/**
 * Sends every object to the API server as a dry-run create with strict field validation: the
 * server checks each against its own schema (unknown fields, types, required fields, names)
 * without storing anything. Cluster-scoped objects and CRDs are created for real when asked.
 */
export async function validateOnServer(
  kube: KubeClient,
  objects: readonly KubeObject[],
  namespace: string,
): Promise<void> {
  const problems: string[] = [];
  for (const object of objects) {
    try {
      await kube.create(typeOf(object), object.metadata.namespace ?? namespace, object, true);
    } catch (error) {
      problems.push(
        `${object.kind}/${object.metadata.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`the API server refused:\n${problems.join("\n")}`);
}
