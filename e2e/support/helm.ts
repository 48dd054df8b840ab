/** Runs the real `helm` (scripts/setup-kube.sh) for the chart and operator tests. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import type { KubeObject } from "../../packages/deploy/src/kube/kube-client.ts";
import { HELM_BIN } from "./kube.ts";
import { REPO_ROOT } from "./server.ts";

export const APP_CHART = join(REPO_ROOT, "charts", "ballast");
export const OPERATOR_CHART = join(REPO_ROOT, "charts", "ballast-operator");

/** helm's own directories, kept out of the user's home. */
const HELM_HOME = mkdtempSync(join(tmpdir(), "ballast-helm-home-"));
export const HELM_ENV: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: HELM_HOME,
  HELM_CACHE_HOME: join(HELM_HOME, "cache"),
  HELM_CONFIG_HOME: join(HELM_HOME, "config"),
  HELM_DATA_HOME: join(HELM_HOME, "data"),
};

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function helm(args: readonly string[], env: Record<string, string> = {}): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(
      HELM_BIN,
      [...args],
      { env: { ...HELM_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** `helm template` of a chart with the given values; throws with helm's message on failure. */
export async function template(
  chart: string,
  values: unknown,
  options: { release?: string; namespace?: string; extra?: string[] } = {},
): Promise<KubeObject[]> {
  const dir = mkdtempSync(join(tmpdir(), "ballast-values-"));
  try {
    const file = join(dir, "values.json");
    writeFileSync(file, JSON.stringify(values));
    const result = await helm([
      "template",
      options.release ?? "wandb",
      chart,
      "--namespace",
      options.namespace ?? "default",
      "--kube-version",
      "1.37.0",
      "--values",
      file,
      ...(options.extra ?? []),
    ]);
    if (result.code !== 0) throw new Error(result.stderr.trim());
    return parseAllDocuments(result.stdout)
      .map((doc) => doc.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The values of a WeightsAndBiases example in e2e/fixtures/seeds. */
export function seedResource(file: string): {
  metadata: { name: string };
  spec: { values: Record<string, unknown>; chart?: unknown };
} {
  return parse(readFileSync(join(REPO_ROOT, "e2e", "fixtures", "seeds", file), "utf8"));
}
