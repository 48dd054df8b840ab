/**
 * A real SMTP server for the mail tests: `smtp-server` (the nodemailer project's server side) on
 * 127.0.0.1, with AUTH PLAIN/LOGIN for one test user and no STARTTLS (the test trusts no certificate;
 * the mailer's TLS is nodemailer's, verified by default). Every message it accepts is kept, parsed
 * enough to read the envelope, the headers and the decoded plain-text body.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export const SMTP_USER = "ballast-mailer";
export const SMTP_PASSWORD = "mail secret";

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** Header names in lower case; the values unfolded (RFC 5322 folding undone). */
  readonly headers: Readonly<Record<string, string>>;
  readonly subject: string;
  /** The text/plain body, transfer-decoded (quoted-printable or base64) as UTF-8. */
  readonly text: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly messages: ReceivedMail[];
  /** Waits for the next message sent to `to` (and returns it), failing after `timeoutMs`. */
  next(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters: { to: string; resolve: (mail: ReceivedMail) => void }[] = [];
  const taken = new Set<ReceivedMail>();
  const server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: SMTP_USER });
      else callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const mail = parseMail(
          Buffer.concat(chunks).toString("utf8"),
          session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          session.envelope.rcptTo.map((r) => r.address),
        );
        messages.push(mail);
        const waiter = waiters.findIndex((w) => mail.to.includes(w.to));
        if (waiter !== -1) {
          taken.add(mail);
          waiters.splice(waiter, 1)[0]?.resolve(mail);
        }
        callback();
      });
    },
  });
  server.listen(port, "127.0.0.1");
  await once(server.server, "listening");
  return {
    port: (server.server.address() as AddressInfo).port,
    messages,
    next(to, timeoutMs = 15_000) {
      const waiting = messages.find((m) => m.to.includes(to) && !taken.has(m));
      if (waiting) {
        taken.add(waiting);
        return Promise.resolve(waiting);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          to,
          resolve: (mail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers, and the text/plain part (of a single-part or multipart message), decoded. */
export function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const { headers, body } = splitEntity(raw);
  const text = textPart(headers, body);
  return { from, to, headers, subject: decodeWords(headers.subject ?? ""), text };
}

function splitEntity(raw: string): { headers: Record<string, string>; body: string } {
  const normalized = raw.replace(/\r\n/g, "\n");
  const end = normalized.indexOf("\n\n");
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? "" : normalized.slice(end + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function textPart(headers: Record<string, string>, body: string): string {
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith("--")) break;
      const entity = splitEntity(part.replace(/^\n/, ""));
      const found = textPart(entity.headers, entity.body);
      if (found !== "") return found;
    }
    return "";
  }
  if (!type.toLowerCase().startsWith("text/plain")) return "";
  const encoding = (headers["content-transfer-encoding"] ?? "7bit").toLowerCase();
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const unfolded = text.replace(/=\n/g, "");
  for (let i = 0; i < unfolded.length; i++) {
    const hex = unfolded.slice(i + 1, i + 3);
    if (unfolded[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(unfolded[i] ?? "", "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) in a header. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : decodeQuotedPrintable(data.replace(/_/g, " ")),
    );
}
