/**
 * `ballast verify`: end-to-end checks of a running Ballast over HTTP only, in the order and style of
 * `wandb verify`. Connection and login are fatal (nothing else can work without them); every other
 * failing check is reported and the command exits 1 at the end. Warnings never change the exit code.
 */
import { checkArtifact } from "./artifact.ts";
import { findApiKey } from "./credentials.ts";
import { CheckFailure, NetworkError } from "./http.ts";
import { checkClock, checkConnection, checkHttps, checkLoggedIn } from "./login.ts";
import { checkMetrics } from "./metrics.ts";
import { checkLargePayload } from "./payload.ts";
import { fail, type Outcome, type Reporter } from "./report.ts";
import { Session } from "./session.ts";
import { checkCors, checkFileRoundTrip, checkSignedUrls } from "./storage.ts";

export interface VerifyOptions {
  readonly host: string;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const LABELS = {
  connection: "Checking connection to the server",
  login: "Checking if logged in",
  clock: "Checking clock skew against the server",
  signedUrl: "Checking signed URL upload and download",
  largePayload: "Checking ability to send large payloads through proxy",
  httpsBase: "Checking requests to base url",
  httpsSigned: "Checking requests made over signed URLs",
  cors: "Checking CORs configuration of the bucket",
  metrics: "Checking logged metrics and reading back history",
  file: "Checking saving and downloading a file",
  artifact: "Checking artifact save and download workflows",
} as const;

/** An unexpected answer or an unreachable URL inside a check is that check's failure, not a crash. */
async function guarded<T>(body: () => Promise<T>, onError: (outcome: Outcome) => T): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof NetworkError || error instanceof CheckFailure) return onError(fail(error.message));
    const message = error instanceof Error ? error.message : String(error);
    return onError(fail(`Unexpected error: ${message}`));
  }
}

export async function runVerify(options: VerifyOptions, report: Reporter): Promise<number> {
  const source = findApiKey(options.host, options.apiKey, options.env);
  const session = new Session(options.host, source?.key ?? "", options.timeoutMs);
  report.note(`Verifying ${session.host} (runs and artifacts go to project "ballast-verify")`);
  let failed = false;
  const record = (label: string, outcome: Outcome) => {
    report.line(label, outcome);
    if (outcome.status === "fail") failed = true;
  };

  const connection = await guarded(
    () => checkConnection(session),
    (outcome) => ({
      outcome: fail(
        ...(outcome.status === "fail" ? outcome.hints : []),
        "Check the --host URL (scheme, host, port) and that the server is running and reachable from here.",
      ),
      serverDate: undefined,
    }),
  );
  record(LABELS.connection, connection.outcome);
  if (failed) return 1;
  record(
    LABELS.login,
    await guarded(
      () => checkLoggedIn(session, source),
      (o) => o,
    ),
  );
  if (failed) return 1;
  record(LABELS.clock, checkClock(connection.serverDate));

  const signed = await guarded(
    () => checkSignedUrls(session),
    (outcome) => ({ outcome, url: undefined }),
  );
  record(LABELS.signedUrl, signed.outcome);
  record(
    LABELS.largePayload,
    await guarded(
      () => checkLargePayload(session),
      (o) => o,
    ),
  );
  record(LABELS.httpsBase, checkHttps(session.host, "The base URL"));
  if (signed.url !== undefined) {
    record(LABELS.httpsSigned, checkHttps(signed.url, "The signed URL origin"));
    const url = signed.url;
    record(
      LABELS.cors,
      await guarded(
        () => checkCors(session, url),
        (o) => o,
      ),
    );
  }
  record(
    LABELS.metrics,
    await guarded(
      () => checkMetrics(session),
      (o) => o,
    ),
  );
  record(
    LABELS.file,
    await guarded(
      () => checkFileRoundTrip(session),
      (o) => o,
    ),
  );
  record(
    LABELS.artifact,
    await guarded(
      () => checkArtifact(session),
      (o) => o,
    ),
  );
  return failed ? 1 : 0;
}
