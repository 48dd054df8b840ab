/**
 * Teams through the real `wandb` client's public API (wandb/apis/public/teams.py): an instance
 * admin creates a team with another user as its first admin, invites a user, makes a service
 * account and removes the member again; a plain user's attempt to create a team is refused.
 *
 * Real: server process, SQLite, the wandb client from PyPI. Mocked: nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { killScripts, runScript, setupPython } from "./support/python.ts";
import {
  makeDir,
  makeWorkspace,
  runCli,
  type ServerHandle,
  startServer,
  type Workspace,
} from "./support/server.ts";

describe("teams with wandb.Api()", () => {
  let workspace: Workspace;
  let server: ServerHandle;
  const keys: Record<string, string> = {};

  before(async () => {
    await setupPython();
    workspace = await makeWorkspace("teams-wandb");
    server = await startServer({ dataDir: workspace.dataDir, logDir: workspace.logDir });
    for (const [name, admin] of [
      ["root", true],
      ["alice", false],
      ["bob", false],
    ] as const) {
      const args = ["admin", "create-user", "--username", name, "--email", `${name}@example.com`];
      const { stdout } = await runCli([
        ...args,
        ...(admin ? ["--admin"] : []),
        "--data-dir",
        workspace.dataDir,
      ]);
      keys[name] = stdout.trim();
    }
  });
  after(async () => {
    killScripts();
    await server?.stop();
    await workspace?.dispose();
  });

  const client = async (user: string) => ({
    baseUrl: server.url,
    apiKey: keys[user] ?? "",
    dir: await makeDir(workspace, `client-${user}`),
  });

  it("an instance admin creates, fills and trims a team; the client sees every step", async () => {
    const result = await runScript<Record<string, unknown>>(
      "teams_api.py",
      ["alice", "bob"],
      await client("root"),
    );
    const out = result.result;
    assert.deepEqual(out.created, {
      name: "vision",
      isTeam: true,
      members: [{ username: "alice", admin: true, accountType: "USER", apiKey: null }],
    });
    assert.equal(out.invited, true);
    assert.equal(out.invitedAgain, false, "a second invite of a member is refused");
    assert.equal(out.invitedByEmail, true, "an email nobody has yet gets an invitation");
    assert.equal(out.invitedByEmailAgain, true, "inviting it again replaces the pending invitation");
    const pending = await fetch(`${server.url}/api/v1/invitations?team=vision`, {
      headers: { authorization: `Basic ${Buffer.from(`api:${keys.root}`).toString("base64")}` },
    });
    const { invitations } = (await pending.json()) as { invitations: { email: string; role: string }[] };
    assert.deepEqual(
      invitations.map((i) => [i.email, i.role]),
      [["newcomer@example.com", "member"]],
    );
    assert.equal(out.serviceAccount, "vision-ci-runner");
    assert.deepEqual(out.afterInvite, [
      { username: "alice", admin: true, accountType: "USER", apiKey: null },
      { username: "bob", admin: false, accountType: "USER", apiKey: null },
      { username: "vision-ci-runner", admin: false, accountType: "SERVICE", apiKey: null },
    ]);
    assert.equal(out.deleted, true);
    assert.deepEqual(
      (out.afterDelete as { username: string }[]).map((m) => m.username),
      ["alice", "vision-ci-runner"],
    );
  });

  it("a user who is not an instance admin cannot create a team, and bob no longer reads vision", async () => {
    const gql = async (user: string, query: string) => {
      const res = await fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`api:${keys[user]}`).toString("base64")}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ query }),
      });
      return (await res.json()) as {
        data?: Record<string, unknown>;
        errors?: { extensions?: { code?: string } }[];
      };
    };
    const refused = await gql(
      "bob",
      'mutation { createTeam(input: {teamName: "bobs"}) { entity { name } } }',
    );
    assert.equal(refused.errors?.[0]?.extensions?.code, "PERMISSION_DENIED", JSON.stringify(refused));
    const read = await gql("bob", '{ entity(name: "vision") { name members { username } } }');
    assert.equal(read.errors?.[0]?.extensions?.code, "PERMISSION_DENIED", JSON.stringify(read));
    const alice = await gql("alice", '{ entity(name: "vision") { isTeam members { username role } } }');
    assert.deepEqual(alice.data?.entity, {
      isTeam: true,
      members: [
        { username: "alice", role: "admin" },
        { username: "vision-ci-runner", role: "member" },
      ],
    });
  });

  it("each team change is in the audit log with its actor and address", async () => {
    const res = await fetch(`${server.url}/api/v1/audit-log?entity=vision&limit=1000`, {
      headers: { authorization: `Basic ${Buffer.from(`api:${keys.root}`).toString("base64")}` },
    });
    assert.equal(res.status, 200);
    const { entries } = (await res.json()) as {
      entries: {
        action: string;
        actor: { username: string } | null;
        target: string | null;
        address: string | null;
      }[];
    };
    const seen = entries.map((e) => `${e.action} ${e.actor?.username} ${e.target}`).reverse();
    assert.deepEqual(seen, [
      "team.created root alice",
      "team.member_added root bob",
      "invitation.created root newcomer@example.com",
      "invitation.revoked root newcomer@example.com",
      "invitation.created root newcomer@example.com",
      "service_account.created root vision-ci-runner",
      "api_key.created root vision-ci-runner",
      "team.member_removed root bob",
    ]);
    assert.ok(
      entries.every((e) => e.address !== null && e.address !== ""),
      JSON.stringify(entries),
    );
  });

  it("a deactivated user's keys stop at once and work again after reactivation; both are audited", async () => {
    const as = (user: string) => ({
      authorization: `Basic ${Buffer.from(`api:${keys[user]}`).toString("base64")}`,
    });
    const viewer = async () =>
      fetch(`${server.url}/graphql`, {
        method: "POST",
        headers: { ...as("bob"), "content-type": "application/json" },
        body: JSON.stringify({ query: "{ viewer { username } }" }),
      });
    const patch = (active: boolean) =>
      fetch(`${server.url}/api/v1/users/bob`, {
        method: "PATCH",
        headers: { ...as("root"), "content-type": "application/json" },
        body: JSON.stringify({ active }),
      });
    assert.equal((await viewer()).status, 200);
    assert.equal((await patch(false)).status, 204);
    assert.equal((await viewer()).status, 401, "the key stops with the next request");
    const viaClient = await runScript<{ username?: string; error?: string }>(
      "api_viewer.py",
      [],
      await client("bob"),
    );
    assert.ok(viaClient.result.error, `the wandb client is refused too: ${JSON.stringify(viaClient.result)}`);
    const users = (await (await fetch(`${server.url}/api/v1/users`, { headers: as("root") })).json()) as {
      users: { username: string; active: boolean }[];
    };
    assert.equal(users.users.find((u) => u.username === "bob")?.active, false);
    const self = await fetch(`${server.url}/api/v1/users/root`, {
      method: "PATCH",
      headers: { ...as("root"), "content-type": "application/json" },
      body: JSON.stringify({ active: false }),
    });
    assert.equal(self.status, 409, "an admin cannot deactivate themself");
    assert.equal((await patch(true)).status, 204);
    assert.equal((await viewer()).status, 200);
    const log = await fetch(`${server.url}/api/v1/audit-log?actor=root&limit=5`, { headers: as("root") });
    const { entries } = (await log.json()) as { entries: { action: string; target: string }[] };
    assert.deepEqual(
      entries.slice(0, 2).map((e) => `${e.action} ${e.target}`),
      ["user.reactivated bob", "user.deactivated bob"],
    );
  });
});
