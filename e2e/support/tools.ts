/**
 * The Go-built test tools (MinIO, fake-gcs-server, prom2json) may still be building when the tests
 * start: scripts/test-all.sh builds them in the background and names a status file in
 * BALLAST_GO_TOOLS_STATUS, where it writes `ok` or the build's failure. The first test that needs one
 * waits here; without the variable (a developer's machine, tools already built) nothing waits.
 */
import { existsSync, readFileSync } from "node:fs";

let ready: Promise<void> | undefined;

export function goToolsBuilt(): Promise<void> {
  ready ??= (async () => {
    const status = process.env.BALLAST_GO_TOOLS_STATUS;
    if (!status) return;
    const started = Date.now();
    while (!existsSync(status)) {
      if (Date.now() - started > 20 * 60_000)
        throw new Error(`the Go test tools were not built within 20 minutes (${status})`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const text = readFileSync(status, "utf8").trim();
    if (text !== "ok") throw new Error(`building the Go test tools failed:\n${text}`);
  })();
  return ready;
}
