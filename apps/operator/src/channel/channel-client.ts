/**
 * The release channel: where the operator learns which chart version and image tags to run
 * (reference/deployment-spec.md §1.5). `GET {base}/api/v1/operator/channel`, or
 * `…/channel/release/{id}` when the console pinned a release (`_releaseId`), with the license as
 * HTTP basic auth (user `license`). Up to five attempts, 2 s apart, 30 s each.
 */

import type { Spec } from "@ballast/deploy";
import { decodeChart, isObject, type Json, type Values } from "@ballast/deploy";

export interface ChannelOptions {
  readonly baseUrl: string;
  readonly license?: string | undefined;
  readonly releaseId?: string | undefined;
  readonly attempts?: number;
  readonly retryDelayMs?: number;
  readonly timeoutMs?: number;
}

export class ChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChannelError";
  }
}

export function channelUrl(baseUrl: string, releaseId?: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  return releaseId
    ? `${base}/api/v1/operator/channel/release/${encodeURIComponent(releaseId)}`
    : `${base}/api/v1/operator/channel`;
}

/** Checks a channel document's shape; throws ChannelError naming what is wrong. */
export function specFromChannelDocument(doc: Json): Spec {
  if (!isObject(doc)) throw new ChannelError("the channel answered something other than a JSON object");
  const values = doc.values ?? {};
  if (!isObject(values)) throw new ChannelError("the channel's values must be a JSON object");
  const decoded = decodeChart(doc.chart);
  if (decoded && "problem" in decoded) throw new ChannelError(`the channel's ${decoded.problem}`);
  const metadata: Record<string, string> = {};
  if (isObject(doc.metadata)) for (const [k, v] of Object.entries(doc.metadata)) metadata[k] = String(v);
  return {
    chart: doc.chart ?? null,
    values: values as Values,
    metadata: isObject(doc.metadata) ? metadata : null,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function fetchChannelSpec(options: ChannelOptions): Promise<Spec> {
  const url = channelUrl(options.baseUrl, options.releaseId);
  const attempts = options.attempts ?? 5;
  const headers: Record<string, string> = { accept: "application/json", "content-type": "application/json" };
  if (options.license) {
    headers.authorization = `Basic ${Buffer.from(`license:${options.license}`).toString("base64")}`;
  }
  let lastProblem = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
      const text = await res.text();
      if (res.status === 200) {
        let doc: Json;
        try {
          doc = JSON.parse(text) as Json;
        } catch {
          throw new ChannelError(`${url} answered 200 with a body that is not JSON`);
        }
        return specFromChannelDocument(doc);
      }
      lastProblem = `HTTP ${res.status}${res.status === 401 || res.status === 403 ? " (is the license valid?)" : ""}`;
    } catch (error) {
      if (error instanceof ChannelError) throw error;
      lastProblem =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
    }
    if (attempt < attempts) await sleep(options.retryDelayMs ?? 2000);
  }
  throw new ChannelError(`release channel ${url} unreachable after ${attempts} attempts: ${lastProblem}`);
}
