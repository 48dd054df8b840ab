import { randomBytes } from "node:crypto";
import { CheckFailure, originOf, request } from "./http.ts";
import { fail, type Outcome, PASS } from "./report.ts";
import { download, findRunFile, type ListedFile, md5Base64, uploadRunFile } from "./run-files.ts";
import type { Session } from "./session.ts";

const STORAGE_HINT =
  "Check the object store: with local storage, <data dir>/objects must be a writable directory on the server; " +
  "with BUCKET, the bucket (or Azure container) must exist and the server's credentials must allow writing and reading it (s3:PutObject and s3:GetObject on S3). " +
  "The server log has the details.";

export interface SignedUrlResult {
  readonly outcome: Outcome;
  /** A download URL of the uploaded file (or the upload URL), for the https and CORS checks. */
  readonly url?: string | undefined;
}

const LISTING_HINT =
  "The upload worked but the server does not list the file for download: check the server log (and that the server is up to date).";

/** A run file through signed URLs: PUT without credentials, then listed by RunFiles and fetched back. */
export async function checkSignedUrls(session: Session): Promise<SignedUrlResult> {
  const run = session.runName("signed_url");
  const name = "signed_url_test.txt";
  const bytes = Buffer.from(`ballast verify ${session.prefix}\n`);
  await session.createRun(run, { test: "put to signed url" });
  let uploadUrl: string;
  try {
    uploadUrl = await uploadRunFile(session, run, name, bytes);
    await session.finishRun(run);
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return { outcome: fail(error.message, STORAGE_HINT) };
  }
  let url: string;
  try {
    url = (await findRunFile(session, run, name)).url;
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return { outcome: fail(error.message, LISTING_HINT), url: uploadUrl };
  }
  try {
    const back = await download(session, url);
    if (!back.equals(bytes)) {
      return { outcome: fail("The downloaded file differs from the uploaded one.", STORAGE_HINT), url };
    }
    return { outcome: PASS, url };
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return { outcome: fail(error.message, STORAGE_HINT), url };
  }
}

/** The same preflight a browser sends before the web UI fetches a file from the storage URL. */
export async function checkCors(session: Session, url: string): Promise<Outcome> {
  const origin = originOf(session.host);
  const reply = await request(url, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "GET" },
    timeoutMs: session.timeoutMs,
  });
  if (reply.headers.get("access-control-allow-origin") !== null) return PASS;
  // Ballast's own local storage lives under /storage/ on the server (maybe under its public URL).
  if (new URL(url).pathname.startsWith("/storage/")) {
    return fail(
      `OPTIONS ${originOf(url)}/storage/… answered HTTP ${reply.status} without Access-Control-Allow-Origin.`,
      "Ballast serves local storage itself with CORS headers: a proxy in front of it may be answering OPTIONS or stripping the headers.",
    );
  }
  const rules = {
    CORSRules: [
      {
        AllowedOrigins: [origin],
        AllowedMethods: ["GET", "HEAD", "PUT"],
        AllowedHeaders: ["*"],
        ExposeHeaders: ["ETag"],
        MaxAgeSeconds: 3000,
      },
    ],
  };
  // An Azure SAS URL carries the service version and signature as `sv` and `sig`; a GCS V4 URL
  // its signature as X-Goog-Signature.
  const params = new URL(url).searchParams;
  const gcsRules = [
    {
      origin: [origin],
      method: ["GET", "PUT", "HEAD"],
      responseHeader: ["Content-Type", "ETag"],
      maxAgeSeconds: 3000,
    },
  ];
  const fix =
    params.has("sv") && params.has("sig")
      ? `Give the storage account's Blob service a CORS rule, e.g. \`az storage cors add --services b --methods GET PUT HEAD --origins '${origin}' --allowed-headers '*' --exposed-headers ETag --max-age 3000 --account-name <account>\`.`
      : params.has("X-Goog-Signature")
        ? `Give the bucket a CORS configuration, e.g. \`echo '${JSON.stringify(gcsRules)}' > cors.json && gcloud storage buckets update gs://<bucket> --cors-file=cors.json\`.`
        : `Give the bucket a CORS configuration, e.g. \`aws s3api put-bucket-cors --bucket <bucket> --cors-configuration '${JSON.stringify(rules)}'\`.`;
  return fail(
    `The bucket at ${originOf(url)} answered OPTIONS (HTTP ${reply.status}) without Access-Control-Allow-Origin for ${origin}.`,
    fix,
  );
}

/** A binary file with a name that needs escaping, saved and downloaded byte for byte. */
export async function checkFileRoundTrip(session: Session): Promise<Outcome> {
  const run = session.runName("file");
  const name = "test with_special-characters%.bin";
  // Every byte value, then random bytes: nothing may be re-encoded on the way.
  const bytes = Buffer.concat([
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    randomBytes(256 * 1024),
  ]);
  await session.createRun(run);
  let listed: ListedFile;
  try {
    await uploadRunFile(session, run, name, bytes);
    await session.finishRun(run);
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return fail(error.message, STORAGE_HINT);
  }
  try {
    listed = await findRunFile(session, run, name);
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return fail(error.message, LISTING_HINT);
  }
  try {
    const back = await download(session, listed.url);
    const problems: string[] = [];
    if (!back.equals(bytes))
      problems.push(`downloaded ${back.length} bytes that differ from the ${bytes.length} uploaded`);
    if (listed.sizeBytes !== undefined && listed.sizeBytes !== bytes.length)
      problems.push(`listed size ${listed.sizeBytes} instead of ${bytes.length}`);
    if (listed.md5 !== undefined && listed.md5 !== md5Base64(bytes))
      problems.push(`listed MD5 ${listed.md5} instead of ${md5Base64(bytes)}`);
    if (problems.length > 0) return fail(`The file came back wrong: ${problems.join("; ")}.`, STORAGE_HINT);
    return PASS;
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return fail(error.message, STORAGE_HINT);
  }
}
