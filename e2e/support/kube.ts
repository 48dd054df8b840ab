/**
 * A real Kubernetes control plane for the operator, chart and console tests: etcd (etcd's own
 * server, scripts/kube-etcd) and kube-apiserver, both built by scripts/setup-kube.sh into
 * .cache/tools/bin, started per test file on free loopback ports with fresh data. There is no
 * kubelet, scheduler or controller-manager: the tests assert objects and values, never pods.
 * Clients authenticate with static tokens; RBAC is on, so a token for a service account's user name
 * gets exactly what the chart's Roles give that service account.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeClient } from "../../packages/deploy/src/kube/kube-client.ts";
import { freePort } from "./ports.ts";
import { stopProcess } from "./processes.ts";
import { REPO_ROOT } from "./server.ts";

const BIN = join(REPO_ROOT, ".cache", "tools", "bin");
export const HELM_BIN = join(BIN, "helm");

export interface KubeCluster {
  readonly server: string;
  /** A kubeconfig for the cluster admin (system:masters), for helm and the operator. */
  readonly kubeconfig: string;
  readonly admin: KubeClient;
  /** A kubeconfig whose user is `system:serviceaccount:<namespace>:<name>` (RBAC applies). */
  serviceAccountKubeconfig(namespace: string, name: string): string;
  readonly dir: string;
  dispose(): Promise<void>;
}

/** Service accounts the tests may act as; each gets a static token (kube-apiserver reads them at start). */
export interface ClusterOptions {
  readonly serviceAccounts?: readonly { namespace: string; name: string }[];
}

function kubeconfigYaml(server: string, token: string, user: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: test",
    "    cluster:",
    `      server: ${server}`,
    "      insecure-skip-tls-verify: true",
    "users:",
    `  - name: ${user}`,
    "    user:",
    `      token: ${token}`,
    "contexts:",
    "  - name: test",
    "    context:",
    "      cluster: test",
    `      user: ${user}`,
    "      namespace: default",
    "current-context: test",
    "",
  ].join("\n");
}

export async function startKubeCluster(options: ClusterOptions = {}): Promise<KubeCluster> {
  for (const tool of ["kube-apiserver", "kube-etcd", "helm"]) {
    if (!existsSync(join(BIN, tool)))
      throw new Error(`${tool} is not installed in ${BIN}; run: bash scripts/setup-kube.sh`);
  }
  const dir = await mkdtemp(join(tmpdir(), "ballast-kube-"));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(16).toString("hex");
  const tokens = [`${adminToken},admin,admin,system:masters`];
  const saTokens = new Map<string, string>();
  for (const sa of options.serviceAccounts ?? []) {
    const token = randomBytes(16).toString("hex");
    const user = `system:serviceaccount:${sa.namespace}:${sa.name}`;
    saTokens.set(`${sa.namespace}/${sa.name}`, token);
    tokens.push(
      `${token},${user},${user},"system:serviceaccounts,system:serviceaccounts:${sa.namespace},system:authenticated"`,
    );
  }
  await writeFile(join(dir, "tokens.csv"), `${tokens.join("\n")}\n`, { mode: 0o600 });
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
  await writeFile(join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });

  const procs: ChildProcess[] = [];
  let output = "";
  const launch = (bin: string, args: string[]): ChildProcess => {
    const proc = spawn(join(BIN, bin), args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
    });
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    procs.push(proc);
    return proc;
  };
  const dispose = async (): Promise<void> => {
    for (const proc of procs.reverse()) await stopProcess(proc, 5000);
    await rm(dir, { recursive: true, force: true });
  };

  launch("kube-etcd", [
    "--data-dir",
    join(dir, "etcd"),
    "--listen-client-url",
    `http://127.0.0.1:${etcdPort}`,
    "--listen-peer-url",
    `http://127.0.0.1:${peerPort}`,
  ]);
  launch("kube-apiserver", [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(dir, "certs")}`,
    `--token-auth-file=${join(dir, "tokens.csv")}`,
    "--authorization-mode=RBAC",
    `--service-account-issuer=https://kubernetes.default.svc`,
    `--service-account-key-file=${join(dir, "sa.pub")}`,
    `--service-account-signing-key-file=${join(dir, "sa.key")}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--enable-priority-and-fairness=false",
    // The "kubernetes" Service endpoints would point at this loopback address, which is refused.
    "--endpoint-reconciler-type=none",
    // Nothing runs pods here; admission of pods' service accounts would wait for a token controller.
    "--disable-admission-plugins=ServiceAccount",
    "--v=0",
  ]);

  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, "admin.kubeconfig");
  await writeFile(kubeconfig, kubeconfigYaml(server, adminToken, "admin"), { mode: 0o600 });
  const admin = new KubeClient({
    server,
    token: adminToken,
    insecureSkipTlsVerify: true,
    namespace: "default",
  });

  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      await admin.request("GET", "/readyz");
      // The default namespace is created by the API server shortly after it is ready.
      await admin.request("GET", "/api/v1/namespaces/default");
      break;
    } catch (error) {
      if (procs.some((p) => p.exitCode !== null) || Date.now() > deadline) {
        await dispose();
        throw new Error(`the Kubernetes API server did not start: ${String(error)}\n${output.slice(-3000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const written = new Map<string, string>();
  return {
    server,
    kubeconfig,
    admin,
    dir,
    serviceAccountKubeconfig(namespace: string, name: string): string {
      const token = saTokens.get(`${namespace}/${name}`);
      if (!token)
        throw new Error(
          `no token for service account ${namespace}/${name}; list it in startKubeCluster's options`,
        );
      const file = join(dir, `sa-${namespace}-${name}.kubeconfig`);
      if (!written.has(file)) {
        written.set(file, token);
        writeFileSync(file, kubeconfigYaml(server, token, `${namespace}-${name}`), { mode: 0o600 });
      }
      return file;
    },
    async dispose() {
      admin.close();
      await dispose();
    },
  };
}

/** Creates a namespace if it does not exist. */
export async function ensureNamespace(kube: KubeClient, name: string): Promise<void> {
  try {
    await kube.request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name },
    });
  } catch (error) {
    if (!(error instanceof Error && "status" in error && (error as { status: number }).status === 409))
      throw error;
  }
}

/** Polls `check` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
