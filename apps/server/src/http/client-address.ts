import type { IncomingMessage } from "node:http";

/**
 * The client's address for the sign-in limits and the audit log: the last X-Forwarded-For entry
 * when there is one (the one the nearest proxy — the ingress or load balancer in front of Ballast —
 * appended), else the socket's peer. Without a proxy a client can forge the header and dodge the per-address limit, but
 * not the per-username one.
 */
export function clientAddress(req: IncomingMessage): string | undefined {
  const forwarded = req.headers["x-forwarded-for"];
  const last = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? ""))
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .at(-1);
  return last ?? req.socket.remoteAddress;
}
