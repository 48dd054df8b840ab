/**
 * `ballast`: one command for the server and its administration.
 *
 *   ballast server   [--port N] [--data-dir D] [--host URL]
 *   ballast migrate  [--data-dir D]
 *   ballast admin create-user    --username U --email E [--admin] [--data-dir D]
 *   ballast admin create-api-key --username U [--name N] [--data-dir D]
 *   ballast admin set-password   --username U [--data-dir D]   (password on stdin)
 *   ballast verify   --host URL [--api-key K] [--timeout S]
 *   ballast operator [--deployer-channel-url URL] [--airgapped] [--leader-elect] …
 *   ballast channel serve --dir D [--port N]
 */
import { ConfigError } from "@ballast/server";
import { adminCommand } from "./commands/admin.ts";
import { channelCommand } from "./commands/channel.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { operatorCommand } from "./commands/operator.ts";
import { serverCommand } from "./commands/server.ts";
import { UsageError } from "./commands/usage.ts";
import { verifyCommand } from "./commands/verify.ts";

const USAGE = `Usage:
  ballast server   [--port N] [--data-dir DIR] [--host URL]   start the server (embedded SQLite + local disk)
  ballast migrate  [--data-dir DIR]                          apply database migrations
  ballast admin create-user --username U --email E [--admin] [--data-dir DIR]
                                                             create a user; prints only its API key
  ballast admin create-api-key --username U [--name N] [--data-dir DIR]
                                                             create another API key; prints only the key
  ballast admin set-password --username U [--data-dir DIR]  set the web sign-in password, read from stdin
                                                             (first line); ends the user's web sessions
  ballast verify --host URL [--api-key KEY] [--timeout SECONDS]
                                                             check a running server end to end over HTTP
                                                             (key: --api-key, WANDB_API_KEY or ~/.netrc)
  ballast operator [--deployer-channel-url URL | --airgapped] [--isolation-namespaces NS,…]
                   [--leader-elect] [--health-probe-bind-address :8081] [--metrics-bind-address :8080]
                   [--reconcile-frequency 1h]
                                                             run the Kubernetes operator for WeightsAndBiases
                                                             resources (in cluster, or with KUBECONFIG)
  ballast channel serve --dir DIR [--port 8090] [--host H] [--license-file F]
                                                             serve a release channel (DIR/releases/*.json)
                                                             and a Helm repository (DIR/charts/)
Environment: PORT, HOST (public base URL), BALLAST_DATA_DIR (default ./data),
  BALLAST_SESSION_LENGTH_HOURS (web sign-in lifetime, default 720).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "server":
      return serverCommand(rest);
    case "migrate":
      return migrateCommand(rest);
    case "admin":
      return adminCommand(rest);
    case "verify":
      return verifyCommand(rest);
    case "operator":
      return operatorCommand(rest);
    case "channel":
      return channelCommand(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`ballast: ${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError) {
      process.stderr.write(`ballast: ${error.message}\n`);
      process.exitCode = 78;
    } else if (error instanceof Error && error.name === "AppError") {
      process.stderr.write(`ballast: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `ballast: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
