import { loadConfig, openEmbedded } from "@ballast/server";
import { parseOptions, UsageError } from "./usage.ts";

/** Admin commands print only the new API key on stdout, so scripts can capture it. */
export async function adminCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "create-user") {
    const options = parseOptions(rest, {
      username: { type: "string" },
      email: { type: "string" },
      admin: { type: "boolean" },
      "data-dir": { type: "string" },
    });
    if (!options.username || !options.email) throw new UsageError("create-user needs --username and --email");
    const embedded = await openEmbedded(
      loadConfig({ env: process.env, flags: { dataDir: options["data-dir"] } }),
    );
    try {
      const { identity } = embedded.services;
      const user = await identity.createUser({
        username: options.username,
        email: options.email,
        isAdmin: options.admin === true,
      });
      process.stdout.write(`${await identity.createApiKey(user.id, "created with ballast admin")}\n`);
    } finally {
      embedded.close();
    }
    return 0;
  }
  if (sub === "create-api-key") {
    const options = parseOptions(rest, {
      username: { type: "string" },
      name: { type: "string" },
      "data-dir": { type: "string" },
    });
    if (!options.username) throw new UsageError("create-api-key needs --username");
    const embedded = await openEmbedded(
      loadConfig({ env: process.env, flags: { dataDir: options["data-dir"] } }),
    );
    try {
      const { identity } = embedded.services;
      const user = await identity.userByUsername(options.username);
      process.stdout.write(`${await identity.createApiKey(user.id, options.name ?? "")}\n`);
    } finally {
      embedded.close();
    }
    return 0;
  }
  throw new UsageError(`unknown admin command "${sub ?? ""}"; use create-user or create-api-key`);
}
