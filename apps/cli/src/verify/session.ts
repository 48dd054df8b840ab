import { CheckFailure, describeReply, type HttpReply, request } from "./http.ts";

/** Project the checks write their runs and artifacts to (kept apart from real work). */
export const VERIFY_PROJECT = "ballast-verify";

export interface GraphqlReply {
  readonly reply: HttpReply;
  readonly data: Record<string, unknown> | null;
  readonly errors: readonly { message: string }[];
}

/** One verify run against one server: its base URL, the key, timeouts and the run-id prefix. */
export class Session {
  readonly host: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  /** Per-invocation prefix, so runs of repeated `ballast verify` calls never collide. */
  readonly prefix: string;
  /** The viewer's entity, known once the login check passed. */
  entity = "";

  constructor(host: string, apiKey: string, timeoutMs: number) {
    this.host = host.replace(/\/+$/, "");
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
    this.prefix = Math.random().toString(36).slice(2, 10).padEnd(8, "0");
  }

  runName(check: string): string {
    return `${this.prefix}-${check}`;
  }

  get authorization(): string {
    return `Basic ${Buffer.from(`api:${this.apiKey}`).toString("base64")}`;
  }

  /** POST /graphql; answers whatever came back (status, data, errors) for the caller to judge. */
  async graphql(
    query: string,
    variables: Record<string, unknown> = {},
    timeoutMs = this.timeoutMs,
  ): Promise<GraphqlReply> {
    const reply = await request(`${this.host}/graphql`, {
      method: "POST",
      headers: { authorization: this.authorization, "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
      timeoutMs,
    });
    let parsed: { data?: Record<string, unknown> | null; errors?: { message: string }[] } = {};
    try {
      parsed = JSON.parse(reply.body.toString("utf8")) as typeof parsed;
    } catch {
      // a proxy's HTML error page, say: judged by status below
    }
    return { reply, data: parsed.data ?? null, errors: parsed.errors ?? [] };
  }

  /** The data of a GraphQL call that must succeed; anything else is a `CheckFailure` naming `step`. */
  async graphqlData(
    step: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const { reply, data, errors } = await this.graphql(query, variables);
    if (reply.status !== 200) throw new CheckFailure(`${step} failed: ${describeReply(reply)}`);
    if (errors.length > 0) {
      throw new CheckFailure(`${step} failed: ${errors.map((error) => error.message).join("; ")}`);
    }
    if (!data) throw new CheckFailure(`${step} failed: the answer has no data.`);
    return data;
  }

  /** POST /files/<entity>/<project>/<run>/file_stream with `body`; must answer 200. */
  async fileStream(run: string, body: unknown): Promise<void> {
    const path = [this.entity, VERIFY_PROJECT, run].map(encodeURIComponent).join("/");
    const reply = await request(`${this.host}/files/${path}/file_stream`, {
      method: "POST",
      headers: { authorization: this.authorization, "content-type": "application/json" },
      body: JSON.stringify(body),
      timeoutMs: this.timeoutMs,
    });
    if (reply.status !== 200)
      throw new CheckFailure(`file_stream for run ${run} failed: ${describeReply(reply)}`);
  }

  /** Marks a check's run finished, so it does not linger as "running" (and later "crashed"). */
  async finishRun(run: string): Promise<void> {
    await this.fileStream(run, { complete: true, exitcode: 0 });
  }

  /** Creates (or updates) run `name` in the verify project. */
  async createRun(name: string, config: Record<string, unknown> = {}): Promise<void> {
    await this.graphqlData(
      "upsertBucket",
      `mutation UpsertBucket($name: String, $project: String, $entity: String, $config: JSONString) {
        upsertBucket(input: {name: $name, modelName: $project, entityName: $entity, config: $config}) {
          bucket { id name } } }`,
      {
        name,
        project: VERIFY_PROJECT,
        entity: this.entity,
        // The Python client wraps each config value as {"value": …}; do the same.
        config: JSON.stringify(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v }]))),
      },
    );
  }
}

/** `value[path[0]][path[1]]…`, or undefined as soon as a step is missing. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}
