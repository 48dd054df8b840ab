/** Client-side route patterns (used by app.tsx; kept out of router.tsx so unit tests can load it). */

/**
 * Matches `path` against a pattern such as `/:entity/:project/runs/:run`: the decoded parameters, or
 * null. A `*name` segment at the end takes the rest of the path (file paths with slashes).
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const wanted = pattern.split("/").filter(Boolean);
  const parts = path.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < wanted.length; i++) {
    const segment = wanted[i] ?? "";
    if (segment.startsWith("*")) {
      if (i >= parts.length) return null;
      params[segment.slice(1)] = parts.slice(i).map(decode).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) return null;
    if (segment.startsWith(":")) params[segment.slice(1)] = decode(part);
    else if (segment !== part) return null;
  }
  return parts.length === wanted.length ? params : null;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
