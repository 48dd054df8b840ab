/**
 * `ballast operator`: runs the controller for `WeightsAndBiases` resources. Flags follow W&B's
 * operator (reference/deployment-spec.md §1.2); each may also be given as an environment variable
 * named by upper-casing it (`--deployer-channel-url` → DEPLOYER_CHANNEL_URL), and a flag wins.
 */
import { createServer, type Server } from "node:http";
import type { Json } from "@ballast/deploy";
import { KubeClient, loadKubeConfig, maskJson, parseFrequency } from "@ballast/deploy";
import { Controller, ControllerMetrics } from "./controller/controller.ts";
import { Reconciler } from "./controller/reconciler.ts";
import { HelmCli } from "./helm/helm.ts";

export interface OperatorSettings {
  readonly channelUrl: string | undefined;
  readonly namespaces: readonly string[];
  readonly leaderElect: boolean;
  readonly healthAddress: { host: string; port: number };
  readonly metricsAddress: { host: string; port: number } | undefined;
  readonly operatorNamespace: string;
  readonly defaultFrequencyMs: number;
  readonly helmBin: string;
  /** The app chart for resources that name none and get none from a channel (`--default-chart`). */
  readonly defaultChart: string | undefined;
}

const FLAGS = [
  "deployer-channel-url",
  "airgapped",
  "isolation-namespaces",
  "leader-elect",
  "health-probe-bind-address",
  "metrics-bind-address",
  "reconcile-frequency",
  "default-chart",
  "debug",
] as const;

export class OperatorUsageError extends Error {}

function address(text: string, flag: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(text);
  if (!match) throw new OperatorUsageError(`--${flag} must be [host]:port (got "${text}")`);
  return { host: match[1] || "0.0.0.0", port: Number(match[2]) };
}

/** Parses flags (`--name=value`, `--name value`, bare `--bool`) over the environment. */
export function operatorSettings(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): OperatorSettings {
  const given = new Map<string, string>();
  for (const flag of FLAGS) {
    const fromEnv = env[flag.toUpperCase().replaceAll("-", "_")];
    if (fromEnv !== undefined) given.set(flag, fromEnv);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match || !FLAGS.includes(match[1] as (typeof FLAGS)[number])) {
      if (arg.startsWith("--zap-")) continue; // W&B's chart passes logger flags; logs here are JSON.
      throw new OperatorUsageError(`unknown flag "${arg}"`);
    }
    const name = match[1] ?? "";
    const next = argv[i + 1];
    if (match[2] !== undefined) given.set(name, match[2]);
    else if (name === "airgapped" || name === "leader-elect" || name === "debug") given.set(name, "true");
    else if (next !== undefined) {
      given.set(name, next);
      i++;
    } else throw new OperatorUsageError(`--${name} needs a value`);
  }
  const bool = (name: string): boolean => /^(true|1|yes)$/i.test(given.get(name) ?? "");
  const metrics = given.get("metrics-bind-address") ?? "0";
  const frequencyText = given.get("reconcile-frequency") ?? "1h";
  const frequency = parseFrequency(frequencyText, -1);
  if (frequency < 0)
    throw new OperatorUsageError(
      `--reconcile-frequency must be a duration like 30m or 1h (got "${frequencyText}")`,
    );
  const channel = given.get("deployer-channel-url")?.trim();
  return {
    // Ballast has no public release channel: without a URL the operator runs as if air-gapped.
    channelUrl: bool("airgapped") || !channel ? undefined : channel.replace(/\/+$/, ""),
    namespaces: (given.get("isolation-namespaces") ?? "")
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean),
    leaderElect: bool("leader-elect"),
    healthAddress: address(given.get("health-probe-bind-address") ?? ":8081", "health-probe-bind-address"),
    metricsAddress: metrics === "0" ? undefined : address(metrics, "metrics-bind-address"),
    operatorNamespace: env.OPERATOR_NAMESPACE || "default",
    defaultFrequencyMs: frequency,
    helmBin: env.HELM_BIN || "helm",
    defaultChart: given.get("default-chart")?.trim() || undefined,
  };
}

export function jsonLogger(write: (line: string) => void = (l) => process.stdout.write(l)) {
  return (level: "info" | "warn" | "error", message: string, fields: Record<string, unknown> = {}): void => {
    const masked = maskJson(JSON.parse(JSON.stringify(fields)) as Json);
    write(
      `${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...(masked as object) })}\n`,
    );
  };
}

/** Starts the operator; resolves when the signal aborts and everything has stopped. */
export async function runOperator(
  settings: OperatorSettings,
  env: Readonly<Record<string, string | undefined>>,
  signal: AbortSignal,
): Promise<void> {
  const log = jsonLogger();
  const kube = new KubeClient(loadKubeConfig(env));
  const metrics = new ControllerMetrics();
  const reconciler = new Reconciler({
    kube,
    helm: new HelmCli({ bin: settings.helmBin }),
    channelUrl: settings.channelUrl,
    operatorNamespace: settings.operatorNamespace,
    defaultFrequencyMs: settings.defaultFrequencyMs,
    defaultChart: settings.defaultChart,
    log,
  });
  const controller = new Controller({
    kube,
    reconciler,
    namespaces: settings.namespaces,
    leaderElection: settings.leaderElect
      ? { namespace: settings.operatorNamespace, name: "3009dfa6.apps.wandb.com" }
      : undefined,
    metrics,
    log,
  });

  const servers: Server[] = [];
  const listen = (
    where: { host: string; port: number },
    routes: Record<string, () => [number, string]>,
  ): void => {
    const server = createServer((req, res) => {
      const route = routes[new URL(req.url ?? "/", "http://x").pathname];
      const [status, body] = route ? route() : [404, "not found\n"];
      res.writeHead(status, { "content-type": "text/plain; version=0.0.4" });
      res.end(body);
    });
    server.listen(where.port, where.host);
    servers.push(server);
  };
  const health: Record<string, () => [number, string]> = {
    "/healthz": () => [200, "ok\n"],
    "/readyz": () =>
      controller.ready()
        ? [200, "ok\n"]
        : [503, "the first list of WeightsAndBiases resources is not done yet\n"],
  };
  const metricsRoute: Record<string, () => [number, string]> = {
    "/metrics": () => [200, metrics.exposition()],
  };
  const sameAddress =
    settings.metricsAddress &&
    settings.metricsAddress.port === settings.healthAddress.port &&
    settings.metricsAddress.host === settings.healthAddress.host;
  listen(settings.healthAddress, sameAddress ? { ...health, ...metricsRoute } : health);
  if (settings.metricsAddress && !sameAddress) listen(settings.metricsAddress, metricsRoute);

  log("info", "operator starting", {
    channel: settings.channelUrl ?? "(none: air-gapped)",
    defaultChart: settings.defaultChart ?? "(none: spec.chart required without a channel)",
    namespaces: settings.namespaces.length > 0 ? settings.namespaces : "all",
    leaderElect: settings.leaderElect,
    operatorNamespace: settings.operatorNamespace,
  });
  await controller.run(signal);
  for (const server of servers) server.close();
  kube.close();
  log("info", "operator stopped");
}
