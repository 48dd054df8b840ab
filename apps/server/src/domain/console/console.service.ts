/**
 * The management console's model (`/console`): the deployment's active spec — chart, version,
 * merged values with every secret masked, and which layer each value came from — and the
 * user-input layer admins edit. Run by the operator (BALLAST_CONSOLE_RESOURCE set), it reads the
 * `WeightsAndBiases` resource and its state Secrets and writes `<name>-spec-user`, which the
 * operator watches and applies; the chart's Role lets the app's service account do exactly that.
 * Standalone, the user-input layer is kept in the server's own settings and shown beside the
 * configuration the server runs with; there is no operator to apply it.
 */
import { AppError } from "@ballast/core";
import {
  activeSecretName,
  type Condition,
  cachedReleaseSecretName,
  desiredSpec,
  isObject,
  type Json,
  KubeClient,
  type KubeObject,
  loadKubeConfig,
  MASK,
  MergeError,
  maskJson,
  maskValues,
  SECRETS,
  type Spec,
  specEqual,
  specFromSecretData,
  userSecretName,
  type Values,
  WEIGHTS_AND_BIASES,
  type WeightsAndBiases,
} from "@ballast/deploy";
import type { ServerConfig } from "../../config.ts";
import type { IdentityRepository } from "../../stores/repositories.ts";

export interface ConsoleView {
  readonly mode: "operator" | "standalone";
  readonly resource: {
    readonly namespace: string;
    readonly name: string;
    readonly phase: string | null;
    readonly version: string | null;
    readonly message: string | null;
    readonly generation: number;
    readonly observedGeneration: number | null;
    readonly conditions: readonly Condition[];
  } | null;
  /** The chart last applied (credentials masked). */
  readonly chart: Json;
  /** The release channel's metadata of the last applied spec (release id, name, date). */
  readonly release: Record<string, string> | null;
  /** Merged values last applied, secrets masked. */
  readonly values: Values;
  /** Dotted path → the layer it came from: release channel, console, resource, operator defaults. */
  readonly origins: Record<string, string>;
  /** The console's own layer, secrets masked; a masked value sent back unchanged keeps the stored one. */
  readonly userValues: Values;
  /** The merged result differs from what the operator applied last (it is about to apply it). */
  readonly pending: boolean;
}

interface Secret extends KubeObject {
  data?: Record<string, string>;
}

const STANDALONE_SETTING = "console.user-values";

export class ConsoleService {
  private readonly config: ServerConfig;
  private readonly identity: IdentityRepository;
  private kube: KubeClient | undefined;

  constructor(config: ServerConfig, identity: IdentityRepository) {
    this.config = config;
    this.identity = identity;
  }

  private client(): KubeClient {
    if (!this.kube) {
      try {
        this.kube = new KubeClient(loadKubeConfig(this.config.identity.console.kubernetes));
      } catch (error) {
        throw new AppError(
          "UNAVAILABLE",
          `The console cannot reach Kubernetes: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return this.kube;
  }

  close(): void {
    this.kube?.close();
  }

  async view(): Promise<ConsoleView> {
    const resource = this.config.identity.console.resource;
    if (!resource) return this.standaloneView();
    const { namespace, name } = resource;
    const kube = this.client();
    const [cr, user, active, cached] = await Promise.all([
      this.kubeCall(() => kube.get<WeightsAndBiases & KubeObject>(WEIGHTS_AND_BIASES, namespace, name)),
      this.readSpec(namespace, userSecretName(name)),
      this.readSpec(namespace, activeSecretName(name)),
      this.readSpec(namespace, cachedReleaseSecretName(name)),
    ]);
    const userSpec = user ?? { chart: null, values: {}, metadata: null };
    const operatorNamespace =
      active?.values.global && isObject(active.values.global) && isObject(active.values.global.operator)
        ? String(active.values.global.operator.namespace ?? "")
        : "";
    let origins: Record<string, string> = {};
    let pending = false;
    try {
      const desired = desiredSpec({
        resource: { chart: cr.spec?.chart ?? null, values: (cr.spec?.values ?? {}) as Values },
        user: userSpec,
        channel: cached ?? null,
        operatorNamespace,
      });
      origins = desired.origins;
      pending = active ? !specEqual(active, desired.spec) : true;
    } catch {
      pending = true;
    }
    return {
      mode: "operator",
      resource: {
        namespace,
        name,
        phase: cr.status?.phase ?? null,
        version: cr.status?.version ?? null,
        message: cr.status?.message ?? null,
        generation: cr.metadata.generation ?? 0,
        observedGeneration: cr.status?.observedGeneration ?? null,
        conditions: cr.status?.conditions ?? [],
      },
      chart: maskJson(active?.chart ?? null),
      release: active?.metadata ?? null,
      values: maskValues(active?.values ?? {}),
      origins,
      userValues: maskValues(userSpec.values),
      pending,
    };
  }

  /** Replaces the console's layer; masked leaves keep their stored values. Returns the new view. */
  async setUserValues(input: unknown): Promise<ConsoleView> {
    if (!isObject(input as Json))
      throw new AppError("INVALID_ARGUMENT", "values must be a JSON object (Helm values).");
    const resource = this.config.identity.console.resource;
    if (!resource) {
      const stored = await this.standaloneUserValues();
      const values = unmask(input as Values, stored, "");
      await this.identity.setSetting(STANDALONE_SETTING, JSON.stringify(values));
      return this.standaloneView();
    }
    const { namespace, name } = resource;
    const kube = this.client();
    const secretName = userSecretName(name);
    const [cr, current, cached] = await Promise.all([
      this.kubeCall(() => kube.get<WeightsAndBiases & KubeObject>(WEIGHTS_AND_BIASES, namespace, name)),
      this.readSpec(namespace, secretName),
      this.readSpec(namespace, cachedReleaseSecretName(name)),
    ]);
    if (!current) {
      throw new AppError(
        "UNAVAILABLE",
        `Secret ${namespace}/${secretName} does not exist yet; the operator creates it on its first reconcile. Retry shortly.`,
      );
    }
    const values = unmask(input as Values, current.values, "");
    try {
      desiredSpec({
        resource: { chart: cr.spec?.chart ?? null, values: (cr.spec?.values ?? {}) as Values },
        user: { ...current, values },
        channel: cached ?? null,
        operatorNamespace: "",
      });
    } catch (error) {
      if (error instanceof MergeError) throw new AppError("INVALID_ARGUMENT", error.message);
      throw error;
    }
    const b64 = Buffer.from(JSON.stringify(values)).toString("base64");
    await this.kubeCall(() => kube.patch(SECRETS, namespace, secretName, { data: { values: b64 } }));
    return this.view();
  }

  private async standaloneUserValues(): Promise<Values> {
    const text = await this.identity.getSetting(STANDALONE_SETTING);
    const parsed = text ? (JSON.parse(text) as Json) : {};
    return isObject(parsed) ? parsed : {};
  }

  private async standaloneView(): Promise<ConsoleView> {
    const c = this.config;
    const values: Values = {
      global: {
        host: c.publicUrl ?? null,
        license: c.license ?? null,
        mysql: c.mysql
          ? { host: c.mysql.host, port: c.mysql.port, database: c.mysql.database, user: c.mysql.user }
          : null,
        bucket: c.bucket
          ? { provider: c.bucket.provider, name: "bucket" in c.bucket ? c.bucket.bucket : null }
          : null,
        redis: c.cache.redis ? { host: c.cache.redis.host, port: c.cache.redis.port } : null,
        auth: { sessionLengthHours: c.sessionLengthHours },
      },
    };
    const origins: Record<string, string> = {};
    const walk = (v: Values, path: string): void => {
      for (const [k, value] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        if (isObject(value)) walk(value, at);
        else if (value !== null) origins[at] = "server environment";
      }
    };
    walk(values, "");
    return {
      mode: "standalone",
      resource: null,
      chart: null,
      release: null,
      values: maskValues(values),
      origins,
      userValues: maskValues(await this.standaloneUserValues()),
      pending: false,
    };
  }

  private async readSpec(namespace: string, name: string): Promise<Spec | undefined> {
    const secret = await this.kubeCall(() => this.client().getOrUndefined<Secret>(SECRETS, namespace, name));
    return secret ? specFromSecretData(name, secret.data) : undefined;
  }

  /** Kubernetes errors as the console's callers should see them: never a 4xx for an outage. */
  private async kubeCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const status = (error as { status?: number }).status;
      const message = error instanceof Error ? error.message : String(error);
      if (status === 403)
        throw new AppError("INTERNAL", `The console's service account may not do this: ${message}`);
      if (status === 404) throw new AppError("NOT_FOUND", message);
      throw new AppError("UNAVAILABLE", `Kubernetes did not answer: ${message}`);
    }
  }
}

/**
 * Puts stored values back where the console sent the mask: the console shows secrets as "********",
 * so saving a form unchanged must not overwrite a password with asterisks.
 */
export function unmask(input: Values, stored: Values, path: string): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(input)) {
    const at = path ? `${path}.${key}` : key;
    const before = stored[key];
    if (value === MASK) {
      if (typeof before !== "string") {
        throw new AppError(
          "INVALID_ARGUMENT",
          `${at} is "${MASK}" but no value is stored there to keep; write the value itself.`,
        );
      }
      out[key] = before;
    } else if (isObject(value)) {
      out[key] = unmask(value, isObject(before) ? before : {}, at);
    } else {
      out[key] = value;
    }
  }
  return out;
}
