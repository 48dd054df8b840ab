/**
 * The operator under test: `ballast operator` and `ballast channel serve` as real processes,
 * against a cluster from kube.ts, with helm from scripts/setup-kube.sh. A release channel directory
 * holds the app chart packaged by helm (a Helm repository) and the releases the test publishes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import type { KubeClient, KubeObject } from "../../packages/deploy/src/kube/kube-client.ts";
import { APP_CHART, HELM_ENV, helm } from "./helm.ts";
import { eventually, HELM_BIN } from "./kube.ts";
import { freePort } from "./ports.ts";
import { collectOutput, stopProcess } from "./processes.ts";
import { CLI_MAIN, REPO_ROOT } from "./server.ts";

export interface Logged {
  readonly proc: ChildProcess;
  output(): string;
}

export function startCli(args: string[], env: Record<string, string>): Logged {
  const proc = spawn(process.execPath, [CLI_MAIN, ...args], {
    env: { ...HELM_ENV, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { proc, output: collectOutput(proc) };
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  await eventually(`${url} to answer`, async () => ((await fetch(url)).ok ? true : undefined), timeoutMs);
}

export interface ChannelDir {
  readonly dir: string;
  /** Packages charts/ballast as VERSION into the repository and re-indexes it. */
  packageChart(version: string): Promise<void>;
  publish(release: { id: string; createdAt: string; chart: unknown; values: unknown }): void;
}

export function channelDir(repoUrl: () => string): ChannelDir {
  const dir = mkdtempSync(join(tmpdir(), "ballast-channel-"));
  mkdirSync(join(dir, "releases"));
  mkdirSync(join(dir, "charts"));
  return {
    dir,
    async packageChart(version: string) {
      const pkg = await helm([
        "package",
        APP_CHART,
        "--version",
        version,
        "--destination",
        join(dir, "charts"),
      ]);
      if (pkg.code !== 0) throw new Error(pkg.stderr);
      const index = await helm(["repo", "index", join(dir, "charts"), "--url", `${repoUrl()}/charts`]);
      if (index.code !== 0) throw new Error(index.stderr);
    },
    publish(release) {
      writeFileSync(
        join(dir, "releases", `${release.id}.json`),
        JSON.stringify({
          metadata: {
            releaseId: release.id,
            releaseName: release.id,
            releaseCreatedAt: release.createdAt,
            channelName: "Stable",
          },
          chart: release.chart,
          values: release.values,
        }),
      );
    },
  };
}

export async function startChannel(
  dir: string,
): Promise<{ url: string; server: Logged; stop(): Promise<void> }> {
  const port = await freePort();
  const server = startCli(
    ["channel", "serve", "--dir", dir, "--port", String(port), "--host", "127.0.0.1"],
    {},
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`);
  return { url, server, stop: () => stopProcess(server.proc) };
}

export async function startOperator(options: {
  kubeconfig: string;
  channelUrl?: string;
  namespace: string;
  extraArgs?: string[];
}): Promise<{ logs: Logged; health: string; metrics: string; stop(): Promise<void> }> {
  const [healthPort, metricsPort] = [await freePort(), await freePort()];
  const helmHome = mkdtempSync(join(tmpdir(), "ballast-operator-helm-"));
  const logs = startCli(
    [
      "operator",
      ...(options.channelUrl ? ["--deployer-channel-url", options.channelUrl] : ["--airgapped"]),
      "--leader-elect",
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      "--reconcile-frequency=10s",
      ...(options.extraArgs ?? []),
    ],
    {
      KUBECONFIG: options.kubeconfig,
      OPERATOR_NAMESPACE: options.namespace,
      HELM_BIN,
      HOME: helmHome,
      HELM_CACHE_HOME: join(helmHome, "cache"),
      HELM_CONFIG_HOME: join(helmHome, "config"),
      HELM_DATA_HOME: join(helmHome, "data"),
    },
  );
  const health = `http://127.0.0.1:${healthPort}`;
  await waitForHttp(`${health}/healthz`);
  return {
    logs,
    health,
    metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    stop: () => stopProcess(logs.proc),
  };
}

/** Applies the CRD from charts/ballast-operator and waits until the API serves it. */
export async function installCrd(kube: KubeClient): Promise<void> {
  const crd = parse(
    readFileSync(join(REPO_ROOT, "charts", "ballast-operator", "crds", "weightsandbiases.yaml"), "utf8"),
  ) as KubeObject;
  const type = {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    namespaced: false,
  };
  await kube.create(type, "", crd);
  await eventually("the CRD to be established", async () => {
    const got = await kube.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(
      type,
      "",
      crd.metadata.name ?? "",
    );
    return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
      ? true
      : undefined;
  });
}

/** go-containerregistry's registry (scripts/setup-kube.sh) with the app chart pushed as VERSION. */
export async function startOciRegistry(
  chartDir: string,
  version: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const proc = spawn(join(REPO_ROOT, ".cache", "tools", "bin", "registry"), ["-port", String(port)], {
    stdio: "ignore",
  });
  const host = `127.0.0.1:${port}`;
  await eventually("the OCI registry", async () =>
    (await fetch(`http://${host}/v2/`).catch(() => undefined))?.ok ? true : undefined,
  );
  const pushed = await helm([
    "push",
    join(chartDir, `ballast-${version}.tgz`),
    `oci://${host}/charts`,
    "--plain-http",
  ]);
  if (pushed.code !== 0) throw new Error(pushed.stderr);
  return { url: `oci://${host}/charts/ballast`, stop: () => stopProcess(proc) };
}
