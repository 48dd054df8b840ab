import type { KeySource } from "./credentials.ts";
import { describeReply, request } from "./http.ts";
import { fail, type Outcome, PASS, warn } from "./report.ts";
import { at, type Session } from "./session.ts";

/** Clocks further apart than this break expiring signed URLs and confuse run timings. */
const MAX_SKEW_SECONDS = 300;

/** Any HTTP answer from the server counts: the point is that the URL reaches something. */
export async function checkConnection(
  session: Session,
): Promise<{ outcome: Outcome; serverDate?: Date | undefined }> {
  const sent = Date.now();
  const reply = await request(`${session.host}/healthz`, { timeoutMs: session.timeoutMs });
  const date = reply.headers.get("date");
  const serverDate = date ? new Date(new Date(date).getTime() + (Date.now() - sent) / 2) : undefined;
  if (reply.status >= 500) {
    return {
      outcome: fail(
        `${session.host}/healthz answered ${describeReply(reply)}.`,
        "The server (or a proxy in front of it) is unhealthy: check the server's log.",
      ),
      ...(serverDate ? { serverDate } : {}),
    };
  }
  return { outcome: PASS, ...(serverDate ? { serverDate } : {}) };
}

/** The viewer, as the clients ask for it at login; sets `session.entity`. */
export async function checkLoggedIn(session: Session, source: KeySource | undefined): Promise<Outcome> {
  if (!source) {
    return fail(
      "No API key. Pass --api-key KEY, set WANDB_API_KEY, or run `wandb login --host <host>` (writes ~/.netrc).",
      "An administrator creates keys with `ballast admin create-api-key --username <name>`.",
    );
  }
  const { reply, data, errors } = await session.graphql("query Viewer { viewer { id username entity } }");
  const keyHint = `Check the key from ${source.from}; an administrator can issue a new one with \`ballast admin create-api-key --username <name>\`.`;
  if (reply.status === 401 || reply.status === 403) {
    return fail(`The server refused the API key (${describeReply(reply)}).`, keyHint);
  }
  if (reply.status !== 200) {
    return fail(
      `The viewer query failed (${describeReply(reply)}).`,
      "Is this the Ballast URL (no extra path)?",
    );
  }
  const entity = at(data, "viewer", "entity");
  if (errors.length > 0 || typeof entity !== "string" || entity === "") {
    return fail(
      `The viewer query returned no user${errors.length ? ` (${errors.map((e) => e.message).join("; ")})` : ""}.`,
      keyHint,
    );
  }
  session.entity = entity;
  return PASS;
}

export function checkClock(serverDate: Date | undefined, now = new Date()): Outcome {
  if (!serverDate) return warn("The server sent no Date header, so clock skew could not be measured.");
  const skew = Math.round((now.getTime() - serverDate.getTime()) / 1000);
  if (Math.abs(skew) <= MAX_SKEW_SECONDS) return PASS;
  return warn(
    `This machine's clock is ${Math.abs(skew)} s ${skew > 0 ? "ahead of" : "behind"} the server's.`,
    "Signed URLs expire and run times are measured by the clocks; sync both machines with NTP (e.g. `timedatectl set-ntp true`).",
  );
}

export function checkHttps(url: string, what: string): Outcome {
  if (url.startsWith("https:")) return PASS;
  return warn(
    `${what} ${new URL(url).origin} is not https; use TLS (a TLS ingress or proxy) for anything but local testing.`,
  );
}
