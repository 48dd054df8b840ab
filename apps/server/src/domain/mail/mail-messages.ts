/** The text of the emails Ballast sends. Plain text: every link is absolute and on a line of its own. */
import type { MailMessage } from "./mailer.ts";

export function invitationMessage(input: {
  to: string;
  link: string;
  inviter: string | null;
  team: string | null;
  role: string;
  expiresAt: number;
}): MailMessage {
  const where = input.team === null ? "Ballast" : `the team ${input.team} on Ballast (as ${input.role})`;
  const opening =
    input.inviter === null
      ? `You have been invited to ${where}.`
      : `${input.inviter} has invited you to ${where}.`;
  const subject =
    input.team === null ? "You are invited to Ballast" : `You are invited to join ${input.team} on Ballast`;
  return {
    to: input.to,
    subject,
    text: [
      opening,
      "",
      "Open this link to accept (it works once):",
      "",
      input.link,
      "",
      `The invitation expires on ${new Date(input.expiresAt).toUTCString()}.`,
      "If you did not expect it, ignore this email.",
      "",
    ].join("\n"),
  };
}

export function passwordResetMessage(input: { to: string; username: string; link: string }): MailMessage {
  return {
    to: input.to,
    subject: "Reset your Ballast password",
    text: [
      `Someone asked to reset the password of the Ballast user ${input.username}.`,
      "",
      "Open this link within an hour to choose a new password (it works once):",
      "",
      input.link,
      "",
      "If it was not you, ignore this email: your password stays as it is.",
      "",
    ].join("\n"),
  };
}
