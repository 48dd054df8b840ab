/**
 * A minimal JSON client for MLflow's REST API (https://mlflow.org/docs/latest/api_reference/rest-api.html):
 * keep-alive sockets, JSON bodies, transient answers (429, 5xx — SQLite's "database is locked"
 * surfaces as a 500 when several requests write at once) retried with a short backoff and counted.
 */
import { Agent, request } from "node:http";

export interface MlflowCall<T> {
  readonly body: T;
  /** Time of the successful attempt, in ms. */
  readonly ms: number;
}

export class MlflowClient {
  private readonly agent: Agent;
  private readonly base: URL;
  /** Requests answered with 429/5xx and sent again. */
  retries = 0;

  constructor(url: string, sockets: number) {
    this.base = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  close(): void {
    this.agent.destroy();
  }

  /** POST `path` (e.g. "runs/log-batch", under /api/2.0/mlflow/) with a JSON body. */
  post<T>(path: string, payload: unknown): Promise<MlflowCall<T>> {
    return this.call<T>("POST", `/api/2.0/mlflow/${path}`, JSON.stringify(payload));
  }

  /** GET `path` with query parameters; array values repeat the parameter (run_ids=a&run_ids=b). */
  get<T>(path: string, query: Record<string, string | number | readonly string[]>): Promise<MlflowCall<T>> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (typeof value === "object") for (const v of value) params.append(key, v);
      else params.append(key, String(value));
    }
    return this.call<T>("GET", `/api/2.0/mlflow/${path}?${params.toString()}`, undefined);
  }

  private async call<T>(method: string, path: string, body: string | undefined): Promise<MlflowCall<T>> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const reply = await this.once(method, path, body);
      const ms = performance.now() - started;
      if (reply.status === 200) return { body: JSON.parse(reply.body) as T, ms };
      const transient = reply.status === 429 || reply.status >= 500;
      if (!transient || attempt >= 20) {
        throw new Error(
          `MLflow ${method} ${path.split("?")[0]}: HTTP ${reply.status} ${reply.body.slice(0, 300)}`,
        );
      }
      this.retries++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
    }
  }

  private once(
    method: string,
    path: string,
    body: string | undefined,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.base.hostname,
          port: this.base.port,
          path,
          method,
          headers:
            body === undefined
              ? {}
              : { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}

/** MLflow's documented log-batch limits (mlflow/utils/validation.py; REST docs "Request Limits"). */
export const LOG_BATCH_LIMITS = {
  /** At most 1000 metrics per request. */
  metrics: 1_000,
  /** At most 100 params (and 100 tags) per request. */
  params: 100,
  /** At most 1000 metrics + params + tags in total per request. */
  entities: 1_000,
} as const;

export interface MlflowMetric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

/** Creates an experiment and returns its id. */
export async function createExperiment(client: MlflowClient, name: string): Promise<string> {
  const { body } = await client.post<{ experiment_id: string }>("experiments/create", { name });
  return body.experiment_id;
}

/** Creates a run in `experimentId` and returns its id. */
export async function createRun(
  client: MlflowClient,
  experimentId: string,
  runName: string,
): Promise<MlflowCall<string>> {
  const { body, ms } = await client.post<{ run: { info: { run_id: string } } }>("runs/create", {
    experiment_id: experimentId,
    run_name: runName,
    start_time: Date.now(),
  });
  return { body: body.run.info.run_id, ms };
}

/** Marks a run FINISHED (what `mlflow.end_run()` sends). */
export async function finishRun(client: MlflowClient, runId: string): Promise<void> {
  await client.post("runs/update", { run_id: runId, status: "FINISHED", end_time: Date.now() });
}

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight. */
export async function inParallel(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}
