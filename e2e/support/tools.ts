/**
 * Test tools that may still be building when the tests start: scripts/test-all.sh builds them in
 * the background and names, in an environment variable, a status file where it writes `ok` or the
 * build's failure (BALLAST_GO_TOOLS_STATUS for MinIO, fake-gcs-server and prom2json,
 * BALLAST_TERRAFORM_TOOLS_STATUS for hclfmt, checkov and the provider schemas). The first test that needs them waits
 * here; without the variable (a developer's machine, tools already built) nothing waits.
 */
import { existsSync, readFileSync } from "node:fs";

const ready = new Map<string, Promise<void>>();

/** Waits (up to MINUTES) for the build whose status file ENV_NAME names; LABEL names it in errors. */
export function toolsBuilt(envName: string, label: string, minutes = 20): Promise<void> {
  let waiting = ready.get(envName);
  if (waiting === undefined) {
    waiting = (async () => {
      const status = process.env[envName];
      if (!status) return;
      const started = Date.now();
      while (!existsSync(status)) {
        if (Date.now() - started > minutes * 60_000)
          throw new Error(`${label} were not built within ${minutes} minutes (${status})`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const text = readFileSync(status, "utf8").trim();
      if (text !== "ok") throw new Error(`building ${label} failed:\n${text}`);
    })();
    ready.set(envName, waiting);
  }
  return waiting;
}

export function goToolsBuilt(): Promise<void> {
  return toolsBuilt("BALLAST_GO_TOOLS_STATUS", "the Go test tools");
}
