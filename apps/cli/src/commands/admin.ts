import { loadConfig, openEmbedded } from "@ballast/server";
import { parseOptions, UsageError } from "./usage.ts";

/** Admin commands print only the new API key on stdout, so scripts can capture it (set-password prints nothing there). */
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
  if (sub === "set-password") {
    const options = parseOptions(rest, {
      username: { type: "string" },
      "data-dir": { type: "string" },
    });
    if (!options.username)
      throw new UsageError("set-password needs --username (the password is read from stdin)");
    // Read before opening the store: a typo'd pipe fails fast, and the password never sits in argv.
    const password = await readPasswordFromStdin();
    const embedded = await openEmbedded(
      loadConfig({ env: process.env, flags: { dataDir: options["data-dir"] } }),
    );
    try {
      const user = await embedded.services.auth.setPassword(options.username, password);
      process.stderr.write(`Password set for "${user.username}"; its web sessions were signed out.\n`);
    } finally {
      embedded.close();
    }
    return 0;
  }
  throw new UsageError(
    `unknown admin command "${sub ?? ""}"; use create-user, create-api-key or set-password`,
  );
}

/**
 * The password: stdin's first line (without its line ending), so `echo pw | ballast …` and a
 * here-string both work. At a terminal the prompt goes to stderr; the typed text is echoed (Node has no
 * portable no-echo read), so pipe it in when someone may be watching.
 */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Password (then Enter, or Ctrl-D): ");
  let text = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) {
    text += chunk as string;
    if (process.stdin.isTTY && text.includes("\n")) break;
  }
  const line = text.split(/\r?\n/, 1)[0] ?? "";
  if (line === "") throw new UsageError("set-password read no password from stdin");
  return line;
}
