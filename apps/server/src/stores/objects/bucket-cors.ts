/**
 * The bucket's CORS rules, checked against what the web UI needs: browsers on the server's origin
 * GET files (media, tables, artifacts) and PUT uploads straight to presigned bucket URLs, so some
 * rule must allow that origin, both methods and any header — the seeds' example configuration:
 *
 *   <CORSRule><AllowedOrigin>https://ballast.example.com</AllowedOrigin>
 *   <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>
 *   <AllowedHeader>*</AllowedHeader></CORSRule>
 *
 * A bucket without such a rule still works for the W&B clients (they are not browsers); only the
 * UI's file views break. So the server warns at start, with the exact fix, and never refuses.
 */

/** A CORS rule as S3 returns it (GetBucketCors), fields optional as in the SDK. */
export interface CorsRule {
  readonly AllowedOrigins?: readonly string[] | undefined;
  readonly AllowedMethods?: readonly string[] | undefined;
  readonly AllowedHeaders?: readonly string[] | undefined;
}

export type CorsCheck =
  | { readonly status: "ok" }
  /** No rule allows the UI; `problem` says what is missing, `fix` how to add the rule. */
  | { readonly status: "missing"; readonly problem: string; readonly fix: string }
  /** The rules could not be read (permission, or a store without the CORS API). */
  | { readonly status: "unknown"; readonly reason: string };

const METHODS = ["GET", "PUT"] as const;

/** S3's origin matching: exact (case-sensitive), `*`, or one `*` wildcard inside the pattern. */
function originMatches(pattern: string, origin: string): boolean {
  if (pattern === "*" || pattern === origin) return true;
  const star = pattern.indexOf("*");
  if (star < 0 || pattern.indexOf("*", star + 1) >= 0) return false;
  const head = pattern.slice(0, star);
  const tail = pattern.slice(star + 1);
  return origin.length >= head.length + tail.length && origin.startsWith(head) && origin.endsWith(tail);
}

/** Whether one rule lets `origin` GET and PUT with any header. */
function allows(rule: CorsRule, origin: string): boolean {
  const methods = new Set((rule.AllowedMethods ?? []).map((m) => m.toUpperCase()));
  return (
    (rule.AllowedOrigins ?? []).some((pattern) => originMatches(pattern, origin)) &&
    METHODS.every((method) => methods.has(method)) &&
    (rule.AllowedHeaders ?? []).includes("*")
  );
}

/**
 * The verdict on `rules` (S3 evaluates them in order and uses the first that matches the origin and
 * method, so one complete rule is what counts). `origin` is the server's public origin.
 */
export function judgeCors(
  rules: readonly CorsRule[],
  bucket: string,
  origin: string,
  fix: (bucket: string, origin: string) => string = corsFix,
): CorsCheck {
  if (rules.some((rule) => allows(rule, origin))) return { status: "ok" };
  const problem =
    rules.length === 0
      ? `the bucket ${bucket} has no CORS rules, so the web UI on ${origin} cannot load or upload files in it`
      : `no CORS rule of the bucket ${bucket} lets ${origin} GET and PUT with any header, so the web UI cannot load or upload files in it`;
  return { status: "missing", problem, fix: fix(bucket, origin) };
}

/** The rule to add, as the seeds' XML and as the AWS CLI command that applies it. */
export function corsFix(bucket: string, origin: string): string {
  const xml = [
    '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    "  <CORSRule>",
    `    <AllowedOrigin>${escapeXml(origin)}</AllowedOrigin>`,
    "    <AllowedMethod>GET</AllowedMethod>",
    "    <AllowedMethod>PUT</AllowedMethod>",
    "    <AllowedHeader>*</AllowedHeader>",
    "    <ExposeHeader>ETag</ExposeHeader>",
    "    <MaxAgeSeconds>3000</MaxAgeSeconds>",
    "  </CORSRule>",
    "</CORSConfiguration>",
  ].join("\n");
  const json = JSON.stringify({
    CORSRules: [
      {
        AllowedOrigins: [origin],
        AllowedMethods: [...METHODS],
        AllowedHeaders: ["*"],
        ExposeHeaders: ["ETag"],
        MaxAgeSeconds: 3000,
      },
    ],
  });
  return [
    "Add this CORS rule to the bucket (S3 console: Permissions → Cross-origin resource sharing):",
    xml,
    "or with the AWS CLI (this replaces the bucket's CORS rules; merge any you keep):",
    `aws s3api put-bucket-cors --bucket ${bucket} --cors-configuration '${json}'`,
  ].join("\n");
}

/**
 * Azure's CORS rules (Blob service properties: comma-separated strings) in S3's shape, so one
 * judge serves both. Azure matches origins exactly or `*`, as S3 does for patterns without `*`.
 */
export function fromAzureRules(
  rules: readonly {
    readonly allowedOrigins: string;
    readonly allowedMethods: string;
    readonly allowedHeaders: string;
  }[],
): CorsRule[] {
  const list = (text: string) =>
    text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  return rules.map((rule) => ({
    AllowedOrigins: list(rule.allowedOrigins),
    AllowedMethods: list(rule.allowedMethods),
    AllowedHeaders: list(rule.allowedHeaders),
  }));
}

/** The rule to add to an Azure storage account's Blob service, in the portal and with the Azure CLI. */
export function azureCorsFix(account: string, origin: string): string {
  return [
    "Add this CORS rule to the storage account's Blob service (Azure portal: the storage account → Settings → Resource sharing (CORS) → Blob service):",
    `  allowed origins ${origin}; allowed methods GET, PUT, HEAD; allowed headers *; exposed headers ETag; max age 3000`,
    "or with the Azure CLI (this adds a rule; the existing ones stay):",
    `az storage cors add --services b --methods GET PUT HEAD --origins '${origin}' --allowed-headers '*' --exposed-headers ETag --max-age 3000 --account-name ${account}`,
  ].join("\n");
}

/** The CORS configuration to give a GCS bucket, with the gcloud command that applies it. */
export function gcsCorsFix(bucket: string, origin: string): string {
  const json = JSON.stringify([
    {
      origin: [origin],
      method: ["GET", "PUT", "HEAD"],
      responseHeader: ["Content-Type", "ETag"],
      maxAgeSeconds: 3000,
    },
  ]);
  return [
    "Give the bucket this CORS configuration (it replaces the bucket's CORS rules; merge any you keep):",
    json,
    `echo '${json}' > cors.json && gcloud storage buckets update gs://${bucket} --cors-file=cors.json`,
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
