/**
 * Invitations by email, for a team's managers (team page) or, with `team` null, for instance admins
 * (users page): the invite form, what came of it (emailed; a link to pass on when the server has no
 * SMTP; kept for a resend when the mail server is down), and the pending ones with Resend and Revoke.
 */
import { useCallback, useState } from "react";
import { ApiError } from "../api/client.ts";
import {
  type Invitation,
  inviteByEmail,
  listInvitations,
  resendInvitation,
  revokeInvitation,
  type SentInvitation,
} from "../api/invitations.ts";
import { TEAM_ROLES, type TeamRole } from "../api/teams.ts";
import { EmailField } from "../components/account-fields.tsx";
import { ColumnHeads } from "../components/column-heads.tsx";
import { ConfirmStep } from "../components/confirm-step.tsx";
import { ErrorNote, SubmitButton } from "../components/form.tsx";
import { Loaded } from "../components/loaded.tsx";
import { absoluteTime, isoTime, relativeTime } from "../format.ts";
import { useAction } from "../use-action.ts";
import { useLoad } from "../use-load.ts";
import { InvitationOutcome, type Outcome } from "./invitation-outcome.tsx";
import { RoleSelect } from "./role-select.tsx";

type Send = (action: () => Promise<SentInvitation>) => Promise<void>;

export function Invitations({ team }: { readonly team: string | null }) {
  const load = useCallback(() => listInvitations(team), [team]);
  const { state, reload } = useLoad(load);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  // Both the form and Resend end here. A 503 means the mail server failed after the invitation was
  // stored: it is pending (listed below) and can be resent, so that is an outcome, not a failure.
  const send: Send = async (action) => {
    setOutcome(null);
    try {
      const sent = await action();
      setOutcome(
        sent.link === undefined ? { kind: "emailed", sent } : { kind: "link", sent, link: sent.link },
      );
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 503)) throw error;
      setOutcome({ kind: "kept", message: error.message });
    } finally {
      reload();
    }
  };

  return (
    <section className="card" aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <p className="muted">
        {team === null
          ? "Invite someone to this server by email: the link lets them create their account. Invitations to a team are made on the team's page."
          : "Invite someone by email: the link lets them create an account (or, when signed in, join as themselves) and join the team with the role chosen."}
      </p>
      <InviteForm team={team} send={send} />
      {outcome === null ? null : <InvitationOutcome outcome={outcome} onDismiss={() => setOutcome(null)} />}
      <h3>Pending invitations</h3>
      <Loaded state={state} what="invitations">
        {({ invitations }) => (
          <PendingTable invitations={invitations} showTeam={team === null} send={send} reload={reload} />
        )}
      </Loaded>
    </section>
  );
}

function InviteForm({ team, send }: { readonly team: string | null; readonly send: Send }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const { busy, error, submit } = useAction();

  const invite = submit(async () => {
    await send(() => inviteByEmail(email.trim(), team, role));
    setEmail("");
  });

  return (
    <form className="inline-form invite-form" onSubmit={invite} aria-label="Invite by email">
      <EmailField value={email} onValue={setEmail} placeholder="name@example.com" autoComplete="off" />
      {/* Roles are per team: an invitation to the instance alone makes a plain user. */}
      {team === null ? null : <RoleSelect label="Role" value={role} roles={TEAM_ROLES} onRole={setRole} />}
      <SubmitButton busy={busy} busyLabel="Inviting…" label="Invite" />
      <ErrorNote message={error} />
    </form>
  );
}

function PendingTable({
  invitations,
  showTeam,
  send,
  reload,
}: {
  readonly invitations: readonly Invitation[];
  readonly showTeam: boolean;
  readonly send: Send;
  readonly reload: () => void;
}) {
  if (invitations.length === 0) return <p className="muted">No pending invitations.</p>;
  return (
    <table className="keys" aria-label="Pending invitations">
      <ColumnHeads
        names={
          showTeam ? ["Email", "Team", "Role", "Invited", "Expires"] : ["Email", "Role", "Invited", "Expires"]
        }
      />
      <tbody>
        {invitations.map((invitation) => (
          <InvitationRow
            key={invitation.id}
            invitation={invitation}
            showTeam={showTeam}
            send={send}
            reload={reload}
          />
        ))}
      </tbody>
    </table>
  );
}

function InvitationRow({
  invitation,
  showTeam,
  send,
  reload,
}: {
  readonly invitation: Invitation;
  readonly showTeam: boolean;
  readonly send: Send;
  readonly reload: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const { busy, error, run } = useAction();

  const resend = () => run(() => send(() => resendInvitation(invitation.id)));
  const revoke = () =>
    run(async () => {
      await revokeInvitation(invitation.id);
      reload();
    });

  return (
    <tr data-testid="invitation-row" data-email={invitation.email}>
      <td>{invitation.email}</td>
      {showTeam ? <td>{invitation.team ?? <span className="muted">—</span>}</td> : null}
      <td>{invitation.role}</td>
      <td>
        <time dateTime={isoTime(invitation.createdAt)} title={absoluteTime(invitation.createdAt)}>
          {relativeTime(invitation.createdAt)}
        </time>
        {invitation.invitedBy === null ? null : <span className="muted"> by {invitation.invitedBy}</span>}
      </td>
      <td>
        <time dateTime={isoTime(invitation.expiresAt)}>{absoluteTime(invitation.expiresAt)}</time>
      </td>
      <td className="actions">
        {confirming ? (
          <ConfirmStep
            label={`Revoke invitation of ${invitation.email}`}
            busyLabel="Revoking…"
            busy={busy}
            onConfirm={() => void revoke()}
            onCancel={() => setConfirming(false)}
          />
        ) : (
          <>
            <button type="button" disabled={busy} onClick={() => void resend()}>
              {busy ? "Sending…" : "Resend"}
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(true)}>
              Revoke
            </button>
          </>
        )}
        <ErrorNote message={error} />
      </td>
    </tr>
  );
}
