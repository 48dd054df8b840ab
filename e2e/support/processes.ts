/** Stopping the helper processes the tests start (MinIO, Azurite, fake-gcs-server, Redis). */
import type { ChildProcess } from "node:child_process";

/**
 * SIGTERM (a clean shutdown that keeps the data), SIGKILL after `graceMs`; resolves once the
 * process has exited. A process already gone, or never started, is left alone. A paused process
 * (SIGSTOP, as the outage tests do) is resumed first so it can act on the SIGTERM.
 */
export async function stopProcess(proc: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGCONT");
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Everything a process writes to stdout and stderr, interleaved, as it arrives. */
export function collectOutput(proc: ChildProcess): () => string {
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString("utf8");
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  return () => output;
}
