import { readFileSync } from "node:fs";
import { createChannelServer } from "@ballast/operator";
import { parseOptions, UsageError } from "./usage.ts";

/** `ballast channel serve --dir D [--port N] [--host H] [--license-file F]`: a release channel. */
export async function channelCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "serve")
    throw new UsageError(`unknown channel command "${sub ?? ""}"; use: ballast channel serve --dir DIR`);
  const options = parseOptions(rest, {
    dir: { type: "string" },
    port: { type: "string" },
    host: { type: "string" },
    "license-file": { type: "string" },
  });
  if (!options.dir)
    throw new UsageError("ballast channel serve needs --dir DIR (with releases/*.json and charts/)");
  const port = Number(options.port ?? "8090");
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535 (got "${options.port}")`);
  const license = options["license-file"] ? readFileSync(options["license-file"], "utf8").trim() : undefined;
  const server = createChannelServer({ dir: options.dir, license });
  await new Promise<void>((resolve) => server.listen(port, options.host ?? "0.0.0.0", resolve));
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound ? bound.port : port;
  process.stdout.write(
    `Release channel on http://${options.host ?? "0.0.0.0"}:${boundPort} serving ${options.dir}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}
