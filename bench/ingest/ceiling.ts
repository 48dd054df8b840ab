/**
 * The ceiling: a node:http server that reads every request body to the end and drops it, answering
 * `{}` (and UpsertBucket with a plausible run, so the same generator drives it). Whatever rate the
 * generator reaches against it is the most any server can get out of this machine with this
 * generator: HTTP, body transfer and the generator's own cost, and nothing else.
 *
 * Run as a child process (`node bench/ingest/ceiling.ts --serve`) so it has its own event loop and
 * its CPU and RSS are measured like a real server's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { stopChild } from "../lib/ballast-server.ts";
import { waitForLine } from "../lib/child.ts";

const UPSERT_REPLY = (name: string) =>
  JSON.stringify({
    data: {
      upsertBucket: {
        bucket: {
          id: Buffer.from(`Run:1:${name}`).toString("base64"),
          name,
          displayName: name,
          historyLineCount: 0,
          project: { id: "UHJvamVjdDox", name: "bench", entity: { id: "RW50aXR5OjE=", name: "bench" } },
        },
        inserted: true,
      },
    },
  });

function serve(): void {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const isGraphql = req.url === "/graphql";
    req.on("data", (chunk: Buffer) => {
      if (isGraphql) chunks.push(chunk); // only the tiny GraphQL bodies are kept, to echo the run name
    });
    req.on("end", () => {
      let body = "{}";
      if (isGraphql) {
        const name = /"name":"([^"]*)"/.exec(Buffer.concat(chunks).toString("utf8"))?.[1] ?? "run";
        body = UPSERT_REPLY(name);
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`ceiling listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
}

export interface CeilingServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startCeiling(): Promise<CeilingServer> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const match = await waitForLine(child, /ceiling listening on (http:\/\/\S+)/, 30_000, "ceiling server");
  if (child.pid === undefined) throw new Error("ceiling server has no pid");
  return { url: match[1] ?? "", pid: child.pid, stop: () => stopChild(child) };
}

if (import.meta.main && process.argv.includes("--serve")) serve();
