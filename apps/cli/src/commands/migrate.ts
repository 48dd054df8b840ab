import { loadConfig, openEmbedded } from "@ballast/server";
import { parseOptions } from "./usage.ts";

export async function migrateCommand(args: string[]): Promise<number> {
  const options = parseOptions(args, { "data-dir": { type: "string" } });
  const config = loadConfig({ env: process.env, flags: { dataDir: options["data-dir"] } });
  const embedded = await openEmbedded(config);
  embedded.close();
  process.stdout.write(`Migrations applied to ${embedded.database.label}\n`);
  return 0;
}
