/**
 * The operator against a real kube-apiserver and etcd, with the real helm and a release channel
 * served by `ballast channel serve`: the seed's example resource installs Ballast with the layers
 * merged; edits to the resource and to the console's user-input Secret upgrade it; a new channel
 * release rolls out by itself; with the channel down the cached release is used; a bad resource
 * gets a status that says why; deleting the resource uninstalls the release. No kubelet runs, so the
 * tests assert objects and values, not pods.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { WEIGHTS_AND_BIASES, type WeightsAndBiases } from "../packages/deploy/src/api/weightsandbiases.ts";
import {
  EVENTS,
  type KubeObject,
  type ResourceType,
  SECRETS,
} from "../packages/deploy/src/kube/kube-client.ts";
import { seedResource } from "./support/helm.ts";
import { ensureNamespace, eventually, type KubeCluster, startKubeCluster } from "./support/kube.ts";
import { container, envAsWritten } from "./support/manifests.ts";
import {
  type ChannelDir,
  channelDir,
  installCrd,
  startChannel,
  startOciRegistry,
  startOperator,
} from "./support/operator.ts";

const DEPLOYMENTS: ResourceType = { group: "apps", version: "v1", plural: "deployments", namespaced: true };
const INGRESSES: ResourceType = {
  group: "networking.k8s.io",
  version: "v1",
  plural: "ingresses",
  namespaced: true,
};

type Resource = WeightsAndBiases & KubeObject;
interface Secret extends KubeObject {
  data?: Record<string, string>;
}

let cluster: KubeCluster;
let channel: ChannelDir;
let repo: Awaited<ReturnType<typeof startChannel>>;
let releases: Awaited<ReturnType<typeof startChannel>>;
let operator: Awaited<ReturnType<typeof startOperator>>;
let registry: Awaited<ReturnType<typeof startOciRegistry>>;

const GCP_NAMESPACE = "team-gcp";
const r1Values = {
  app: { image: { repository: "ballast/ballast", tag: "0.1.0" } },
  global: { extraEnv: { CHANNEL_RELEASE: "r1" } },
};

before(async () => {
  cluster = await startKubeCluster();
  await installCrd(cluster.admin);
  for (const ns of ["wandb-cr", GCP_NAMESPACE, "team-oci"]) await ensureNamespace(cluster.admin, ns);
  let repoUrl = "";
  channel = channelDir(() => repoUrl);
  repo = await startChannel(channel.dir);
  repoUrl = repo.url;
  await channel.packageChart("0.1.0");
  await channel.packageChart("0.2.0");
  registry = await startOciRegistry(join(channel.dir, "charts"), "0.2.0");
  channel.publish({
    id: "r1",
    createdAt: "2026-12-01T00:00:00Z",
    chart: { url: `${repo.url}/charts`, name: "ballast", version: "0.1.0" },
    values: r1Values,
  });
  releases = await startChannel(channel.dir);
  operator = await startOperator({
    kubeconfig: cluster.kubeconfig,
    channelUrl: releases.url,
    namespace: "wandb-cr",
  });
});

after(async () => {
  await operator?.stop();
  await registry?.stop();
  await releases?.stop();
  await repo?.stop();
  await cluster?.dispose();
});

const getResource = (namespace: string, name: string) =>
  cluster.admin.get<Resource>(WEIGHTS_AND_BIASES, namespace, name);

async function appEnv(namespace: string, name = "wandb-app"): Promise<Record<string, string>> {
  return envAsWritten(container(await cluster.admin.get(DEPLOYMENTS, namespace, name)));
}

/** The newest Helm release record of a release, as the operator's helm wrote it. */
async function helmRelease(
  namespace: string,
  release: string,
): Promise<{ version: number; chart: string } | undefined> {
  const list = await cluster.admin.list<Secret>(SECRETS, namespace, `owner=helm,name=${release}`);
  const newest = list.items
    .map((s) => ({ version: Number(s.metadata.labels?.version ?? 0), status: s.metadata.labels?.status }))
    .sort((a, b) => b.version - a.version)[0];
  if (!newest) return undefined;
  const secret = list.items.find((s) => Number(s.metadata.labels?.version) === newest.version);
  const { gunzipSync } = await import("node:zlib");
  const record = JSON.parse(
    gunzipSync(
      Buffer.from(Buffer.from(secret?.data?.release ?? "", "base64").toString(), "base64"),
    ).toString(),
  ) as { chart: { metadata: { name: string; version: string } } };
  return { version: newest.version, chart: `${record.chart.metadata.name}-${record.chart.metadata.version}` };
}

async function completedAt(namespace: string, name: string, generation?: number): Promise<Resource> {
  return eventually(`${namespace}/${name} to be Completed`, async () => {
    const cr = await getResource(namespace, name);
    const done =
      cr.status?.phase === "Completed" &&
      cr.status.observedGeneration === (generation ?? cr.metadata.generation);
    return done ? cr : undefined;
  });
}

function userSpecData(values: unknown): Record<string, string> {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64");
  return { chart: b64(null), values: b64(values), metadata: b64(null) };
}

describe("the operator", () => {
  it("installs the seed's example resource with the channel, console and resource layers merged", async () => {
    const seed = seedResource("operator.yaml");
    // The seed points spec.chart at the user's own chart repository; here that is the test's.
    const resource = {
      ...seed,
      spec: { ...seed.spec, chart: { url: `${repo.url}/charts`, name: "ballast", version: "0.1.0" } },
    };
    await cluster.admin.create(WEIGHTS_AND_BIASES, "default", resource as unknown as KubeObject);
    const cr = await completedAt("default", "wandb", 1);

    assert.deepEqual(cr.metadata.finalizers, ["finalizer.app.wandb.com"]);
    const ready = cr.status?.conditions?.find((c) => c.type === "Ready");
    assert.equal(ready?.status, "True");
    assert.equal(ready?.observedGeneration, 1);
    assert.equal(cr.status?.version, "0.1.0");
    assert.deepEqual(await helmRelease("default", "wandb"), { version: 1, chart: "ballast-0.1.0" });

    const deployment = await cluster.admin.get(DEPLOYMENTS, "default", "wandb-app");
    assert.equal(
      container(deployment).image,
      "registry.yourdomain.com/local:0.59.2",
      "the resource's image beats the channel's",
    );
    const env = await appEnv("default");
    assert.equal(env.HOST, "https://wandb.yourdomain.com");
    assert.equal(env.MYSQL, "mysql://wandb@mysql.home.lab:3306/wandb?tls=preferred");
    assert.equal(env.ENABLE_REGISTRY_UI, "true", "from the resource");
    assert.equal(env.CHANNEL_RELEASE, "r1", "from the release channel");
    assert.equal(
      env.BALLAST_CONSOLE_RESOURCE,
      "default/wandb",
      "the operator tells the app where its resource is",
    );
    const mysql = await cluster.admin.get<Secret>(SECRETS, "default", "wandb-mysql");
    assert.equal(Buffer.from(mysql.data?.MYSQL_PASSWORD ?? "", "base64").toString(), "password");

    for (const name of ["wandb-spec-user", "wandb-spec-active", "wandb-latest-cached-release"]) {
      const secret = await cluster.admin.get<Secret>(SECRETS, "default", name);
      assert.equal(
        secret.metadata.ownerReferences?.[0]?.uid,
        cr.metadata.uid,
        `${name} is owned by the resource`,
      );
    }
    const active = await cluster.admin.get<Secret>(SECRETS, "default", "wandb-spec-active");
    const values = JSON.parse(Buffer.from(active.data?.values ?? "", "base64").toString());
    assert.deepEqual(values.global.extraEnv, { CHANNEL_RELEASE: "r1", ENABLE_REGISTRY_UI: "true" });
    assert.deepEqual(values.global.operator, { apiVersion: "apps.wandb.com/v1", namespace: "wandb-cr" });
    const events = await cluster.admin.list<
      KubeObject & { reason: string; involvedObject: { name: string } }
    >(EVENTS, "default");
    assert.ok(events.items.some((e) => e.involvedObject.name === "wandb" && e.reason === "Completed"));
  });

  it("installs a resource without spec.chart from the channel's chart (the seed's GCP example)", async () => {
    const seed = seedResource("operator-gcp.yaml");
    await cluster.admin.create(WEIGHTS_AND_BIASES, GCP_NAMESPACE, {
      ...seed,
      metadata: { ...seed.metadata, namespace: GCP_NAMESPACE },
    } as unknown as KubeObject);
    const cr = await completedAt(GCP_NAMESPACE, "wandb", 1);
    assert.equal(cr.status?.version, "0.1.0");
    const env = await appEnv(GCP_NAMESPACE);
    assert.equal(env.BUCKET, "gs://abc-wandb-moving-pipefish");
    assert.equal(
      container(await cluster.admin.get(DEPLOYMENTS, GCP_NAMESPACE, "wandb-app")).image,
      "ballast/ballast:0.1.0",
    );
  });

  it("installs a chart from an OCI registry (spec.chart {url: oci://…, version})", async () => {
    await cluster.admin.create(WEIGHTS_AND_BIASES, "team-oci", {
      apiVersion: "apps.wandb.com/v1",
      kind: "WeightsAndBiases",
      metadata: { name: "wandb" },
      spec: {
        chart: { url: registry.url, version: "0.2.0", plainHTTP: true },
        values: { global: { host: "https://oci.example.com" } },
      },
    });
    const cr = await completedAt("team-oci", "wandb", 1);
    assert.equal(cr.status?.version, "0.2.0");
    assert.equal((await helmRelease("team-oci", "wandb"))?.chart, "ballast-0.2.0");
    assert.equal((await appEnv("team-oci")).HOST, "https://oci.example.com");
  });

  it("upgrades the release when the resource is edited, keeping the generated console password", async () => {
    const password = async () =>
      (await cluster.admin.get<Secret>(SECRETS, "default", "wandb-password")).data?.password;
    const before = await password();
    assert.ok(before);
    await cluster.admin.patch(WEIGHTS_AND_BIASES, "default", "wandb", {
      spec: { values: { global: { host: "https://ml.yourdomain.com" } } },
    });
    const cr = await completedAt("default", "wandb", 2);
    assert.equal(cr.status?.observedGeneration, 2);
    assert.equal((await appEnv("default")).HOST, "https://ml.yourdomain.com");
    assert.equal((await helmRelease("default", "wandb"))?.version, 2);
    assert.equal(await password(), before, "helm upgrades keep <release>-password");
  });

  it("upgrades it when the console's user-input Secret is edited; the resource still wins where both set a value", async () => {
    await cluster.admin.patch(SECRETS, "default", "wandb-spec-user", {
      data: userSpecData({
        global: { extraEnv: { FROM_CONSOLE: "yes" } },
        ingress: { class: "from-console" },
      }),
    });
    await eventually("the console's value to reach the app", async () =>
      (await appEnv("default")).FROM_CONSOLE === "yes" ? true : undefined,
    );
    const ingress = await cluster.admin.get<KubeObject & { spec: { ingressClassName: string } }>(
      INGRESSES,
      "default",
      "wandb",
    );
    assert.equal(ingress.spec.ingressClassName, "nginx");
    assert.equal((await helmRelease("default", "wandb"))?.version, 3);
  });

  it("rolls out a new channel release by itself", async () => {
    channel.publish({
      id: "r2",
      createdAt: "2026-12-02T00:00:00Z",
      chart: { url: `${repo.url}/charts`, name: "ballast", version: "0.2.0" },
      values: { ...r1Values, global: { extraEnv: { CHANNEL_RELEASE: "r2" } } },
    });
    const gcp = await eventually("the GCP resource to run chart 0.2.0", async () => {
      const cr = await getResource(GCP_NAMESPACE, "wandb");
      return cr.status?.version === "0.2.0" && cr.status.phase === "Completed" ? cr : undefined;
    });
    assert.equal(gcp.metadata.generation, 1, "no one edited the resource");
    assert.equal((await helmRelease(GCP_NAMESPACE, "wandb"))?.chart, "ballast-0.2.0");
    // The seed resource pins its chart (0.1.0) but takes the channel's new values.
    await eventually("the seed resource to take r2's values", async () =>
      (await appEnv("default")).CHANNEL_RELEASE === "r2" ? true : undefined,
    );
    assert.equal((await helmRelease("default", "wandb"))?.chart, "ballast-0.1.0");
  });

  it("pins a release the console names in _releaseId, and follows the channel again without it", async () => {
    const pin = (values: unknown) =>
      cluster.admin.patch(SECRETS, GCP_NAMESPACE, "wandb-spec-user", { data: userSpecData(values) });
    await pin({ _releaseId: "r1" });
    await eventually("the GCP resource to go back to r1's chart", async () => {
      const cr = await getResource(GCP_NAMESPACE, "wandb");
      return cr.status?.version === "0.1.0" && cr.status.phase === "Completed" ? true : undefined;
    });
    assert.equal((await appEnv(GCP_NAMESPACE)).CHANNEL_RELEASE, "r1");
    assert.match(operator.logs.output(), /"msg":"Version Pinning is enabled".*"releaseId":"r1"/);
    await pin({});
    await eventually("the GCP resource to follow the channel to r2 again", async () => {
      const cr = await getResource(GCP_NAMESPACE, "wandb");
      return cr.status?.version === "0.2.0" && cr.status.phase === "Completed" ? true : undefined;
    });
  });

  it("uses the cached release while the channel is down", async () => {
    await releases.stop();
    await cluster.admin.patch(WEIGHTS_AND_BIASES, GCP_NAMESPACE, "wandb", {
      spec: { values: { global: { extraEnv: { DURING_OUTAGE: "1" } } } },
    });
    const cr = await completedAt(GCP_NAMESPACE, "wandb", 2);
    assert.equal(cr.status?.version, "0.2.0", "the cached release's chart");
    const env = await appEnv(GCP_NAMESPACE);
    assert.equal(env.DURING_OUTAGE, "1");
    assert.equal(env.CHANNEL_RELEASE, "r2", "the cached release's values");
    const events = await cluster.admin.list<
      KubeObject & { reason: string; involvedObject: { name: string } }
    >(EVENTS, GCP_NAMESPACE);
    assert.ok(events.items.some((e) => e.reason === "ChannelUnavailable"));
  });

  it("says why in status when a resource cannot be applied", async () => {
    const base = { apiVersion: "apps.wandb.com/v1", kind: "WeightsAndBiases" };
    await cluster.admin.create(WEIGHTS_AND_BIASES, "default", {
      ...base,
      metadata: { name: "broken-chart" },
      spec: { chart: { url: "https://charts.example.com" }, values: {} },
    });
    await cluster.admin.create(WEIGHTS_AND_BIASES, "default", {
      ...base,
      metadata: { name: "broken-values" },
      spec: {
        chart: { url: `${repo.url}/charts`, name: "ballast", version: "0.1.0" },
        values: { app: { pod: { securityContext: { runAsGroup: 1000 } } } },
      },
    });
    const chart = await eventually("broken-chart's status", async () => {
      const cr = await getResource("default", "broken-chart");
      return cr.status?.phase === "Invalid Config" ? cr : undefined;
    });
    assert.match(chart.status?.message ?? "", /resource: chart.name is required/);
    assert.equal(chart.status?.conditions?.find((c) => c.type === "Ready")?.reason, "InvalidSpec");
    const values = await eventually("broken-values' status", async () => {
      const cr = await getResource("default", "broken-values");
      return cr.status?.phase === "Invalid Config" ? cr : undefined;
    });
    assert.match(values.status?.message ?? "", /runAsGroup must be 0 \(got 1000\)/);
    assert.equal(values.status?.conditions?.find((c) => c.type === "Ready")?.reason, "ApplyFailed");
  });

  it("uninstalls the release when the resource is deleted", async () => {
    await cluster.admin.delete(WEIGHTS_AND_BIASES, "default", "wandb");
    await eventually("the resource to be gone", async () => {
      try {
        await getResource("default", "wandb");
        return undefined;
      } catch {
        return true;
      }
    });
    assert.equal(await helmRelease("default", "wandb"), undefined);
    await assert.rejects(cluster.admin.get(DEPLOYMENTS, "default", "wandb-app"), /not found/);
  });

  it("logs no secret, serves health and metrics, and holds the leader lease", async () => {
    const logs = operator.logs.output();
    for (const secret of [
      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
      "8wtX6cJHizAZvYScjDzZcUarK4zZGjpV",
      "eyJhbGnUzaHgyQjQyQWhEU3",
    ]) {
      assert.ok(!logs.includes(secret), `the operator logged a secret (${secret.slice(0, 6)}…)`);
    }
    assert.match(logs, /"msg":"applying"/);
    assert.equal((await fetch(`${operator.health}/readyz`)).status, 200);
    const metrics = await (await fetch(operator.metrics)).text();
    assert.match(metrics, /ballast_operator_reconciles_total\{result="applied"\} [1-9]/);
    assert.match(metrics, /ballast_operator_leader 1/);
    const lease = await cluster.admin.get<KubeObject & { spec: { holderIdentity: string } }>(
      { group: "coordination.k8s.io", version: "v1", plural: "leases", namespaced: true },
      "wandb-cr",
      "3009dfa6.apps.wandb.com",
    );
    assert.ok(lease.spec.holderIdentity);
  });

  it("runs one leader at a time: a second replica waits, then takes over when the leader stops", async () => {
    const second = await startOperator({
      kubeconfig: cluster.kubeconfig,
      channelUrl: releases.url,
      namespace: "wandb-cr",
    });
    try {
      await new Promise((r) => setTimeout(r, 3000));
      assert.match(await (await fetch(second.metrics)).text(), /ballast_operator_leader 0/);
      await operator.stop();
      await eventually("the second replica to lead", async () =>
        /ballast_operator_leader 1/.test(await (await fetch(second.metrics)).text()) ? true : undefined,
      );
      // The new leader reconciles what exists, and what comes.
      await cluster.admin.patch(WEIGHTS_AND_BIASES, "team-oci", "wandb", {
        spec: { values: { global: { host: "https://oci2.example.com" } } },
      });
      await completedAt("team-oci", "wandb", 2);
      assert.equal((await appEnv("team-oci")).HOST, "https://oci2.example.com");
    } finally {
      await second.stop();
    }
  });
});
