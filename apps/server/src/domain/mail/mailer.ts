/**
 * Outgoing mail (invitations, password resets) over SMTP with nodemailer, configured by SMTP_HOST,
 * SMTP_PORT, SMTP_USER, SMTP_PASSWORD and SMTP_FROM (W&B's `global.email.smtp`).
 *
 * - Port 465 is implicit TLS; on any other port STARTTLS is used whenever the server offers it.
 *   Certificates are always verified (the system's CAs, plus NODE_EXTRA_CA_CERTS if set).
 * - AUTH only when SMTP_USER is set.
 * - Bounded waits: a server that does not answer fails the send in seconds, not minutes.
 * - A fault that may clear by itself (connection refused or lost, timeout, a 4xx reply, a refused
 *   login — the operator's to fix, never the user's) is UNAVAILABLE (503); a recipient the server
 *   refuses outright (5xx on RCPT TO) is INVALID_ARGUMENT. The caller keeps what it stored first.
 */
import { AppError } from "@ballast/core";
import { createTransport, type Transporter } from "nodemailer";
import type { SmtpSettings } from "../../identity-config.ts";

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  /** Plain text; links in it are absolute. */
  readonly text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Milliseconds to connect, to get the greeting, and of silence on the socket before giving up. */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

/** SMTP_FROM, else `Ballast <noreply@<host of the public URL>>`. */
export function senderAddress(from: string | undefined, publicUrl: string): string {
  if (from !== undefined) return from;
  return `Ballast <noreply@${new URL(publicUrl).hostname}>`;
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  private readonly from: string;
  private readonly server: string;

  constructor(settings: SmtpSettings, publicUrl: string) {
    this.from = senderAddress(settings.from, publicUrl);
    this.server = `${settings.host}:${settings.port}`;
    this.transport = createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.port === 465,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: GREETING_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
      ...(settings.user === undefined
        ? {}
        : { auth: { user: settings.user, pass: settings.password ?? "" } }),
    });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
    } catch (error) {
      throw mailError(error, this.server, message.to);
    }
  }
}

/** A nodemailer failure as an AppError (see the header); exported for its unit test. */
export function mailError(error: unknown, server: string, to: string): AppError {
  const { code, responseCode, command } = (error ?? {}) as {
    code?: unknown;
    responseCode?: unknown;
    command?: unknown;
  };
  const reply = typeof responseCode === "number" ? responseCode : undefined;
  if (
    reply !== undefined &&
    reply >= 500 &&
    code === "EENVELOPE" &&
    (command === undefined || String(command).startsWith("RCPT"))
  ) {
    return new AppError("INVALID_ARGUMENT", `The mail server refused the address ${to} (SMTP ${reply}).`, {
      cause: error,
    });
  }
  const reason =
    code === "EAUTH"
      ? "it refused SMTP_USER/SMTP_PASSWORD"
      : reply !== undefined
        ? `it answered ${reply}`
        : typeof code === "string"
          ? code
          : "no answer";
  return new AppError("UNAVAILABLE", `Could not send mail through ${server} (${reason}); try again later.`, {
    cause: error,
  });
}
