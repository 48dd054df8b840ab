/**
 * A real Azurite (Microsoft's Azure Storage emulator, from npm) for the Azure object-store tests:
 * its Blob service started per test file on a random free loopback port with a fresh data dir, one
 * storage account with a random key, and one container. Azurite checks Shared Key signatures and
 * SAS signatures, permissions and expiry like Azure does.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BlobServiceClient, type ContainerClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import { freePort } from "./ports.ts";
import { stopProcess } from "./processes.ts";

export interface Azurite {
  /** `127.0.0.1:<port>`, for BUCKET=az://<host>/<account>/<container>. */
  readonly host: string;
  readonly account: string;
  readonly accountKey: string;
  readonly containerName: string;
  /** Clients on the account key, for looking behind the store's back. */
  readonly service: BlobServiceClient;
  readonly container: ContainerClient;
  /** Stops the emulator, keeping its data; `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its data dir. */
  dispose(): Promise<void>;
}

const AZURITE_BLOB = createRequire(import.meta.url).resolve("azurite/dist/src/blob/main.js");

export async function startAzurite(options: { containerName?: string } = {}): Promise<Azurite> {
  const dataDir = await mkdtemp(join(tmpdir(), "ballast-azurite-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const account = `ballast${randomBytes(4).toString("hex")}`;
  const accountKey = randomBytes(64).toString("base64");
  const containerName = options.containerName ?? "ballast-test";
  let child: ChildProcess | undefined;
  let output = "";

  const start = async () => {
    output = "";
    const proc = spawn(
      process.execPath,
      [
        AZURITE_BLOB,
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        String(port),
        "--location",
        dataDir,
        "--silent",
        "--disableTelemetry",
        "--disableProductStyleUrl",
        // The SDK signs with a newer service version than the emulator knows; the requests are the same.
        "--skipApiVersionCheck",
      ],
      {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AZURITE_ACCOUNTS: `${account}:${accountKey}` },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child = proc;
    proc.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    proc.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`Azurite exited (${proc.exitCode}):\n${output}`);
      if (output.includes("successfully listens")) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    proc.kill("SIGKILL");
    throw new Error(`Azurite did not start listening within 30 s:\n${output}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopProcess(proc);
  };

  await start();
  const service = new BlobServiceClient(
    `http://${host}/${account}`,
    new StorageSharedKeyCredential(account, accountKey),
  );
  const container = service.getContainerClient(containerName);
  try {
    await container.create();
  } catch (error) {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    host,
    account,
    accountKey,
    containerName,
    service,
    container,
    stop,
    start,
    async dispose() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
