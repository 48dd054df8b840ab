import { describeReply } from "./http.ts";
import { fail, type Outcome, PASS } from "./report.ts";
import type { Session } from "./session.ts";

/** `wandb verify` sends the same size: 10^7 bytes in one GraphQL variable (wandb/sdk/verify/verify.py). */
const PAYLOAD_BYTES = 10_000_000;
const PAYLOAD_TIMEOUT_MS = 60_000;

const PROXY_HINT =
  "A proxy in front of Ballast limits request bodies: allow at least 16 MB, e.g. nginx `client_max_body_size 0;` " +
  '(or 64m), or the ingress annotation `nginx.ingress.kubernetes.io/proxy-body-size: "0"`.';

/** A ~10 MB GraphQL body through every proxy on the way, answered without GraphQL errors. */
export async function checkLargePayload(session: Session): Promise<Outcome> {
  const { reply, errors } = await session.graphql(
    `query Project($entity: String!, $name: String!, $runName: String!, $desc: String!) {
      project(entityName: $entity, name: $name) { run(name: $runName, desc: $desc) { name summaryMetrics } } }`,
    { entity: session.entity, name: "verify", runName: "", desc: "a".repeat(PAYLOAD_BYTES) },
    PAYLOAD_TIMEOUT_MS,
  );
  if (reply.status === 413)
    return fail(`The ${PAYLOAD_BYTES / 1e6} MB request was refused (${describeReply(reply)}).`, PROXY_HINT);
  if (reply.status !== 200) {
    return fail(`The ${PAYLOAD_BYTES / 1e6} MB request failed (${describeReply(reply)}).`, PROXY_HINT);
  }
  if (errors.length > 0) {
    return fail(`The large query was answered with errors: ${errors.map((e) => e.message).join("; ")}.`);
  }
  return PASS;
}
