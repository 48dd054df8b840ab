/**
 * The team-management operations of the permission matrix (e2e/permission-matrix.e2e.test.ts),
 * through the JSON routes of api/teams.handler.ts: the policy's `manage`, which only a team's admins
 * and instance admins hold.
 */
import { at } from "./api.ts";
import { errorCode, type Operation, rest, teamAsRoot, write } from "./permission-judge.ts";

export const TEAM_OPERATIONS: Operation[] = [
  {
    name: "team:add member",
    attempt: async (w, p, t) =>
      write(
        await rest(
          await w.json(w.keys[p], "POST", `/api/v1/teams/${t}/members`, {
            username: `x-${p}-${t}`,
            role: "viewer",
          }),
          201,
        ),
        async () => (await teamAsRoot(w, t)).members.some((m) => m.username === `x-${p}-${t}`),
      ),
  },
  {
    name: "team:change role",
    attempt: async (w, p, t) =>
      write(
        await rest(
          await w.json(w.keys[p], "PATCH", `/api/v1/teams/${t}/members/c-${p}-${t}`, { role: "member" }),
          204,
        ),
        async () =>
          (await teamAsRoot(w, t)).members.some((m) => m.username === `c-${p}-${t}` && m.role === "member"),
      ),
  },
  {
    name: "team:create service account",
    attempt: async (w, p, t) =>
      write(
        await rest(
          await w.json(w.keys[p], "POST", `/api/v1/teams/${t}/service-accounts`, {
            name: `sa-${p}-${t}`,
            role: "viewer",
          }),
          201,
        ),
        async () => (await teamAsRoot(w, t)).accounts.some((a) => a.username === `sa-${p}-${t}`),
      ),
  },
  {
    name: "team:create sa key",
    attempt: async (w, p, t) => {
      const path = `/api/v1/teams/${t}/service-accounts/${w.seeds[t].serviceAccount}/api-keys`;
      return write(await rest(await w.json(w.keys[p], "POST", path, { name: `k-${p}` }), 201), async () => {
        const listed = at((await w.send(w.keys.root, path)).body, "keys");
        return Array.isArray(listed) && listed.some((key) => at(key, "name") === `k-${p}`);
      });
    },
  },
  {
    name: "team:remove member",
    attempt: async (w, p, t) =>
      write(
        await rest(await w.json(w.keys[p], "DELETE", `/api/v1/teams/${t}/members/r-${p}-${t}`), 204),
        async () => !(await teamAsRoot(w, t)).members.some((m) => m.username === `r-${p}-${t}`),
      ),
  },
  {
    name: "team:list sa keys",
    attempt: async (w, p, t) =>
      rest(
        await w.send(w.keys[p], `/api/v1/teams/${t}/service-accounts/${w.seeds[t].serviceAccount}/api-keys`),
        200,
        (body) => (Array.isArray(at(body, "keys")) ? undefined : `keys: ${JSON.stringify(body)}`),
      ),
  },
  {
    name: "team:delete service account",
    attempt: async (w, p, t) =>
      write(
        await rest(await w.json(w.keys[p], "DELETE", `/api/v1/teams/${t}/service-accounts/d-${p}-${t}`), 204),
        async () => !(await teamAsRoot(w, t)).accounts.some((a) => a.username === `d-${p}-${t}`),
      ),
  },
  {
    // The teams hold projects, so even their admins get FAILED_PRECONDITION: the permission check
    // passed. The test deletes an empty team for real separately.
    name: "team:delete",
    attempt: async (w, p, t) => {
      const reply = await w.json(w.keys[p], "DELETE", `/api/v1/teams/${t}`);
      if (reply.status === 409 && errorCode(reply) === "FAILED_PRECONDITION") {
        return { verdict: "allow", detail: "409", problems: [] };
      }
      if (reply.status === 204)
        return { verdict: "allow", detail: "204", problems: ["a team with projects was deleted"] };
      return rest(reply, 409);
    },
  },
];
