/**
 * Parsers for the production backends' settings, in the formats W&B Server's chart renders
 * (reference/deployment-spec.md §3.5–§3.6): MYSQL, BUCKET (+ AWS_REGION, AWS_S3_KMS_ID for S3,
 * AZURE_STORAGE_KEY for Azure) and BUCKET_QUEUE. Each returns the typed settings or the problems
 * found, every one with its fix.
 * Passwords and secret keys never appear in a problem: values are shown through `redactUrl`.
 */
import type { MysqlSettings } from "./stores/mysql/database.ts";

export type Parsed<T> =
  | { readonly value: T; readonly problems?: never }
  | { readonly value?: never; readonly problems: string[] };

/** `scheme://user:secret@rest` → `scheme://user:***@rest`, for messages about a URL. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z0-9+.-]+:\/\/[^:@/]*):[^@]*@/i, "$1:***@");
}

/** go-sql-driver's `tls` values (W&B renders `?tls=preferred`). */
const MYSQL_TLS = new Set(["true", "false", "skip-verify", "preferred"]);

/**
 * `MYSQL=mysql://user:password@host[:port]/database[?tls=true|false|skip-verify|preferred]`; the
 * password URL-encoded where it has reserved characters (W&B's init-db decodes it the same way).
 */
export function parseMysql(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): Parsed<MysqlSettings> {
  const shown = redactUrl(text);
  const problems: string[] = [];
  const example = "e.g. MYSQL=mysql://ballast:password@db.example.com:3306/ballast?tls=true";
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problems: [`MYSQL is not a URL (got "${shown}"); ${example}`] };
  }
  if (url.protocol !== "mysql:") problems.push(`MYSQL must start with mysql:// (got "${shown}"); ${example}`);
  if (!url.hostname) problems.push(`MYSQL has no host (got "${shown}"); ${example}`);
  if (!url.username) problems.push(`MYSQL has no user name (got "${shown}"); ${example}`);
  const database = decodeURIComponent(url.pathname.replace(/^\/+/, ""));
  if (!/^[A-Za-z0-9_$-]{1,64}$/.test(database)) {
    problems.push(
      `MYSQL must name one database after the host, letters, digits, _ $ - (got "${shown}"); ${example}`,
    );
  }
  const port = url.port ? Number(url.port) : 3306;
  const tls = url.searchParams.get("tls") ?? "preferred";
  if (!MYSQL_TLS.has(tls)) {
    problems.push(`MYSQL's tls parameter must be true, false, skip-verify or preferred (got "${tls}")`);
  }
  const unknown = [...url.searchParams.keys()].filter((key) => key !== "tls");
  if (unknown.length > 0) {
    problems.push(`MYSQL has parameters Ballast does not use: ${unknown.join(", ")}; only ?tls=… is read`);
  }
  const poolText = env.BALLAST_MYSQL_POOL_SIZE ?? "20";
  const poolSize = Number(poolText);
  if (!/^\d+$/.test(poolText) || poolSize < 1 || poolSize > 1000) {
    problems.push(`BALLAST_MYSQL_POOL_SIZE must be an integer from 1 to 1000 (got "${poolText}"); e.g. 20`);
  }
  let password: string;
  try {
    // Ballast's chart keeps the password out of the URL (any character is then fine) and hands it
    // over literally in MYSQL_PASSWORD; a password written into the URL wins.
    password = url.password ? decodeURIComponent(url.password) : (env.MYSQL_PASSWORD ?? "");
  } catch {
    problems.push("MYSQL's password has a bad %-escape; URL-encode reserved characters (e.g. @ as %40)");
    password = "";
  }
  if (problems.length > 0) return { problems };
  return {
    value: {
      host: url.hostname.replace(/^\[|\]$/g, ""),
      port,
      user: decodeURIComponent(url.username),
      password,
      database,
      tls: tls as MysqlSettings["tls"],
      caCertPath: env.MYSQL_CA_CERT_PATH || undefined,
      poolSize,
    },
  };
}

/** Where objects live when BUCKET is set: an S3 or GCS bucket, or an Azure Blob Storage container. */
export type BucketSettings = S3BucketSettings | AzureBucketSettings | GcsBucketSettings;

export interface S3BucketSettings {
  readonly provider: "s3";
  readonly bucket: string;
  /** Key prefix inside the bucket, no leading or trailing slash; "" for the root. */
  readonly prefix: string;
  readonly region: string;
  /** An S3-compatible store's endpoint (MinIO, Ceph), `http(s)://host:port`; undefined for AWS. */
  readonly endpoint: string | undefined;
  /** Keys from the URL; undefined uses the AWS SDK's default chain (IAM role, IRSA, environment). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  readonly kmsKeyId: string | undefined;
}

export interface AzureBucketSettings {
  readonly provider: "az";
  /** The storage account. */
  readonly account: string;
  readonly container: string;
  /** Key prefix inside the container, no leading or trailing slash; "" for the root. */
  readonly prefix: string;
  /**
   * The Blob service URL, account included: `https://<account>.blob.core.windows.net`, or
   * `http(s)://host:port/<account>` for an emulator or Azure Stack (path-style addressing).
   */
  readonly endpoint: string;
  /** The storage account's access key (AZURE_STORAGE_KEY), which signs requests and SAS URLs. */
  readonly accountKey: string;
}

export interface GcsBucketSettings {
  readonly provider: "gs";
  readonly bucket: string;
  /** Key prefix inside the bucket, no leading or trailing slash; "" for the root. */
  readonly prefix: string;
  /** An emulator's or private endpoint's URL, `http(s)://host:port`; undefined for Google's own. */
  readonly endpoint: string | undefined;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** GCS's rule: 3–63 characters (up to 222 with dots), lowercase letters, digits, `-`, `_`, `.`. */
const GCS_BUCKET = /^(?=.{3,222}$)[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
/** Azure's rules: accounts 3–24 lowercase letters and digits; containers 3–63, single hyphens inside. */
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const AZURE_CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * BUCKET, as W&B's chart renders it:
 * - `s3://bucket[/path]` (AWS, credentials from the role) or `s3://KEY:SECRET@bucket[/path]`;
 * - `s3://KEY:SECRET@host:port/bucket[/path][?tls=true]` for an S3-compatible store: the authority is
 *   an endpoint when it has a port or the URL has a `tls` parameter (https when tls=true, else http);
 * - `az://account/container[/path]` (Azure Blob Storage; the account key in AZURE_STORAGE_KEY), or
 *   `az://host:port/account/container[/path][?tls=true]` for an emulator, by the same endpoint rule;
 * - `gs://bucket[/path]` (Google Cloud Storage; Application Default Credentials), or
 *   `gs://host:port/bucket[/path][?tls=true]` for an emulator.
 * The chart does not URL-encode the keys and AWS secret keys may hold `/` and `+`, so the URL is
 * split by hand: the keys end at the first `@` after the first `:`.
 */
export function parseBucket(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): Parsed<BucketSettings> {
  const example = "e.g. BUCKET=s3://my-bucket/ballast with AWS_REGION=us-east-1";
  const match = /^([a-z0-9]+):\/\/(.*)$/i.exec(text);
  const scheme = match?.[1]?.toLowerCase();
  if (!match || scheme === undefined)
    return { problems: [`BUCKET is not a URL (got "${redactUrl(text)}"); ${example}`] };
  if (scheme === "cw") {
    return {
      problems: [
        "BUCKET=cw://… (CoreWeave) is not supported yet; CoreWeave's object storage is S3-compatible: write s3://KEY:SECRET@host:port/bucket",
      ],
    };
  }
  if (scheme !== "s3" && scheme !== "az" && scheme !== "gs")
    return {
      problems: [`BUCKET must start with s3://, gs:// or az:// (got "${redactUrl(text)}"); ${example}`],
    };
  let rest = match[2] ?? "";
  let query = "";
  const q = rest.indexOf("?");
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  if (scheme === "az") return parseAzureBucket(rest, new URLSearchParams(query), env);
  if (scheme === "gs") return parseGcsBucket(rest, new URLSearchParams(query), env);
  let credentials: S3BucketSettings["credentials"];
  const keys = /^([^:@/]+):([^@]+)@(.*)$/.exec(rest);
  const problems: string[] = [];
  if (keys) {
    const decode = (s: string) => (/%[0-9a-f]{2}/i.test(s) ? decodeURIComponent(s) : s);
    credentials = { accessKeyId: decode(keys[1] ?? ""), secretAccessKey: decode(keys[2] ?? "") };
    rest = keys[3] ?? "";
  } else if (rest.includes("@")) {
    problems.push("BUCKET has an `@` but no KEY:SECRET before it; write s3://KEY:SECRET@bucket");
  }
  const tls = urlTls(new URLSearchParams(query), problems);
  const [authority = "", ...pathParts] = rest.split("/");
  let endpoint: string | undefined;
  let bucket = authority;
  if (/:\d+$/.test(authority) || tls !== null) {
    endpoint = `${tls === "true" ? "https" : "http"}://${authority}`;
    bucket = pathParts.shift() ?? "";
  }
  if (!BUCKET_NAME.test(bucket)) {
    problems.push(
      `BUCKET's bucket name must be 3–63 lowercase letters, digits, dots and hyphens (got "${bucket}"); ${example}`,
    );
  }
  const prefix = pathParts.filter((p) => p !== "").join("/");
  const region = env.AWS_REGION || (endpoint !== undefined ? "us-east-1" : "");
  if (!region)
    problems.push(
      `AWS_REGION must be set to the bucket's region with an AWS bucket; e.g. AWS_REGION=us-east-1`,
    );
  const kmsKeyId = env.AWS_S3_KMS_ID || undefined;
  if (problems.length > 0) return { problems };
  return { value: { provider: "s3", bucket, prefix, region, endpoint, credentials, kmsKeyId } };
}

function parseGcsBucket(
  rest: string,
  params: URLSearchParams,
  env: Readonly<Record<string, string | undefined>>,
): Parsed<GcsBucketSettings> {
  const example = "e.g. BUCKET=gs://my-bucket/ballast";
  const problems: string[] = [];
  if (rest.includes("@")) {
    problems.push(
      "BUCKET=gs://… takes no credentials in the URL; the server uses Application Default Credentials (Workload Identity on GKE, or GOOGLE_APPLICATION_CREDENTIALS naming a service-account key file)",
    );
  }
  const tls = urlTls(params, problems);
  const parts = rest.slice(rest.lastIndexOf("@") + 1).split("/");
  let endpoint: string | undefined;
  if (/:\d+$/.test(parts[0] ?? "") || tls !== null) {
    endpoint = `${tls === "true" ? "https" : "http"}://${parts.shift()}`;
  }
  const [bucket = "", ...pathParts] = parts;
  if (!GCS_BUCKET.test(bucket) || bucket.split(".").some((label) => label.length > 63)) {
    problems.push(
      `BUCKET's bucket name must be 3–63 lowercase letters, digits, hyphens, underscores and dots (got "${bucket}"); ${example}`,
    );
  }
  if (env.AWS_S3_KMS_ID) {
    problems.push(
      "AWS_S3_KMS_ID applies to an S3 bucket; a GCS bucket's default Cloud KMS key is set on the bucket itself",
    );
  }
  if (problems.length > 0) return { problems };
  const prefix = pathParts.filter((p) => p !== "").join("/");
  return { value: { provider: "gs", bucket, prefix, endpoint } };
}

/** The `tls` parameter, the only one a bucket URL takes; other parameters are problems. */
function urlTls(params: URLSearchParams, problems: string[]): string | null {
  const unknown = [...params.keys()].filter((key) => key !== "tls");
  if (unknown.length > 0) problems.push(`BUCKET has parameters Ballast does not use: ${unknown.join(", ")}`);
  const tls = params.get("tls");
  if (tls !== null && tls !== "true" && tls !== "false") {
    problems.push(`BUCKET's tls parameter must be true or false (got "${tls}")`);
  }
  return tls;
}

function parseAzureBucket(
  rest: string,
  params: URLSearchParams,
  env: Readonly<Record<string, string | undefined>>,
): Parsed<AzureBucketSettings> {
  const example = "e.g. BUCKET=az://mystorageaccount/ballast with AZURE_STORAGE_KEY set to the account's key";
  const problems: string[] = [];
  if (rest.includes("@")) {
    problems.push(
      "BUCKET=az://… takes no credentials in the URL; set AZURE_STORAGE_KEY to the storage account's access key",
    );
  }
  const tls = urlTls(params, problems);
  const parts = rest.slice(rest.lastIndexOf("@") + 1).split("/");
  let emulator: string | undefined;
  if (/:\d+$/.test(parts[0] ?? "") || tls !== null) emulator = parts.shift();
  const [account = "", container = "", ...pathParts] = parts;
  if (!AZURE_ACCOUNT.test(account)) {
    problems.push(
      `BUCKET's storage account must be 3–24 lowercase letters and digits (got "${account}"); ${example}`,
    );
  }
  if (!AZURE_CONTAINER.test(container)) {
    problems.push(
      `BUCKET's container must be 3–63 lowercase letters, digits and single hyphens (got "${container}"); ${example}`,
    );
  }
  const accountKey = env.AZURE_STORAGE_KEY ?? "";
  if (accountKey === "") {
    problems.push(
      "BUCKET=az://… needs AZURE_STORAGE_KEY, the storage account's access key (Azure portal: the storage account → Security + networking → Access keys)",
    );
  } else if (!/^[A-Za-z0-9+/]+={0,2}$/.test(accountKey) || accountKey.length % 4 !== 0) {
    problems.push("AZURE_STORAGE_KEY is not a storage account key (base64, as the Azure portal shows it)");
  }
  if (env.AWS_S3_KMS_ID) {
    problems.push(
      "AWS_S3_KMS_ID applies to an S3 bucket; Azure encrypts a container with the storage account's own key settings",
    );
  }
  if (problems.length > 0) return { problems };
  const endpoint =
    emulator === undefined
      ? `https://${account}.blob.core.windows.net`
      : `${tls === "true" ? "https" : "http"}://${emulator}/${account}`;
  const prefix = pathParts.filter((p) => p !== "").join("/");
  return { value: { provider: "az", account, container, prefix, endpoint, accountKey } };
}

/** Where object-created notices come from. */
export type QueueSettings =
  | { readonly kind: "internal" }
  | {
      readonly kind: "sqs";
      /** A queue name (resolved with GetQueueUrl in AWS_REGION) or a full queue URL. */
      readonly queue: string;
      readonly region: string;
      /** The origin of a full queue URL that is not AWS's (an emulator); undefined for AWS. */
      readonly endpoint: string | undefined;
      /** Long-poll wait per receive, 1–20 s (BALLAST_QUEUE_WAIT_SECONDS, default 20). */
      readonly waitSeconds: number;
    };

/** BUCKET_QUEUE=internal:// (the default) or sqs://<queue name> or sqs://<queue URL>. */
export function parseQueue(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): Parsed<QueueSettings> {
  if (text === "internal://" || text === "internal") return { value: { kind: "internal" } };
  const match = /^sqs:\/\/(.+)$/.exec(text);
  if (!match?.[1]) {
    return {
      problems: [
        `BUCKET_QUEUE must be internal:// or sqs://<queue name or URL> (got "${redactUrl(text)}"); e.g. BUCKET_QUEUE=sqs://ballast-object-events`,
      ],
    };
  }
  const queue = match[1];
  const waitText = env.BALLAST_QUEUE_WAIT_SECONDS ?? "20";
  const waitSeconds = Number(waitText);
  if (!/^\d+$/.test(waitText) || waitSeconds < 1 || waitSeconds > 20) {
    return { problems: [`BALLAST_QUEUE_WAIT_SECONDS must be an integer from 1 to 20 (got "${waitText}")`] };
  }
  if (/^https?:\/\//.test(queue)) {
    let url: URL;
    try {
      url = new URL(queue);
    } catch {
      return { problems: [`BUCKET_QUEUE's queue URL is not a URL (got "${queue}")`] };
    }
    const aws = /^sqs\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname);
    const region = env.AWS_REGION || aws?.[1] || "us-east-1";
    return { value: { kind: "sqs", queue, region, endpoint: aws ? undefined : url.origin, waitSeconds } };
  }
  if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(queue)) {
    return { problems: [`BUCKET_QUEUE's queue name must be 1–80 letters, digits, - and _ (got "${queue}")`] };
  }
  if (!env.AWS_REGION) {
    return {
      problems: [
        "BUCKET_QUEUE=sqs://<name> needs AWS_REGION (the queue's region); e.g. AWS_REGION=us-east-1",
      ],
    };
  }
  return { value: { kind: "sqs", queue, region: env.AWS_REGION, endpoint: undefined, waitSeconds } };
}
