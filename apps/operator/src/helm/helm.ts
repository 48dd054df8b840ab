/**
 * Runs the `helm` binary (pinned in the operator image) for the reconcile: `upgrade --install`
 * with the merged values, and `uninstall`. Values go through a private temporary file, never the
 * command line; registry and repository passwords do go on helm's command line (helm has no other
 * way for a repository), which is why the operator's pod runs nothing else. Helm's output is masked
 * before it is logged or written to status.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChartSource, Values } from "@ballast/deploy";
import { maskText } from "@ballast/deploy";

export interface HelmOptions {
  /** The helm binary; `helm` on PATH by default. */
  readonly bin?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Kept release records (`--history-max`); W&B keeps 10. */
  readonly historyMax?: number;
  readonly timeoutSeconds?: number;
}

export interface ResolvedCredentials {
  readonly username?: string;
  readonly password?: string;
}

export class HelmError extends Error {
  readonly output: string;
  constructor(message: string, output: string) {
    super(message);
    this.name = "HelmError";
    this.output = output;
  }
}

export interface Helm {
  upgradeInstall(input: {
    release: string;
    namespace: string;
    chart: ChartSource;
    values: Values;
    credentials: ResolvedCredentials;
    secrets: readonly string[];
  }): Promise<string>;
  uninstall(release: string, namespace: string): Promise<void>;
}

export class HelmCli implements Helm {
  private readonly options: HelmOptions;
  constructor(options: HelmOptions = {}) {
    this.options = options;
  }

  private run(args: string[], secrets: readonly string[]): Promise<string> {
    const bin = this.options.bin ?? "helm";
    return new Promise((resolve, reject) => {
      const child = spawn(bin, args, {
        env: { ...process.env, ...(this.options.env ?? {}) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString("utf8");
      });
      child.stderr.on("data", (d: Buffer) => {
        out += d.toString("utf8");
      });
      child.on("error", (error) => reject(new HelmError(`cannot run ${bin}: ${error.message}`, "")));
      child.on("close", (code) => {
        const masked = maskText(out.trim(), secrets);
        if (code === 0) resolve(masked);
        else {
          const last =
            masked
              .split("\n")
              .filter((l) => l.startsWith("Error:"))
              .pop() ??
            masked.split("\n").pop() ??
            "";
          reject(new HelmError(`helm ${args[0]} failed: ${last.replace(/^Error:\s*/, "")}`, masked));
        }
      });
    });
  }

  async upgradeInstall(input: Parameters<Helm["upgradeInstall"]>[0]): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), "ballast-helm-"));
    try {
      const valuesFile = join(dir, "values.json");
      writeFileSync(valuesFile, JSON.stringify(input.values), { mode: 0o600 });
      const args = [
        "upgrade",
        "--install",
        input.release,
        ...chartArgs(input.chart, dir),
        "--namespace",
        input.namespace,
        "--values",
        valuesFile,
        "--history-max",
        String(this.options.historyMax ?? 10),
        "--timeout",
        `${this.options.timeoutSeconds ?? 600}s`,
      ];
      if (input.credentials.username) args.push("--username", input.credentials.username);
      if (input.credentials.password) args.push("--password", input.credentials.password);
      if (input.chart.kind === "repo" && input.credentials.username) args.push("--pass-credentials");
      const secrets = [...input.secrets, ...(input.credentials.password ? [input.credentials.password] : [])];
      return await this.run(args, secrets);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async uninstall(release: string, namespace: string): Promise<void> {
    try {
      await this.run(
        [
          "uninstall",
          release,
          "--namespace",
          namespace,
          "--wait",
          "--timeout",
          `${this.options.timeoutSeconds ?? 600}s`,
        ],
        [],
      );
    } catch (error) {
      // Already gone (uninstalled by hand, or never installed): nothing to clean up.
      if (error instanceof HelmError && /not found/i.test(error.message)) return;
      throw error;
    }
  }
}

/** helm's chart arguments for each source. */
export function chartArgs(chart: ChartSource, scratch: string): string[] {
  switch (chart.kind) {
    case "local":
      return [localChart(chart.path, scratch)];
    case "oci":
      return [
        chart.url,
        ...(chart.version ? ["--version", chart.version] : []),
        ...(chart.plainHttp ? ["--plain-http"] : []),
      ];
    case "repo":
      return [chart.name, "--repo", chart.url, ...(chart.version ? ["--version", chart.version] : [])];
  }
}

/**
 * A local chart is a directory or a .tgz; a file holding the .tgz in base64 (how an air-gapped
 * install ships the chart in a ConfigMap, reference/deployment-spec.md §1.9) is decoded first.
 */
function localChart(path: string, scratch: string): string {
  if (statSync(path, { throwIfNoEntry: false })?.isFile()) {
    const bytes = readFileSync(path);
    const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
    if (!gzip) {
      const decoded = Buffer.from(bytes.toString("ascii").replace(/\s+/g, ""), "base64");
      if (decoded[0] === 0x1f && decoded[1] === 0x8b) {
        const tgz = join(scratch, "chart.tgz");
        writeFileSync(tgz, decoded);
        return tgz;
      }
    }
  }
  return path;
}
