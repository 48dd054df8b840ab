/**
 * A small Kubernetes REST client: the handful of verbs the operator and the console use (get,
 * list, create, replace, merge-patch, delete, watch) over node:https, with the API server's own
 * errors passed through as KubeError (status, reason, message).
 */
import { readFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { KubeConfig } from "./kube-config.ts";

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  deletionTimestamp?: string;
  creationTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList<T extends KubeObject> {
  metadata: { resourceVersion?: string };
  items: T[];
}

export interface WatchEvent<T extends KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** Names a kind of resource: core (`group: ""`) or a named API group. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export const SECRETS: ResourceType = { group: "", version: "v1", plural: "secrets", namespaced: true };
export const EVENTS: ResourceType = { group: "", version: "v1", plural: "events", namespaced: true };
export const LEASES: ResourceType = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  namespaced: true,
};

export class KubeError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = "KubeError";
    this.status = status;
    this.reason = reason;
  }
}

export const isNotFound = (error: unknown): boolean => error instanceof KubeError && error.status === 404;
export const isConflict = (error: unknown): boolean => error instanceof KubeError && error.status === 409;

export function resourcePath(type: ResourceType, namespace?: string, name?: string, sub?: string): string {
  const base = type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const tail = name ? `/${encodeURIComponent(name)}${sub ? `/${sub}` : ""}` : "";
  return `${base}${ns}/${type.plural}${tail}`;
}

export class KubeClient {
  readonly config: KubeConfig;
  private readonly agent: HttpAgent;
  private readonly tls: boolean;

  constructor(config: KubeConfig) {
    this.config = config;
    this.tls = config.server.startsWith("https:");
    this.agent = this.tls
      ? new HttpsAgent({
          keepAlive: true,
          ...(config.ca ? { ca: config.ca } : {}),
          ...(config.cert ? { cert: config.cert } : {}),
          ...(config.key ? { key: config.key } : {}),
          rejectUnauthorized: config.insecureSkipTlsVerify !== true,
        })
      : new HttpAgent({ keepAlive: true });
  }

  close(): void {
    this.agent.destroy();
  }

  private token(): string | undefined {
    if (this.config.token) return this.config.token;
    if (this.config.tokenFile) return readFileSync(this.config.tokenFile, "utf8").trim();
    return undefined;
  }

  private open(
    method: string,
    path: string,
    body: unknown,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.config.server);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const token = this.token();
    const headers: Record<string, string> = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload) {
      headers["content-type"] = contentType;
      headers["content-length"] = String(payload.length);
    }
    const send = this.tls ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent, ...(signal ? { signal } : {}) }, resolve);
      req.on("error", reject);
      req.end(payload);
    });
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<T> {
    const res = await this.open(method, path, body, contentType);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      // Health endpoints answer plain text; every API object is JSON.
      const json = String(res.headers["content-type"] ?? "").includes("json");
      return (json && text ? JSON.parse(text) : text === "" ? {} : text) as T;
    }
    let reason = "Unknown";
    let message = `${method} ${path}: HTTP ${status}`;
    try {
      const parsed = JSON.parse(text) as { reason?: string; message?: string };
      reason = parsed.reason ?? reason;
      if (parsed.message) message = `${method} ${path}: ${parsed.message}`;
    } catch {
      if (text) message = `${message}: ${text.slice(0, 300)}`;
    }
    throw new KubeError(status, reason, message);
  }

  get<T extends KubeObject>(type: ResourceType, namespace: string, name: string): Promise<T> {
    return this.request<T>("GET", resourcePath(type, namespace, name));
  }

  async getOrUndefined<T extends KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(type, namespace, name);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  list<T extends KubeObject>(
    type: ResourceType,
    namespace?: string,
    labelSelector?: string,
  ): Promise<KubeList<T>> {
    const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
    return this.request<KubeList<T>>("GET", `${resourcePath(type, namespace)}${query}`);
  }

  create<T extends KubeObject>(type: ResourceType, namespace: string, object: T, dryRun = false): Promise<T> {
    const query = dryRun ? "?dryRun=All&fieldValidation=Strict" : "";
    return this.request<T>("POST", `${resourcePath(type, namespace)}${query}`, object);
  }

  replace<T extends KubeObject>(type: ResourceType, namespace: string, object: T, sub?: string): Promise<T> {
    return this.request<T>("PUT", resourcePath(type, namespace, object.metadata.name, sub), object);
  }

  patch<T extends KubeObject>(
    type: ResourceType,
    namespace: string,
    name: string,
    patch: unknown,
    sub?: string,
  ): Promise<T> {
    return this.request<T>(
      "PATCH",
      resourcePath(type, namespace, name, sub),
      patch,
      "application/merge-patch+json",
    );
  }

  async delete(type: ResourceType, namespace: string, name: string): Promise<void> {
    try {
      await this.request("DELETE", resourcePath(type, namespace, name));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  /**
   * Streams watch events from `resourceVersion` on until the server ends the watch (it does every
   * few minutes), the signal aborts, or an error. Returns the last resourceVersion seen, to resume.
   */
  async watch<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    resourceVersion: string,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
    labelSelector?: string,
  ): Promise<string> {
    const selector = labelSelector ? `&labelSelector=${encodeURIComponent(labelSelector)}` : "";
    const query = `?watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}${selector}`;
    const res = await this.open("GET", `${resourcePath(type, namespace)}${query}`, undefined, "", signal);
    if ((res.statusCode ?? 0) !== 200) {
      res.resume();
      throw new KubeError(res.statusCode ?? 0, "WatchFailed", `watch ${type.plural}: HTTP ${res.statusCode}`);
    }
    let last = resourceVersion;
    let buffered = "";
    try {
      for await (const chunk of res) {
        buffered += (chunk as Buffer).toString("utf8");
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf("\n");
          if (!line) continue;
          const event = JSON.parse(line) as WatchEvent<T>;
          if (event.type === "ERROR") {
            const status = event.object as unknown as { code?: number; reason?: string; message?: string };
            throw new KubeError(
              status.code ?? 500,
              status.reason ?? "WatchError",
              status.message ?? "watch error",
            );
          }
          if (event.object.metadata.resourceVersion) last = event.object.metadata.resourceVersion;
          if (event.type !== "BOOKMARK") onEvent(event);
        }
      }
    } catch (error) {
      if (signal.aborted) return last;
      throw error;
    }
    return last;
  }
}
