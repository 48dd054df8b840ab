/**
 * A load generator speaking the W&B logging protocol the way wandb-core does
 * (docs/wandb-protocol.md; client: core/internal/filestream/): per run, one `UpsertBucket` over
 * POST /graphql, then POST /files/{entity}/{project}/{run}/file_stream requests carrying
 * `wandb-history.jsonl` lines at increasing offsets plus the whole current summary, one request in
 * flight per run, the next sent as soon as the previous one is acknowledged (the client waits up
 * to 15 s to batch; a generator that never waits measures the server, not the client's timer).
 * The last request carries `complete` and `exitcode`. Transient answers (429, 5xx) are retried
 * after their Retry-After, as the client does, and counted.
 */
import { Agent, request } from "node:http";
import { latencySummary } from "../lib/stats.ts";
import type { IngestResult, Workload } from "../lib/types.ts";

export interface IngestTarget {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly apiKey: string;
  readonly entity: string;
  readonly project: string;
}

export interface GeneratorOutcome {
  readonly points: number;
  readonly lines: number;
  readonly seconds: number;
  readonly requests: number;
  readonly retries: number;
  readonly bytes: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number } | null;
}

/** The UpsertBucket document trimmed to what a run start needs (the client's asks for more fields). */
const UPSERT_BUCKET = `mutation UpsertBucket($id: String, $name: String, $project: String, $entity: String, $displayName: String, $config: JSONString) {
  upsertBucket(input: {id: $id, name: $name, modelName: $project, entityName: $entity, displayName: $displayName, config: $config}) {
    bucket { id name displayName historyLineCount project { id name entity { id name } } }
    inserted
  }
}`;

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly retryAfterSeconds: number;
}

class Client {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly auth: string;
  retries = 0;

  constructor(url: string, apiKey: string, sockets: number) {
    this.base = new URL(url);
    this.auth = `Basic ${Buffer.from(`api:${apiKey}`).toString("base64")}`;
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  close(): void {
    this.agent.destroy();
  }

  private once(path: string, body: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          path,
          method: "POST",
          headers: {
            authorization: this.auth,
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              retryAfterSeconds: Number(res.headers["retry-after"] ?? 1) || 1,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** POSTs `body`, retrying transient answers; resolves with the final reply and its latency. */
  async post(path: string, body: string): Promise<{ reply: Reply; ms: number }> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const reply = await this.once(path, body);
      const ms = performance.now() - started;
      const transient = reply.status === 429 || reply.status >= 500;
      if (!transient || attempt >= 20) return { reply, ms };
      this.retries++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(reply.retryAfterSeconds, 5) * 1000));
    }
  }
}

/** A deterministic, non-repeating float for metric `k` at `step` (like a noisy training curve). */
function metricValue(k: number, step: number): number {
  const x = step + 1;
  return (k + 1) / Math.sqrt(x) + 0.01 * Math.sin(x * 0.37 + k * 1.7) + k * 1e-9 * x;
}

/** History lines `from`..`to`-1 as the client writes them: metrics, then _timestamp, _runtime, _step. */
export function historyLines(workload: Workload, from: number, to: number, startedAt: number): string[] {
  const lines: string[] = [];
  for (let step = from; step < to; step++) {
    const row: Record<string, number> = {};
    for (let k = 0; k < workload.metricsPerStep; k++) row[`metric_${k}`] = metricValue(k, step);
    const runtime = step * 0.01;
    row._timestamp = startedAt + runtime;
    row._runtime = runtime;
    row._step = step;
    lines.push(JSON.stringify(row));
  }
  return lines;
}

function summaryLine(lastLine: string, runtime: number): string {
  const summary = JSON.parse(lastLine) as Record<string, unknown>;
  summary._wandb = { runtime: Math.floor(runtime) };
  return JSON.stringify(summary);
}

function check(reply: Reply, what: string): void {
  if (reply.status !== 200) throw new Error(`${what}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`);
}

/** Streams one run from UpsertBucket to `complete`; returns request latencies in ms. */
async function streamRun(
  client: Client,
  target: IngestTarget,
  workload: Workload,
  runName: string,
  counters: { requests: number; bytes: number },
): Promise<number[]> {
  const upsert = await client.post(
    "/graphql",
    JSON.stringify({
      query: UPSERT_BUCKET,
      variables: {
        id: null,
        name: runName,
        project: target.project,
        entity: target.entity,
        displayName: runName,
        config: JSON.stringify({ lr: { value: 0.001 }, batch_size: { value: 64 } }),
      },
    }),
  );
  check(upsert.reply, `UpsertBucket ${runName}`);
  const upserted = JSON.parse(upsert.reply.body) as { data?: { upsertBucket?: unknown }; errors?: unknown };
  if (!upserted.data?.upsertBucket) throw new Error(`UpsertBucket ${runName}: ${upsert.reply.body}`);

  const path = `/files/${encodeURIComponent(target.entity)}/${encodeURIComponent(target.project)}/${encodeURIComponent(runName)}/file_stream`;
  const startedAt = Date.now() / 1000;
  const latencies: number[] = [];
  for (let offset = 0; offset < workload.stepsPerRun; offset += workload.linesPerRequest) {
    const end = Math.min(workload.stepsPerRun, offset + workload.linesPerRequest);
    const content = historyLines(workload, offset, end, startedAt);
    const last = content[content.length - 1] ?? "{}";
    const done = end === workload.stepsPerRun;
    const body = JSON.stringify({
      files: {
        "wandb-history.jsonl": { offset, content },
        "wandb-summary.json": { offset: 0, content: [summaryLine(last, (end - 1) * 0.01)] },
      },
      ...(done ? { complete: true, exitcode: 0 } : {}),
    });
    const { reply, ms } = await client.post(path, body);
    check(reply, `file_stream ${runName} offset ${offset}`);
    latencies.push(ms);
    counters.requests++;
    counters.bytes += body.length;
  }
  return latencies;
}

/** Drives `workload.runs` runs at once against `target` and measures them end to end. */
export async function generateIngest(
  target: IngestTarget,
  workload: Workload,
  runPrefix = "bench",
): Promise<GeneratorOutcome> {
  const client = new Client(target.url, target.apiKey, workload.runs);
  const counters = { requests: 0, bytes: 0 };
  const started = performance.now();
  try {
    const perRun = await Promise.all(
      Array.from({ length: workload.runs }, (_, i) =>
        streamRun(client, target, workload, `${runPrefix}-${i}`, counters),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const lines = workload.runs * workload.stepsPerRun;
    return {
      points: lines * workload.metricsPerStep,
      lines,
      seconds,
      requests: counters.requests,
      retries: client.retries,
      bytes: counters.bytes,
      latencyMs: latencySummary(perRun.flat()),
    };
  } finally {
    client.close();
  }
}

/** An IngestResult from a generator outcome and the server's measured usage. */
export function ingestResult(
  system: string,
  outcome: GeneratorOutcome,
  usage: { cpuSeconds: number; peakRssMb: number } | null,
  notes?: string,
): IngestResult {
  const parts = [notes, outcome.retries > 0 ? `${outcome.retries} retried requests (429/5xx)` : undefined]
    .filter((p): p is string => p !== undefined && p !== "")
    .join("; ");
  return {
    system,
    points: outcome.points,
    seconds: outcome.seconds,
    pointsPerSecond: outcome.points / outcome.seconds,
    requests: outcome.requests,
    latencyMs: outcome.latencyMs,
    cpuSeconds: usage?.cpuSeconds ?? null,
    peakRssMb: usage?.peakRssMb ?? null,
    ...(parts ? { notes: parts } : {}),
  };
}
