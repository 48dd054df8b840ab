/**
 * Where the app chart comes from: `spec.chart` of the resource, the console's user input or the
 * release channel. Three shapes, tried in W&B's order (reference/deployment-spec.md §1.1): a local
 * path, an OCI reference, a classic Helm repository. Unlike W&B's operator, a chart object that
 * matches none is reported with the reason instead of silently becoming "no chart".
 */
import { isObject, type Json } from "./values.ts";

export interface CredentialSecret {
  readonly name: string;
  readonly usernameKey: string;
  readonly passwordKey: string;
}

interface Credentials {
  readonly username?: string;
  readonly password?: string;
  readonly credentialSecret?: CredentialSecret;
}

export type ChartSource =
  | { readonly kind: "local"; readonly path: string }
  | ({
      readonly kind: "oci";
      readonly url: string;
      readonly version?: string;
      readonly plainHttp: boolean;
    } & Credentials)
  | ({
      readonly kind: "repo";
      readonly url: string;
      readonly name: string;
      readonly version?: string;
    } & Credentials);

export type Decoded = { readonly chart: ChartSource } | { readonly problem: string };

const text = (value: Json | undefined): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

function credentialsOf(raw: { [key: string]: Json }): Credentials | { problem: string } {
  const out: { username?: string; password?: string; credentialSecret?: CredentialSecret } = {};
  const username = text(raw.username);
  const password = text(raw.password);
  if (username) out.username = username;
  if (password) out.password = password;
  if (raw.credentialSecret !== undefined && raw.credentialSecret !== null) {
    const secret = raw.credentialSecret;
    if (!isObject(secret) || !text(secret.name)) {
      return {
        problem:
          "chart.credentialSecret needs a name (the Secret holding the registry's username and password)",
      };
    }
    out.credentialSecret = {
      name: text(secret.name) ?? "",
      usernameKey: text(secret.usernameKey) ?? "HELM_USERNAME",
      passwordKey: text(secret.passwordKey) ?? "HELM_PASSWORD",
    };
  }
  return out;
}

/** Decodes a chart object; `undefined`/`null` means "no chart in this layer". */
export function decodeChart(raw: Json | undefined): Decoded | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw))
    return { problem: "chart must be an object: {path}, {url: oci://…, version} or {url, name, version}" };
  if (Object.keys(raw).length === 0) return undefined;
  const path = text(raw.path);
  if (path) return { chart: { kind: "local", path } };
  const url = text(raw.url);
  if (!url)
    return {
      problem: "chart needs a path (a chart directory or .tgz) or a url (oci://… or a Helm repository)",
    };
  const credentials = credentialsOf(raw);
  if ("problem" in credentials) return credentials;
  const version = text(raw.version);
  if (url.startsWith("oci://")) {
    if ((credentials.username === undefined) !== (credentials.password === undefined)) {
      return { problem: "chart: give both username and password for the OCI registry, or neither" };
    }
    const tagged = /:[^/]+$|@sha256:/.test(url.slice("oci://".length));
    if (!version && !tagged)
      return { problem: `chart.version is required for ${url} (or put the tag in the url)` };
    return {
      chart: {
        kind: "oci",
        url,
        ...(version ? { version } : {}),
        plainHttp: raw.plainHTTP === true,
        ...credentials,
      },
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {
      problem: `chart.url "${url}" is not a URL; write https://charts.example.com or oci://registry/path`,
    };
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return { problem: `chart.url "${url}" must start with https://, http:// or oci://` };
  }
  const name = text(raw.name);
  if (!name) return { problem: `chart.name is required with a Helm repository url (${url})` };
  return { chart: { kind: "repo", url, name, ...(version ? { version } : {}), ...credentials } };
}

/** The chart as JSON again, for the state Secrets and the console. */
export function encodeChart(chart: ChartSource): Json {
  const { kind, ...rest } = chart;
  const out: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined || (kind === "oci" && key === "plainHttp" && value === false)) continue;
    out[key === "plainHttp" ? "plainHTTP" : key] = value as Json;
  }
  return out;
}

/** A short human description, never with credentials. */
export function describeChart(chart: ChartSource): string {
  switch (chart.kind) {
    case "local":
      return chart.path;
    case "oci":
      return `${chart.url}${chart.version ? `:${chart.version}` : ""}`;
    case "repo":
      return `${chart.name} ${chart.version ?? "(latest)"} from ${chart.url}`;
  }
}
