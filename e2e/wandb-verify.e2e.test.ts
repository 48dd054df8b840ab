/**
 * `wandb verify --host <ballast>` with the real client (wandb/sdk/verify/verify.py, wandb 0.31):
 * every check line passes except the two https warnings, which `wandb verify` prints as ❌ over plain
 * http without failing the exit code. Non-interactive: the key comes from WANDB_API_KEY, HOME is the
 * client's own. On failure the workspace is kept; the client's logs are under
 * `<client dir>/tmp/tmpXXXX/wandb/` (verify chdirs into a temp dir) and the server's under `logs/`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useClientSuite } from "./support/client-suite.ts";
import { runWandbCli } from "./support/python.ts";

/** In the order `wandb verify` runs them (wandb/cli/cli.py: verify). */
const EXPECTED: readonly [label: string, mark: "\u2705" | "\u274c"][] = [
  ["Checking if logged in", "\u2705"],
  ["Checking signed URL upload", "\u2705"],
  ["Checking ability to send large payloads through proxy", "\u2705"],
  // Warnings only: the base URL and the signed URLs are http here.
  ["Checking requests to base url", "\u274c"],
  ["Checking requests made over signed URLs", "\u274c"],
  ["Checking CORs configuration of the bucket", "\u2705"],
  ["Checking wandb package version is up to date", "\u2705"],
  ["Checking logged metrics, saving and downloading a file", "\u2705"],
  ["Checking artifact save and download workflows", "\u2705"],
  ["Checking sweep creation and agent execution", "\u2705"],
];

describe("wandb verify (real client)", () => {
  const suite = useClientSuite("wandb-verify");

  it("passes every check but the two https warnings, and exits 0", { timeout: 900_000 }, () =>
    suite.tracked(async () => {
      const client = await suite.client("verify");
      const result = await runWandbCli(["verify", "--host", client.baseUrl], client, 600_000);
      const output = `exit ${result.code ?? result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr.slice(-20_000)}`;
      // Each check prints its label padded with dots to 72 columns, then the mark (verify.py).
      const lines = result.stdout.split("\n");
      const marks = EXPECTED.map(([label]) => {
        const line = lines.find((text) => text.startsWith(`${label}.`));
        return line === undefined ? "(missing)" : line.slice(72, 73);
      });
      assert.deepEqual(
        EXPECTED.map(([label], i) => `${label}: ${marks[i]}`),
        EXPECTED.map(([label, mark]) => `${label}: ${mark}`),
        output,
      );
      assert.doesNotMatch(result.stderr, /Traceback/, output);
      assert.equal(result.code, 0, output);
    }),
  );
});
