import { reporter } from "../verify/report.ts";
import { runVerify } from "../verify/verify.ts";
import { parseOptions, UsageError } from "./usage.ts";

/** `ballast verify --host URL [--api-key KEY] [--timeout SECONDS]`; exits 1 when a check fails. */
export async function verifyCommand(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    host: { type: "string" },
    "api-key": { type: "string" },
    timeout: { type: "string" },
  });
  const host = options.host ?? process.env.WANDB_BASE_URL;
  if (!host) throw new UsageError("verify needs --host URL (or WANDB_BASE_URL)");
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new UsageError(`--host ${JSON.stringify(host)} is not a URL; e.g. https://ballast.example.com`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--host must be an http:// or https:// URL (got ${url.protocol})`);
  }
  const seconds = Number(options.timeout ?? "30");
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError("--timeout must be a positive number of seconds");
  return runVerify(
    { host, apiKey: options["api-key"], timeoutMs: seconds * 1000, env: process.env },
    reporter((text) => process.stdout.write(text), process.stdout.isTTY === true),
  );
}
