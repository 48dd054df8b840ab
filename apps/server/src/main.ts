import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.ts";
import type { ServerConfig } from "./config.ts";
import { openEmbedded } from "./embedded.ts";
import { Readiness } from "./ops/readiness.ts";
import { ServerMetrics } from "./ops/server-metrics.ts";

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly publicUrl: string;
  /** Set when this start created the first admin: the line to paste, printed once. */
  readonly firstLogin: string | undefined;
  /**
   * Set while no user has a password: the one-time token that lets the first visitor of the web UI
   * create the first admin (docs/auth.md). Printed at start; each start makes a new one.
   */
  readonly setupToken: string | undefined;
  /**
   * Stops the server: /readyz answers 503 from the start; with `drainMs`, it keeps serving that long
   * (load balancers see the 503 and move traffic away); then it stops listening, lets requests in
   * flight finish for up to `graceMs` (default 0: none), and closes what is left.
   */
  close(options?: { readonly drainMs?: number; readonly graceMs?: number }): Promise<void>;
}

/** Starts `ballast server` on the embedded default. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  // Bind first: with --port 0 the public URL (used in signed URLs) depends on the port we get.
  let handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> = async (_req, res) => {
    res.writeHead(503, { "retry-after": "1" }).end();
  };
  const server: Server = createServer(
    { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 65_000 },
    (req, res) => {
      void handle(req, res);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.listenHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const publicUrl = config.publicUrl ?? `http://localhost:${port}`;
  let embedded: Awaited<ReturnType<typeof openEmbedded>>;
  try {
    embedded = await openEmbedded(config, publicUrl);
  } catch (error) {
    // Nothing may keep the process alive after a failed start (it would hang, listening, unready).
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  const { services } = embedded;

  let firstLogin: string | undefined;
  if ((await services.stores.identity.countUsers()) === 0) {
    const admin = await services.identity.createUser({
      username: "admin",
      email: "admin@localhost",
      isAdmin: true,
    });
    const key = await services.identity.createApiKey(admin.id, "first start");
    await services.audit.record({
      action: "user.created",
      actor: null,
      target: admin.username,
      detail: { method: "first-start", admin: true },
    });
    firstLogin = key;
  }
  const setupToken = await services.auth.prepareSetup();

  const readiness = new Readiness(embedded.readiness);
  const metrics = new ServerMetrics({
    ...(embedded.database.metrics.files ? { databaseFiles: embedded.database.metrics.files } : {}),
    ...(embedded.database.metrics.pool ? { pool: embedded.database.metrics.pool } : {}),
    queue: { depth: () => services.stores.jobs.depth(Date.now()), uploads: () => services.uploads.counts },
    ...(services.stores.cache ? { cache: services.stores.cache.stats.bind(services.stores.cache) } : {}),
  });
  handle = createApp(services, embedded.signer, {
    readiness,
    metrics,
    metricsEnabled: config.metricsEnabled,
  });

  const sweeper = setInterval(() => {
    services.runs
      .markSilentRunsCrashed()
      .catch((error: unknown) => console.error("crash sweep failed:", error));
  }, 30_000);
  sweeper.unref();
  // Records uploads made straight to the bucket (S3); with local disk it finds no jobs.
  services.uploads.start();
  embedded.storage.start(services);
  // Every replica runs it; the lease in the settings table lets one export at a time.
  services.auditExport.start(config.auditExportIntervalSeconds);

  const hostShown = config.listenHost === "0.0.0.0" ? "127.0.0.1" : config.listenHost;
  return {
    url: `http://${hostShown}:${port}`,
    publicUrl,
    port,
    firstLogin,
    setupToken,
    close: async (options = {}) => {
      // /readyz answers 503 from here on, for any request still arriving on an open connection.
      readiness.startDraining();
      if ((options.drainMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.drainMs));
      clearInterval(sweeper);
      await services.uploads.stop();
      await services.auditExport.stop();
      await embedded.storage.stop();
      await new Promise<void>((resolve) => {
        // Idle keep-alive connections close now; busy ones after their response (or the grace time).
        const grace = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 0);
        server.close(() => {
          clearTimeout(grace);
          resolve();
        });
        server.closeIdleConnections();
      });
      metrics.close();
      embedded.close();
    },
  };
}
