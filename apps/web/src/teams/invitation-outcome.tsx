/** What came of an invitation or a resend: emailed, a link to pass on, or kept for a later resend. */
import type { ReactNode } from "react";
import type { SentInvitation } from "../api/invitations.ts";
import { CopyableSecret } from "../components/copyable-secret.tsx";
import { absoluteTime } from "../format.ts";

export type Outcome =
  | { readonly kind: "emailed"; readonly sent: SentInvitation }
  /** The server has no SMTP: nothing was mailed, the inviter passes the link on. */
  | { readonly kind: "link"; readonly sent: SentInvitation; readonly link: string }
  /** 503: the mail server failed; the invitation is stored and pending. */
  | { readonly kind: "kept"; readonly message: string };

export function InvitationOutcome({
  outcome,
  onDismiss,
}: {
  readonly outcome: Outcome;
  readonly onDismiss: () => void;
}) {
  const done = (
    <button type="button" className="link-button" onClick={onDismiss}>
      Done
    </button>
  );
  if (outcome.kind === "kept") {
    return (
      <div className="card invitation-outcome" role="alert" aria-label="Invitation not sent">
        <p className="error">{outcome.message}</p>
        <p className="hint">
          The invitation is kept (see Pending invitations): use Resend there once the mail server works again.
        </p>
        {done}
      </div>
    );
  }
  if (outcome.kind === "emailed") {
    return (
      <div className="card invitation-outcome" role="status" aria-label="Invitation sent">
        <p>
          Invitation emailed to <strong>{outcome.sent.email}</strong>. The link works once, until{" "}
          {absoluteTime(outcome.sent.expiresAt)}.
        </p>
        {done}
      </div>
    );
  }
  return <InvitationLink sent={outcome.sent} link={outcome.link} done={done} />;
}

function InvitationLink({
  sent,
  link,
  done,
}: {
  readonly sent: SentInvitation;
  readonly link: string;
  readonly done: ReactNode;
}) {
  return (
    <div className="card new-key invitation-outcome" role="status" aria-label="Invitation link">
      <p>
        <strong>No email was sent:</strong> this server has no mail server (SMTP) configured. Send this link
        to <strong>{sent.email}</strong> yourself. It works once, until {absoluteTime(sent.expiresAt)}.
      </p>
      <CopyableSecret text={link} what="link" copyLabel="Copy link" testId="invitation-link" />
      {done}
    </div>
  );
}
