/**
 * The server package's root export: what the CLI uses to run, migrate and administer Ballast.
 */
export { ConfigError, type ConfigInput, loadConfig, type ServerConfig } from "./config.ts";
export { type Embedded, openEmbedded } from "./embedded.ts";
export { type RunningServer, startServer } from "./main.ts";
