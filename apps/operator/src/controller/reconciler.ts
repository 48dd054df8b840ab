/**
 * One level-triggered reconcile of a `WeightsAndBiases` resource: read the resource, the console's
 * user input and the release channel (or its cached copy), merge them, and when the result differs
 * from what was last applied, run `helm upgrade --install`; then write status, conditions and
 * events. Deleting the resource uninstalls the release through the finalizer. Idempotent: running
 * it twice in a row changes nothing the second time. (W&B's loop: reference/deployment-spec.md §1.3.)
 */

import type { ChartSource } from "@ballast/deploy";
import {
  API_VERSION,
  activeSecretName,
  type Condition,
  cachedReleaseSecretName,
  describeChart,
  desiredSpec,
  EMPTY_SPEC,
  EVENTS,
  FINALIZER,
  isConflict,
  isNotFound,
  isObject,
  KIND,
  type KubeClient,
  type KubeObject,
  maskText,
  maskValues,
  type Phase,
  parseFrequency,
  SECRETS,
  type Spec,
  secretStrings,
  specEqual,
  specFromSecretData,
  specToSecretData,
  userSecretName,
  type Values,
  valueAt,
  WEIGHTS_AND_BIASES,
  type WeightsAndBiases,
  type WeightsAndBiasesStatus,
} from "@ballast/deploy";
import { ChannelError, fetchChannelSpec } from "../channel/channel-client.ts";
import type { Helm, ResolvedCredentials } from "../helm/helm.ts";

export interface ReconcilerOptions {
  readonly kube: KubeClient;
  readonly helm: Helm;
  /** Base URL of the release channel; undefined = air-gapped (no channel, no cache). */
  readonly channelUrl: string | undefined;
  readonly operatorNamespace: string;
  /** The app chart used when no layer names one (the image's bundled chart); undefined = none. */
  readonly defaultChart?: string | undefined;
  /** Requeue after success when the values set no `reconcileFrequency` (W&B: 1 h). */
  readonly defaultFrequencyMs: number;
  readonly channelAttempts?: number;
  readonly channelRetryDelayMs?: number;
  readonly log: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

export type Outcome =
  | {
      readonly result: "applied" | "unchanged" | "invalid" | "apply-failed" | "uninstalled";
      readonly requeueMs?: number;
    }
  | { readonly result: "gone" };

interface Secret extends KubeObject {
  data?: Record<string, string>;
  type?: string;
}

const LABEL = "apps.wandb.com/weightsandbiases";
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, "Z");

export class Reconciler {
  private readonly o: ReconcilerOptions;
  constructor(options: ReconcilerOptions) {
    this.o = options;
  }

  async reconcile(namespace: string, name: string): Promise<Outcome> {
    const { kube } = this.o;
    const cr = await kube.getOrUndefined<WeightsAndBiases & KubeObject>(WEIGHTS_AND_BIASES, namespace, name);
    if (!cr) return { result: "gone" };
    const deleting = cr.metadata.deletionTimestamp !== undefined;

    const user = await this.readOrCreateUserSpec(cr);
    const resource = {
      chart: cr.spec?.chart ?? null,
      values: (isObject(cr.spec?.values as never) ? cr.spec?.values : {}) as Values,
    };
    const active = await this.readSpec(namespace, activeSecretName(name));

    if (deleting) return this.finalize(cr, resource, user, active);

    const license = await this.license(namespace, [resource.values, user.values]);
    const channel = await this.channelSpec(cr, user, license);

    let desired: ReturnType<typeof desiredSpec>;
    try {
      desired = desiredSpec({
        resource,
        user,
        channel,
        operatorNamespace: this.o.operatorNamespace,
        defaultChart: this.o.defaultChart,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.invalid(cr, "InvalidSpec", message, this.o.defaultFrequencyMs);
    }
    const frequency = parseFrequency(desired.spec.values.reconcileFrequency, this.o.defaultFrequencyMs);
    const secrets = secretStrings(desired.spec.values);

    if (active && specEqual(active, desired.spec) && cr.status?.phase === "Completed") {
      await this.writeStatus(cr, "Completed", "Applied", "the release matches the desired spec", {
        version: chartVersion(desired.chart) ?? cr.status?.version,
      });
      return { result: "unchanged", requeueMs: frequency };
    }
    if (!desired.chart) {
      return this.invalid(
        cr,
        "NoChart",
        this.o.channelUrl
          ? "no chart: the resource, the console and the release channel name none; set spec.chart"
          : "no chart: the operator is air-gapped, so spec.chart must name the chart (a path, an oci:// reference or a repository)",
        frequency,
      );
    }

    await this.writeStatus(cr, "Loading", "Applying", `installing ${describeChart(desired.chart)}`);
    if (!(cr.metadata.finalizers ?? []).includes(FINALIZER)) {
      await kube.patch(WEIGHTS_AND_BIASES, namespace, name, {
        metadata: {
          finalizers: [...(cr.metadata.finalizers ?? []), FINALIZER],
          resourceVersion: cr.metadata.resourceVersion,
        },
      });
    }

    this.o.log("info", "applying", {
      resource: `${namespace}/${name}`,
      chart: describeChart(desired.chart),
      values: maskValues(desired.spec.values),
    });
    try {
      const credentials = await this.chartCredentials(namespace, desired.chart);
      await this.o.helm.upgradeInstall({
        release: name,
        namespace,
        chart: desired.chart,
        values: desired.spec.values,
        credentials,
        secrets: [...secrets, ...(license ? [license] : [])],
      });
    } catch (error) {
      const message = maskText(error instanceof Error ? error.message : String(error), secrets);
      await this.event(cr, "Warning", "ApplyFailed", message);
      this.o.log("error", "apply failed", { resource: `${namespace}/${name}`, error: message });
      await this.writeStatus(cr, "Invalid Config", "ApplyFailed", message);
      // Retried on the next change or after a minute, whichever is first (W&B waits a whole hour).
      return { result: "apply-failed", requeueMs: Math.min(frequency, 60_000) };
    }
    await this.writeSpec(cr, activeSecretName(name), desired.spec);
    const version = chartVersion(desired.chart);
    await this.event(cr, "Normal", "Completed", `applied ${describeChart(desired.chart)}`);
    await this.writeStatus(cr, "Completed", "Applied", `applied ${describeChart(desired.chart)}`, {
      version,
      lastAppliedTime: now(),
    });
    return { result: "applied", requeueMs: frequency };
  }

  private async finalize(
    cr: WeightsAndBiases & KubeObject,
    resource: { chart: unknown; values: Values },
    user: Spec,
    active: Spec | undefined,
  ): Promise<Outcome> {
    const { namespace = "", name = "" } = cr.metadata;
    if (!(cr.metadata.finalizers ?? []).includes(FINALIZER)) return { result: "gone" };
    // Uninstall whatever was installed; the active spec says whether anything was.
    if (active || resource.chart || user.chart) {
      try {
        await this.o.helm.uninstall(name, namespace);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.event(cr, "Warning", "UninstallFailed", message);
        return { result: "apply-failed", requeueMs: 60_000 };
      }
    }
    await this.o.kube.patch(WEIGHTS_AND_BIASES, namespace, name, {
      metadata: {
        finalizers: (cr.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
        resourceVersion: cr.metadata.resourceVersion,
      },
    });
    this.o.log("info", "uninstalled", { resource: `${namespace}/${name}` });
    return { result: "uninstalled" };
  }

  private async invalid(
    cr: WeightsAndBiases & KubeObject,
    reason: string,
    message: string,
    requeueMs: number,
  ): Promise<Outcome> {
    await this.event(cr, "Warning", reason, message);
    this.o.log("warn", "invalid config", {
      resource: `${cr.metadata.namespace}/${cr.metadata.name}`,
      reason,
      message,
    });
    await this.writeStatus(cr, "Invalid Config", reason, message);
    return { result: "invalid", requeueMs };
  }

  /** The channel's spec, the cached copy when the channel cannot be reached, or null. */
  private async channelSpec(
    cr: WeightsAndBiases & KubeObject,
    user: Spec,
    license: string | undefined,
  ): Promise<Spec | null> {
    if (!this.o.channelUrl) return null;
    const { namespace = "", name = "" } = cr.metadata;
    const releaseId = typeof user.values._releaseId === "string" ? user.values._releaseId : undefined;
    if (releaseId)
      this.o.log("info", "Version Pinning is enabled", { resource: `${namespace}/${name}`, releaseId });
    const cacheName = cachedReleaseSecretName(name);
    try {
      const spec = await fetchChannelSpec({
        baseUrl: this.o.channelUrl,
        license,
        releaseId,
        ...(this.o.channelAttempts !== undefined ? { attempts: this.o.channelAttempts } : {}),
        ...(this.o.channelRetryDelayMs !== undefined ? { retryDelayMs: this.o.channelRetryDelayMs } : {}),
      });
      const cached = await this.readSpec(namespace, cacheName);
      if (!cached || !specEqual(cached, spec)) await this.writeSpec(cr, cacheName, spec);
      return spec;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const cached = await this.readSpec(namespace, cacheName);
      if (!(error instanceof ChannelError) || !cached) {
        this.o.log("warn", "release channel unavailable and nothing cached", {
          resource: `${namespace}/${name}`,
          error: message,
        });
        if (!cached) return null;
      }
      this.o.log("warn", "release channel unavailable; using the cached release", {
        resource: `${namespace}/${name}`,
        error: message,
      });
      await this.event(cr, "Warning", "ChannelUnavailable", `${message}; using the cached release`);
      return cached ?? null;
    }
  }

  /** W&B's order: global.license in the resource, then the user input; then their licenseSecret. */
  private async license(namespace: string, layers: readonly Values[]): Promise<string | undefined> {
    for (const values of layers) {
      const license = valueAt(values, ["global", "license"]);
      if (typeof license === "string" && license !== "") return license;
    }
    for (const values of layers) {
      const secretName = valueAt(values, ["global", "licenseSecret", "name"]);
      const key = valueAt(values, ["global", "licenseSecret", "key"]);
      if (typeof secretName !== "string" || typeof key !== "string" || !secretName || !key) continue;
      const secret = await this.o.kube.getOrUndefined<Secret>(SECRETS, namespace, secretName);
      const raw = secret?.data?.[key];
      if (raw) return Buffer.from(raw, "base64").toString("utf8").trim();
    }
    return undefined;
  }

  private async chartCredentials(namespace: string, chart: ChartSource): Promise<ResolvedCredentials> {
    if (chart.kind === "local") return {};
    if (!chart.credentialSecret) {
      return {
        ...(chart.username ? { username: chart.username } : {}),
        ...(chart.password ? { password: chart.password } : {}),
      };
    }
    const ref = chart.credentialSecret;
    const secret = await this.o.kube.getOrUndefined<Secret>(SECRETS, namespace, ref.name);
    if (!secret) throw new Error(`chart.credentialSecret: Secret ${namespace}/${ref.name} not found`);
    const read = (key: string): string | undefined => {
      const raw = secret.data?.[key];
      return raw ? Buffer.from(raw, "base64").toString("utf8") : undefined;
    };
    const username = read(ref.usernameKey);
    const password = read(ref.passwordKey);
    if (!username || !password) {
      throw new Error(
        `chart.credentialSecret: Secret ${ref.name} needs keys ${ref.usernameKey} and ${ref.passwordKey}`,
      );
    }
    return { username, password };
  }

  private async readSpec(namespace: string, secretName: string): Promise<Spec | undefined> {
    const secret = await this.o.kube.getOrUndefined<Secret>(SECRETS, namespace, secretName);
    return secret ? specFromSecretData(secretName, secret.data) : undefined;
  }

  private async readOrCreateUserSpec(cr: WeightsAndBiases & KubeObject): Promise<Spec> {
    const { namespace = "", name = "" } = cr.metadata;
    const existing = await this.readSpec(namespace, userSecretName(name));
    if (existing) return existing;
    await this.writeSpec(cr, userSecretName(name), EMPTY_SPEC);
    return EMPTY_SPEC;
  }

  /** Create-or-replace of a state Secret, owned by (and deleted with) the resource. */
  private async writeSpec(cr: WeightsAndBiases & KubeObject, secretName: string, spec: Spec): Promise<void> {
    const { namespace = "", name = "", uid = "" } = cr.metadata;
    const secret: Secret = {
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: {
        name: secretName,
        namespace,
        labels: { [LABEL]: name, "app.kubernetes.io/managed-by": "ballast-operator" },
        ownerReferences: [
          { apiVersion: API_VERSION, kind: KIND, name, uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      data: specToSecretData(spec),
    };
    try {
      await this.o.kube.create(SECRETS, namespace, secret);
    } catch (error) {
      if (!isConflict(error)) throw error;
      await this.o.kube.patch(SECRETS, namespace, secretName, {
        data: secret.data,
        metadata: { labels: secret.metadata.labels },
      });
    }
  }

  private async writeStatus(
    cr: WeightsAndBiases & KubeObject,
    phase: Phase,
    reason: string,
    message: string,
    extra: { version?: string | undefined; lastAppliedTime?: string | undefined } = {},
  ): Promise<void> {
    const generation = cr.metadata.generation ?? 0;
    const previous = cr.status?.conditions ?? [];
    const condition = (type: string, status: "True" | "False" | "Unknown"): Condition => {
      const before = previous.find((c) => c.type === type);
      return {
        type,
        status,
        observedGeneration: generation,
        lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now(),
        reason,
        message,
      };
    };
    const ready = phase === "Completed" ? "True" : phase === "Loading" ? "Unknown" : "False";
    const status: WeightsAndBiasesStatus = {
      ...cr.status,
      phase,
      message,
      observedGeneration: generation,
      conditions: [
        condition("Ready", ready),
        condition("Reconciled", phase === "Loading" ? "Unknown" : phase === "Completed" ? "True" : "False"),
      ],
      ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
    };
    try {
      const updated = await this.o.kube.patch<WeightsAndBiases & KubeObject>(
        WEIGHTS_AND_BIASES,
        cr.metadata.namespace ?? "",
        cr.metadata.name ?? "",
        { status },
        "status",
      );
      cr.status = updated.status ?? status;
      if (updated.metadata.resourceVersion) cr.metadata.resourceVersion = updated.metadata.resourceVersion;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async event(
    cr: WeightsAndBiases & KubeObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
  ): Promise<void> {
    const { namespace = "", name = "", uid = "" } = cr.metadata;
    const time = now();
    try {
      await this.o.kube.create(EVENTS, namespace, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: { apiVersion: API_VERSION, kind: KIND, name, namespace, uid },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: "ballast-operator" },
        reportingComponent: "ballast-operator",
        firstTimestamp: time,
        lastTimestamp: time,
        count: 1,
      });
    } catch (error) {
      this.o.log("warn", "could not record an event", {
        reason,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

function chartVersion(chart: ChartSource | undefined): string | undefined {
  if (!chart || chart.kind === "local") return undefined;
  return chart.version;
}
