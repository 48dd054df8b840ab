/**
 * The images' entrypoints, run the way the Dockerfile and the charts run them, without Docker (no
 * engine runs here): the ENTRYPOINT and CMD read from the Dockerfile, as user 1001 in group 0, in a
 * mount namespace where the whole root filesystem is read-only and only the volumes the charts mount
 * are writable (a fresh /tmp, the data directory, helm's home). The server must start, serve and
 * store data; the operator must install a release.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type KubeObject, WEIGHTS_AND_BIASES } from "../packages/deploy/src/index.ts";
import { helm, OPERATOR_CHART } from "./support/helm.ts";
import { ensureNamespace, eventually, type KubeCluster, startKubeCluster } from "./support/kube.ts";
import { freePort } from "./support/ports.ts";
import { collectOutput, stopProcess } from "./support/processes.ts";
import { REPO_ROOT } from "./support/server.ts";

interface Stage {
  readonly user?: string;
  readonly entrypoint?: string[];
  readonly cmd?: string[];
  readonly env: Record<string, string>;
}

/** The final stages' USER, ENV, ENTRYPOINT and CMD (inherited from the stage they are built FROM). */
function dockerStages(): Record<string, Stage> {
  const stages: Record<string, Stage> = {};
  let current:
    | { user?: string; entrypoint?: string[]; cmd?: string[]; env: Record<string, string> }
    | undefined;
  const text = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8").replace(/\\\n\s*/g, " ");
  for (const line of text.split("\n").map((l) => l.trim())) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const base = stages[from[1] ?? ""];
      current = base ? { ...base, env: { ...base.env } } : { env: {} };
      stages[from[2] ?? from[1] ?? ""] = current;
      continue;
    }
    if (!current) continue;
    const [instruction = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (/^USER$/i.test(instruction)) current.user = args;
    if (/^ENTRYPOINT$/i.test(instruction)) current.entrypoint = JSON.parse(args);
    if (/^CMD$/i.test(instruction)) current.cmd = JSON.parse(args);
    if (/^ENV$/i.test(instruction))
      for (const m of args.matchAll(/(\w+)=(\S+)/g)) current.env[m[1] ?? ""] = m[2] ?? "";
  }
  return stages;
}

/** A scratch directory outside /tmp (the sandbox gets a fresh /tmp), owned by uid 1001 group 0. */
function scratch(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  chownSync(dir, 1001, 0);
  return dir;
}

/**
 * Runs `argv` as uid 1001 gid 0 with / read-only, a fresh /tmp, and `writable` directories writable,
 * in the repository (the image's /app) as working directory.
 */
function sandboxed(
  argv: string[],
  env: Record<string, string>,
  writable: string[],
): { proc: ChildProcess; output: () => string } {
  const script = [
    "set -e",
    'for dir in $WRITABLE; do mount --bind "$dir" "$dir"; done',
    // A checkout under /tmp (node, helm and the code all live in it) is carried over the fresh /tmp,
    // read-only like the image's /app.
    'case "$REPO/" in /tmp/*) mount --bind "$REPO" "$HOLD" ;; esac',
    "mount -t tmpfs -o mode=1777 tmpfs /tmp",
    'case "$REPO/" in /tmp/*) mkdir -p "$REPO" && mount --bind "$HOLD" "$REPO" && mount -o remount,bind,ro "$REPO" ;; esac',
    "mount -o remount,bind,ro /",
    'exec setpriv --reuid=1001 --regid=0 --clear-groups -- "$@"',
  ].join("\n");
  const proc = spawn(
    "unshare",
    ["--mount", "--propagation", "private", "sh", "-c", script, "sandbox", ...argv],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: `${join(REPO_ROOT, ".cache", "tools", "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`,
        WRITABLE: writable.join(" "),
        REPO: REPO_ROOT,
        HOLD: hold,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return { proc, output: collectOutput(proc) };
}

const stages = dockerStages();
const root = mkdtempSync("/var/tmp/ballast-images-");
chmodSync(root, 0o755);
const hold = join(root, "repository");
mkdirSync(hold);
let cluster: KubeCluster;
const running: ChildProcess[] = [];

before(async () => {
  cluster = await startKubeCluster({ serviceAccounts: [{ namespace: "wandb-cr", name: "ballast-manager" }] });
  await ensureNamespace(cluster.admin, "wandb-cr");
  // The operator chart itself (CRD, ServiceAccount, ClusterRole, leader election), installed by helm:
  // the sandboxed operator below acts as that ServiceAccount, so the chart's RBAC is what it gets.
  const installed = await helm(
    ["install", "operator", OPERATOR_CHART, "--namespace", "wandb-cr", "--set", "airgapped=true"],
    {
      KUBECONFIG: cluster.kubeconfig,
    },
  );
  assert.equal(installed.code, 0, installed.stderr);
  await eventually("the CRD", async () =>
    (await cluster.admin.list(WEIGHTS_AND_BIASES, "default")) ? true : undefined,
  );
});
after(async () => {
  for (const proc of running) await stopProcess(proc);
  await cluster?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe("the images", () => {
  it("run as user 1001 in group 0 and start with `ballast <command>`", () => {
    for (const name of ["server", "operator"]) {
      const stage = stages[name];
      assert.ok(stage, `the Dockerfile has a ${name} stage`);
      assert.equal(stage.user, "1001:0");
      assert.deepEqual(stage.entrypoint, ["node", "apps/cli/bin/ballast.js"]);
    }
    assert.deepEqual(stages.server?.cmd, ["server"]);
    assert.equal(stages.operator?.cmd?.[0], "operator");
  });

  it("the sandbox is what the charts give a pod: read-only root, writable volumes, uid 1001 gid 0", async () => {
    const volume = scratch(root, "probe");
    const probe = sandboxed(
      [
        "sh",
        "-c",
        `id -u; id -g; touch ${volume}/ok && echo volume-writable; touch /tmp/ok && echo tmp-writable; touch ${REPO_ROOT}/probe 2>&1 || echo root-read-only`,
      ],
      {},
      [volume],
    );
    const code = await new Promise((resolve) => probe.proc.once("exit", resolve));
    assert.equal(code, 0, probe.output());
    assert.deepEqual(
      probe
        .output()
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("touch:")),
      ["1001", "0", "volume-writable", "tmp-writable", "root-read-only"],
    );
  });

  it("the server's entrypoint serves and stores data with a read-only root filesystem", async () => {
    const stage = stages.server as Stage;
    const data = scratch(root, "data");
    const port = await freePort();
    const [bin = "", ...args] = [...(stage.entrypoint ?? []), ...(stage.cmd ?? [])];
    assert.equal(bin, "node");
    const server = sandboxed(
      [process.execPath, ...args],
      { ...stage.env, BALLAST_DATA_DIR: data, PORT: String(port), BALLAST_LISTEN_HOST: "127.0.0.1" },
      [data],
    );
    running.push(server.proc);
    const url = `http://127.0.0.1:${port}`;
    await eventually(
      "the sandboxed server to be ready",
      async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.ok ? true : undefined),
      60_000,
    ).catch((error) => {
      throw new Error(`${error}\n${server.output()}`);
    });
    const key = /wandb login --host \S+ (\S+)/.exec(server.output())?.[1];
    assert.ok(key, server.output());
    const viewer = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${Buffer.from(`api:${key}`).toString("base64")}`,
      },
      body: JSON.stringify({ query: "{ viewer { username } }" }),
    });
    assert.deepEqual(await viewer.json(), { data: { viewer: { username: "admin" } } });
    assert.match(await (await fetch(`${url}/console`)).text(), /<div id="root">/);
    assert.ok(readdirSync(data).length > 0, "the database lives in the data volume");
    await stopProcess(server.proc);
    assert.doesNotMatch(server.output(), /EROFS|EACCES|read-only file system/i);
  });

  it("the operator's entrypoint installs its bundled app chart with a read-only root filesystem and the chart's RBAC", async () => {
    const stage = stages.operator as Stage;
    const helmHome = scratch(root, "helm");
    // The pod's service account (the chart's ballast-manager), as a kubeconfig readable in the sandbox.
    const kubeconfig = join(root, "kubeconfig");
    copyFileSync(cluster.serviceAccountKubeconfig("wandb-cr", "ballast-manager"), kubeconfig);
    chmodSync(kubeconfig, 0o644);
    const health = await freePort();
    const metrics = await freePort();
    const [, ...args] = [...(stage.entrypoint ?? []), ...(stage.cmd ?? [])];
    const env: Record<string, string> = {};
    // The image's /helm is the scratch HELM_HOME; its /app is the repository.
    for (const [name, value] of Object.entries(stage.env))
      env[name] = value.replace(/^\/helm/, helmHome).replace(/^\/app\//, `${REPO_ROOT}/`);
    const operator = sandboxed(
      [
        process.execPath,
        ...args,
        `--health-probe-bind-address=127.0.0.1:${health}`,
        `--metrics-bind-address=127.0.0.1:${metrics}`,
      ],
      { ...env, KUBECONFIG: kubeconfig, OPERATOR_NAMESPACE: "wandb-cr", AIRGAPPED: "true" },
      [helmHome],
    );
    running.push(operator.proc);
    await cluster.admin.create(WEIGHTS_AND_BIASES, "default", {
      apiVersion: "apps.wandb.com/v1",
      kind: "WeightsAndBiases",
      metadata: { name: "wandb" },
      // No spec.chart and no channel: the chart the image bundles (DEFAULT_CHART).
      spec: { values: { global: { host: "https://ballast.example.com" } } },
    });
    await eventually(
      "the sandboxed operator to install the release",
      async () => {
        const cr = await cluster.admin.get<KubeObject & { status?: { phase?: string; message?: string } }>(
          WEIGHTS_AND_BIASES,
          "default",
          "wandb",
        );
        if (cr.status?.phase === "Invalid Config") throw new Error(cr.status.message);
        return cr.status?.phase === "Completed" ? true : undefined;
      },
      60_000,
    ).catch((error) => {
      throw new Error(`${error}\n${operator.output()}`);
    });
    await stopProcess(operator.proc);
    assert.doesNotMatch(operator.output(), /EROFS|EACCES|read-only file system/i);
  });
});
