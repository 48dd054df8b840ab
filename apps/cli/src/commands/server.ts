import { loadConfig, startServer } from "@ballast/server";
import { parseOptions } from "./usage.ts";

export async function serverCommand(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    port: { type: "string" },
    "data-dir": { type: "string" },
    host: { type: "string" },
  });
  const config = loadConfig({
    env: process.env,
    flags: { port: options.port, dataDir: options["data-dir"], host: options.host },
  });
  const server = await startServer(config);
  process.stdout.write(
    `Ballast listening on ${server.url} (public URL ${server.publicUrl}, data in ${config.dataDir})\n`,
  );
  // How people sign in and whether mail goes out (docs/auth.md), so a wrong setup shows at once.
  const { oidc, ldap, smtp } = config.identity;
  const ways = ["passwords", oidc && `single sign-on with ${oidc.issuer}`, ldap && `LDAP at ${ldap.address}`];
  process.stdout.write(
    `Web sign-in: ${ways.filter(Boolean).join(", ")}; email ${smtp ? `through ${smtp.host}:${smtp.port}` : "off (invitation links are shown to the admin who invites)"}.\n`,
  );
  if (server.firstLogin) {
    process.stdout.write(
      `\nCreated the first user "admin". Its API key is shown only this once. Log in with:\n\n  wandb login --host ${server.publicUrl} ${server.firstLogin}\n\n`,
    );
  }
  if (server.setupToken) {
    process.stdout.write(
      `Web sign-in: no user has a password yet. Open ${server.publicUrl}/ and create the first admin with this one-time setup token:\n\n  ${server.setupToken}\n\n(Choosing the name "admin" gives that existing user a password; \`ballast admin set-password --username admin\` does the same from stdin.)\n\n`,
    );
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      const drainMs = config.shutdownDrainSeconds * 1000;
      process.stdout.write(
        drainMs > 0
          ? `Received ${signal}; not ready, shutting down in ${config.shutdownDrainSeconds} s.\n`
          : `Received ${signal}; shutting down.\n`,
      );
      // Requests in flight get up to 10 s to finish (a file_stream write, an upload).
      server.close({ drainMs, graceMs: 10_000 }).then(resolve, resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}
