import type { IncomingMessage, ServerResponse } from "node:http";

export type Params = Readonly<Record<string, string>>;
export type Handler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => Promise<void>;

interface Route {
  readonly method: string;
  /** The path as registered (`/files/:entity/:project/:run/file_stream`): the metrics' route label. */
  readonly path: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
}

/**
 * A small method + path router. Patterns use `:name` for one segment and `*name` for the rest of
 * the path; segments are percent-decoded once, after matching, so an encoded `/` never splits one.
 */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split("/")
      .map((segment) => {
        if (segment.startsWith(":")) {
          names.push(segment.slice(1));
          return "([^/]+)";
        }
        if (segment.startsWith("*")) {
          names.push(segment.slice(1));
          return "(.+)";
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    this.routes.push({ method, path, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** The handler for a request, `"method"` when the path exists under another method, or undefined. */
  match(
    method: string,
    pathname: string,
  ): { handler: Handler; params: Params; route: string } | "method" | undefined {
    let pathExists = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      if (route.method !== method && !(method === "HEAD" && route.method === "GET")) {
        pathExists = true;
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = found[i + 1] ?? "";
      });
      return { handler: route.handler, params, route: route.path };
    }
    return pathExists ? "method" : undefined;
  }
}
