/**
 * How the operator (and the server's console) reach the Kubernetes API: the pod's service account
 * when running in a cluster, else the file named by KUBECONFIG (its current context), as kubectl
 * and helm do.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";

export interface KubeConfig {
  /** https://host:port, no trailing slash. */
  readonly server: string;
  readonly ca?: Buffer;
  readonly insecureSkipTlsVerify?: boolean;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** A fixed bearer token, or a file re-read as the kubelet rotates it. */
  readonly token?: string;
  readonly tokenFile?: string;
  /** The namespace of the pod (in cluster) or of the current context. */
  readonly namespace: string;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export function loadKubeConfig(env: Readonly<Record<string, string | undefined>>): KubeConfig {
  if (env.KUBECONFIG) return fromKubeconfigFile(env.KUBECONFIG.split(":")[0] ?? env.KUBECONFIG);
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (host) {
    const readOr = (file: string, fallback: string): string => {
      try {
        return readFileSync(`${SERVICE_ACCOUNT_DIR}/${file}`, "utf8").trim();
      } catch {
        return fallback;
      }
    };
    return {
      server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
      ca: readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`),
      tokenFile: `${SERVICE_ACCOUNT_DIR}/token`,
      namespace: readOr("namespace", "default"),
    };
  }
  throw new Error(
    "no Kubernetes API to talk to: not running in a pod (KUBERNETES_SERVICE_HOST unset) and KUBECONFIG is not set",
  );
}

interface NamedEntry<T> {
  name?: string;
  cluster?: T;
  user?: T;
  context?: T;
}
type Entry = Record<string, unknown>;

function fromKubeconfigFile(file: string): KubeConfig {
  const doc = parse(readFileSync(file, "utf8")) as Entry;
  const base = dirname(resolve(file));
  const find = (list: unknown, name: unknown, field: "cluster" | "user" | "context"): Entry => {
    const entries = (Array.isArray(list) ? list : []) as NamedEntry<Entry>[];
    const found = entries.find((e) => e.name === name)?.[field];
    if (!found) throw new Error(`${file}: no ${field} named "${String(name)}"`);
    return found;
  };
  const context = find(doc.contexts, doc["current-context"], "context");
  const cluster = find(doc.clusters, context.cluster, "cluster");
  const user = find(doc.users, context.user, "user");
  const bytes = (data: unknown, path: unknown): Buffer | undefined => {
    if (typeof data === "string") return Buffer.from(data, "base64");
    if (typeof path === "string") return readFileSync(resolve(base, path));
    return undefined;
  };
  const ca = bytes(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  const cert = bytes(user["client-certificate-data"], user["client-certificate"]);
  const key = bytes(user["client-key-data"], user["client-key"]);
  const server = String(cluster.server ?? "").replace(/\/+$/, "");
  if (!server) throw new Error(`${file}: the current context's cluster has no server`);
  return {
    server,
    ...(ca ? { ca } : {}),
    ...(cluster["insecure-skip-tls-verify"] === true ? { insecureSkipTlsVerify: true } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(typeof user.token === "string" ? { token: user.token } : {}),
    ...(typeof user.tokenFile === "string" ? { tokenFile: resolve(base, user.tokenFile) } : {}),
    namespace: typeof context.namespace === "string" ? context.namespace : "default",
  };
}
