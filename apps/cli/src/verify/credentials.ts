import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface KeySource {
  readonly key: string;
  /** Where the key came from, for the login hint ("--api-key", "WANDB_API_KEY", "~/.netrc"). */
  readonly from: string;
}

/**
 * The API key the way the W&B clients find it: the flag, then WANDB_API_KEY, then the `~/.netrc`
 * entry `wandb login --host` writes for the host (machine `host:port`, or the bare host name).
 */
export function findApiKey(
  host: string,
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): KeySource | undefined {
  if (flag) return { key: flag, from: "--api-key" };
  if (env.WANDB_API_KEY) return { key: env.WANDB_API_KEY, from: "WANDB_API_KEY" };
  const home = env.HOME;
  if (!home) return undefined;
  const path = env.NETRC ?? join(home, ".netrc");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const url = new URL(host);
  const password = netrcPassword(text, [url.host, url.hostname]);
  return password ? { key: password, from: path } : undefined;
}

/** The password of the first `machine` among `machines` (in order of preference), else `default`. */
export function netrcPassword(text: string, machines: readonly string[]): string | undefined {
  const tokens = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join(" ")
    .split(/\s+/)
    .filter(Boolean);
  const entries = new Map<string, string>();
  let current: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === "machine") current = tokens[++i];
    else if (token === "default") current = "";
    else if (token === "password" && current !== undefined) {
      const value = tokens[++i];
      if (value !== undefined && !entries.has(current)) entries.set(current, value);
    }
  }
  for (const machine of machines) {
    const found = entries.get(machine);
    if (found) return found;
  }
  return entries.get("");
}
