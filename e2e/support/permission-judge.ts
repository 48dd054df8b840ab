/**
 * How the permission matrix (e2e/permission-matrix.e2e.test.ts) judges an attempt. It answers
 * `allow` or `deny` from what the server answered, then, for a write, from what it left behind (read
 * back with the instance admin's key): a refused write that changed something counts as allowed, and
 * an accepted one that changed nothing is a problem. A denial must be a PERMISSION_DENIED /
 * ENTITY_NOT_FOUND / PROJECT_NOT_FOUND answer with a message (a GraphQL error, or HTTP 401/403/404),
 * never a server fault; anything else is a problem too.
 */
import { at } from "./api.ts";
import { type PermissionWorld, PROJECT, type Principal, type Target } from "./permission-world.ts";
import type { Reply } from "./security-fixture.ts";

export type Verdict = "allow" | "deny";

export interface Attempt {
  readonly verdict: Verdict;
  /** What was answered, for the printed matrix (an error code, a status). */
  readonly detail: string;
  /** What was wrong beyond the verdict: a 5xx, an unknown error code, a leftover, a broken URL. */
  readonly problems: string[];
}

export interface Operation {
  readonly name: string;
  attempt(world: PermissionWorld, p: Principal, t: Target): Promise<Attempt>;
}

const DENIAL_CODES = new Set(["PERMISSION_DENIED", "ENTITY_NOT_FOUND", "PROJECT_NOT_FOUND"]);
const DENIAL_STATUSES = new Set([401, 403, 404]);

export type Check = (value: unknown) => Promise<string | undefined> | string | undefined;

export function errorCode(reply: Reply): string {
  return String(at(reply.body, "errors", 0, "extensions", "code") ?? at(reply.body, "error", "code") ?? "");
}

function errorMessage(reply: Reply): string {
  const message = at(reply.body, "errors", 0, "message") ?? at(reply.body, "error", "message");
  return typeof message === "string" ? message : "";
}

/** Checks common to every refusal: a known code, a message, not a server fault. */
export function denial(reply: Reply, problems: string[]): Attempt {
  const code = errorCode(reply);
  if (reply.status >= 500) problems.push(`HTTP ${reply.status}`);
  if (!DENIAL_CODES.has(code))
    problems.push(`refused with ${code || "no code"}: ${reply.text.slice(0, 200)}`);
  if (errorMessage(reply).length < 10) problems.push(`no clear message: ${reply.text.slice(0, 200)}`);
  return { verdict: "deny", detail: code || String(reply.status), problems };
}

/** A GraphQL answer: errors → deny (and `data.<field>` must be null), else allow if `check` passes. */
export async function graphql(reply: Reply, field: string, check?: Check): Promise<Attempt> {
  const problems: string[] = [];
  if (at(reply.body, "errors") !== undefined) {
    const data = at(reply.body, "data", field);
    if (data !== null && data !== undefined) problems.push(`refused but data.${field} was answered`);
    return denial(reply, problems);
  }
  const wrong = reply.status === 200 ? await check?.(at(reply.body, "data", field)) : `HTTP ${reply.status}`;
  if (wrong) problems.push(wrong);
  return { verdict: "allow", detail: "ok", problems };
}

/** A JSON-route answer: `okStatus` → allow (if `check` passes); a 401/403/404 refusal → deny. */
export async function rest(reply: Reply, okStatus: number, check?: Check): Promise<Attempt> {
  if (reply.status === okStatus) {
    const wrong = await check?.(reply.body);
    return { verdict: "allow", detail: String(reply.status), problems: wrong ? [wrong] : [] };
  }
  const problems = DENIAL_STATUSES.has(reply.status) ? [] : [`status ${reply.status}`];
  return denial(reply, problems);
}

/** Reconciles the answer with what the write left behind (`happened`, read back as root). */
export async function write(answer: Attempt, happened: () => Promise<boolean>): Promise<Attempt> {
  const changed = await happened();
  if (answer.verdict === "deny" && changed) {
    return {
      verdict: "allow",
      detail: `${answer.detail}+leftover`,
      problems: [...answer.problems, "refused, but the write happened"],
    };
  }
  if (answer.verdict === "allow" && !changed) {
    return { ...answer, problems: [...answer.problems, "accepted, but nothing changed"] };
  }
  return answer;
}

/** Uses a signed URL as the client would (no credentials); a problem unless it answers 200. */
export async function useUrl(
  w: PermissionWorld,
  url: unknown,
  method: "GET" | "PUT",
  body = "",
): Promise<string | undefined> {
  if (typeof url !== "string" || !url.includes("/storage/")) return `no signed URL: ${String(url)}`;
  const reply = await w.send(undefined, w.local(url), method === "PUT" ? { method, body } : {});
  if (reply.status !== 200) return `${method} signed URL → ${reply.status} ${reply.text.slice(0, 200)}`;
  return undefined;
}

// ---- read back as the instance admin -----------------------------------------------------------

export async function runAsRoot(
  w: PermissionWorld,
  t: Target,
  run: string,
  project = PROJECT,
): Promise<Record<string, unknown> | null> {
  const reply = await w.gql(
    w.keys.root,
    `query($e: String!, $p: String!, $r: String!) { project(name: $p, entityName: $e) { run(name: $r) {
      name displayName tags historyLineCount
      inputArtifacts { edges { node { id } } }
      files(first: 100) { edges { node { name } } } } } }`,
    { e: t, p: project, r: run },
  );
  const found = at(reply.body, "data", "project", "run");
  return found && typeof found === "object" ? (found as Record<string, unknown>) : null;
}

export async function teamAsRoot(w: PermissionWorld, t: Target) {
  const reply = await w.send(w.keys.root, `/api/v1/teams/${t}`);
  if (reply.status !== 200) throw new Error(`root cannot read team ${t}: ${reply.text}`);
  const members = (at(reply.body, "members") ?? []) as { username: string; role: string }[];
  const accounts = (at(reply.body, "serviceAccounts") ?? []) as { username: string }[];
  return { members, accounts };
}

export const names = (edges: unknown): string[] =>
  Array.isArray(edges) ? edges.map((edge) => String(at(edge, "node", "name") ?? at(edge, "node", "id"))) : [];
