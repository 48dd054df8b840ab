/** Addresses of the artifact pages and byte sizes for display. Pure (unit-tested next to this file). */

const seg = encodeURIComponent;

export const artifactsRoute = (entity: string, project: string) =>
  `/${seg(entity)}/${seg(project)}/artifacts`;

export const collectionRoute = (p: { entity: string; project: string; type: string; collection: string }) =>
  `${artifactsRoute(p.entity, p.project)}/${seg(p.type)}/${seg(p.collection)}`;

export const versionRoute = (p: {
  entity: string;
  project: string;
  type: string;
  collection: string;
  version: string;
}) => `${collectionRoute(p)}/${seg(p.version)}`;

export const runRoute = (r: { entity: string; project: string; name: string }) =>
  `/${seg(r.entity)}/${seg(r.project)}/runs/${seg(r.name)}`;

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

/** 1 KB = 1000 B, as file browsers and the W&B UI show sizes; "—" for an unknown size. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/**
 * A signed link to Ballast's own object store (`…/storage/<key>?…&signature=…`) as a same-origin
 * path. The server signs absolute URLs on its public URL (what the W&B clients need), which may
 * name another host than the one the browser uses (localhost vs 127.0.0.1, an internal name behind
 * a proxy); this app is served by the same server, so the path reaches the same handler, stays
 * within the page's `img-src 'self'`, and lets `<a download>` work. Other URLs pass unchanged.
 */
export function storageHref(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.pathname.startsWith("/storage/") && parsed.searchParams.has("signature"))
    return `${parsed.pathname}${parsed.search}`;
  return url;
}
