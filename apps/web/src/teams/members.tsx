/** A team's members: the table, and for those who manage the team adding, re-roling and removing. */
import { useState } from "react";
import {
  addMember,
  changeRole,
  removeMember,
  TEAM_ROLES,
  type TeamDetail,
  type TeamMember,
  type TeamRole,
} from "../api/teams.ts";
import { UsernameField } from "../components/account-fields.tsx";
import { ColumnHeads } from "../components/column-heads.tsx";
import { ConfirmStep } from "../components/confirm-step.tsx";
import { ErrorNote, SubmitButton } from "../components/form.tsx";
import { navigate } from "../router.tsx";
import { useSession } from "../session.tsx";
import { useAction } from "../use-action.ts";
import { RoleSelect } from "./role-select.tsx";

export function Members({ detail, reload }: { readonly detail: TeamDetail; readonly reload: () => void }) {
  const { status } = useSession();
  const me = status.kind === "ready" ? (status.session.user?.username ?? null) : null;
  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {detail.canManage ? <AddMemberForm team={detail.name} onAdded={reload} /> : null}
      <table className="keys" aria-label="Members">
        <ColumnHeads names={["Username", "Email", "Role"]} />
        <tbody>
          {detail.members.map((member) => (
            <MemberRow
              key={member.username}
              team={detail.name}
              member={member}
              canManage={detail.canManage}
              isMe={member.username === me}
              reload={reload}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function MemberRow({
  team,
  member,
  canManage,
  isMe,
  reload,
}: {
  readonly team: string;
  readonly member: TeamMember;
  readonly canManage: boolean;
  readonly isMe: boolean;
  readonly reload: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();

  const setRole = (role: TeamRole) =>
    run(async () => {
      await changeRole(team, member.username, role);
      reload();
    });

  const remove = () =>
    run(async () => {
      await removeMember(team, member.username);
      // Who leaves a team may no longer see it.
      if (isMe) navigate("/teams");
      else reload();
    });

  const removeLabel = isMe ? "Leave team" : "Remove";
  return (
    <tr data-testid="member-row" data-username={member.username}>
      <td>
        {member.username}
        {isMe ? <span className="muted"> (you)</span> : null}
      </td>
      <td>{member.email}</td>
      <td>
        {canManage ? (
          <RoleSelect
            label={`Role of ${member.username}`}
            value={member.role}
            roles={TEAM_ROLES}
            onRole={(role) => void setRole(role)}
            disabled={busy}
            visibleLabel={false}
          />
        ) : (
          member.role
        )}
      </td>
      <td className="actions">
        {canManage || isMe ? (
          confirming ? (
            <ConfirmStep
              label={isMe ? "Leave" : `Remove ${member.username}`}
              busyLabel="Removing…"
              busy={busy}
              onConfirm={() => void remove()}
              onCancel={() => setConfirming(false)}
            />
          ) : (
            <button type="button" onClick={() => setConfirming(true)}>
              {removeLabel}
            </button>
          )
        ) : null}
        <ErrorNote message={error} />
      </td>
    </tr>
  );
}

function AddMemberForm({ team, onAdded }: { readonly team: string; readonly onAdded: () => void }) {
  const [username, setUsername] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const { busy, error, submit } = useAction();

  const add = submit(async () => {
    await addMember(team, username.trim(), role);
    setUsername("");
    onAdded();
  });

  return (
    <form className="inline-form add-member" onSubmit={add} aria-label="Add member">
      <UsernameField
        value={username}
        onValue={setUsername}
        placeholder="an existing user"
        autoComplete="off"
      />
      <RoleSelect label="Role" value={role} roles={TEAM_ROLES} onRole={setRole} />
      <SubmitButton busy={busy} busyLabel="Adding…" label="Add member" />
      <ErrorNote message={error} />
    </form>
  );
}
