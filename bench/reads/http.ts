/**
 * A minimal keep-alive HTTP client for the read benchmark: node:http straight (no fetch layer), so
 * the latency measured on loopback is the server's plus a few tens of microseconds of socket work.
 */
import { Agent, request } from "node:http";

export interface Reply {
  readonly status: number;
  readonly body: string;
  /** Wall time from sending the request to the last byte of the answer, in ms. */
  readonly ms: number;
}

export class BenchClient {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly auth: string;

  constructor(url: string, apiKey: string, sockets = 16) {
    this.base = new URL(url);
    this.auth = `Basic ${Buffer.from(`api:${apiKey}`).toString("base64")}`;
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  close(): void {
    this.agent.destroy();
  }

  send(method: "GET" | "POST", path: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const headers: Record<string, string | number> = { authorization: this.auth };
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(body);
      }
      const req = request(
        { agent: this.agent, host: this.base.hostname, port: this.base.port, path, method, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** POST /graphql; throws on a non-200 answer or GraphQL errors. */
  async graphql(query: string, variables: Record<string, unknown>): Promise<{ data: unknown; ms: number }> {
    const reply = await this.send("POST", "/graphql", JSON.stringify({ query, variables }));
    const parsed =
      reply.status === 200 ? (JSON.parse(reply.body) as { data?: unknown; errors?: unknown[] }) : {};
    if (reply.status !== 200 || (parsed.errors && parsed.errors.length > 0)) {
      throw new Error(`GraphQL answered ${reply.status}: ${reply.body.slice(0, 500)}`);
    }
    return { data: parsed.data, ms: reply.ms };
  }

  /** POST a file_stream request; throws unless the server acknowledged it. */
  async fileStream(entity: string, project: string, run: string, body: unknown): Promise<number> {
    const path = `/files/${encodeURIComponent(entity)}/${encodeURIComponent(project)}/${encodeURIComponent(run)}/file_stream`;
    const reply = await this.send("POST", path, JSON.stringify(body));
    if (reply.status !== 200)
      throw new Error(`file_stream answered ${reply.status}: ${reply.body.slice(0, 500)}`);
    return reply.ms;
  }
}
