import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@ballast/core";
import { fixedChunks } from "./object-store.ts";
import { S3ObjectStore, translate } from "./s3.store.ts";

/** An SDK-shaped service error, as @aws-sdk/client-s3 throws them. */
function s3Error(name: string, status: number | undefined, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name}: message that might echo a request`), {
    name,
    $metadata: status === undefined ? {} : { httpStatusCode: status },
    ...extra,
  });
}

describe("S3ObjectStore error translation", () => {
  const transient: [string, unknown][] = [
    ["500 InternalError", s3Error("InternalError", 500)],
    ["503 SlowDown", s3Error("SlowDown", 503)],
    ["503 ServiceUnavailable", s3Error("ServiceUnavailable", 503)],
    ["400 RequestTimeout", s3Error("RequestTimeout", 400)],
    ["429 throttling", s3Error("TooManyRequestsException", 429)],
    ["a throttling code on a 4xx", s3Error("Throttling", 400)],
    ["retryable per the SDK", s3Error("Weird", 400, { $retryable: { throttling: true } })],
    [
      "no HTTP answer (connection refused)",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    ],
    ["a socket timeout", s3Error("TimeoutError", undefined)],
  ];
  for (const [label, error] of transient) {
    it(`maps ${label} to UNAVAILABLE (503)`, () => {
      const translated = translate(error, "read an object");
      assert.equal(translated.code, "UNAVAILABLE");
      assert.equal(translated.status, 503);
      assert.doesNotMatch(translated.message, /might echo/);
    });
  }

  for (const [name, status] of [
    ["AccessDenied", 403],
    ["NoSuchBucket", 404],
    ["InvalidAccessKeyId", 403],
    ["KMS.NotFoundException", 400],
  ] as const) {
    it(`maps ${name} (${status}) to INTERNAL, a 5xx the client retries, never a 4xx`, () => {
      const translated = translate(s3Error(name, status), "store an object");
      assert.equal(translated.code, "INTERNAL");
      assert.ok(translated.status >= 500);
      assert.match(
        translated.message,
        new RegExp(`^Object storage refused to store an object \\(${name.replace(".", "\\.")}`),
      );
      assert.doesNotMatch(translated.message, /might echo/);
    });
  }

  it("passes AppErrors through unchanged", () => {
    const original = new AppError("DIGEST_MISMATCH", "x");
    assert.equal(translate(original, "store an object"), original);
  });
});

describe("fixedChunks", () => {
  async function sizes(pieces: (Buffer | string)[], size: number): Promise<number[]> {
    const out: number[] = [];
    let joined = Buffer.alloc(0);
    for await (const chunk of fixedChunks(
      (async function* () {
        yield* pieces;
      })(),
      size,
    )) {
      out.push(chunk.length);
      joined = Buffer.concat([joined, chunk]);
    }
    assert.ok(joined.equals(Buffer.concat(pieces.map((p) => Buffer.from(p)))));
    return out;
  }

  it("re-cuts any piece sizes into exact chunks, the last shorter and never empty", async () => {
    assert.deepEqual(await sizes([], 4), []);
    assert.deepEqual(await sizes([Buffer.alloc(0)], 4), []);
    assert.deepEqual(await sizes(["ab", "cdefghij", "k"], 4), [4, 4, 3]);
    assert.deepEqual(await sizes(["abcdefgh"], 4), [4, 4]);
    assert.deepEqual(await sizes(["a", "b", "c", "d", "e"], 2), [2, 2, 1]);
  });
});

describe("S3ObjectStore signing (no network needed)", () => {
  const options = {
    bucket: "bkt",
    region: "eu-west-1",
    endpoint: "http://s3.test:9000",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  };

  it("presigns a short-lived path-style PUT under the prefix, SigV4 over the host only", async () => {
    const store = new S3ObjectStore({ ...options, prefix: "team" });
    const signed = await store.signUpload("runs/1/a b.txt", 120);
    const url = new URL(signed.url);
    assert.equal(url.origin, "http://s3.test:9000");
    assert.equal(url.pathname, "/bkt/team/runs/1/a%20b.txt");
    assert.equal(url.searchParams.get("X-Amz-Expires"), "120");
    assert.equal(url.searchParams.get("X-Amz-SignedHeaders"), "host");
    assert.match(
      url.searchParams.get("X-Amz-Credential") ?? "",
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/,
    );
    assert.ok(!signed.url.includes(options.credentials.secretAccessKey));
    assert.ok(!signed.url.includes("checksum"), "no SDK checksum parameters a client could not satisfy");
    assert.deepEqual(signed.headers, []);
    store.close();
  });

  it("signs the SSE-KMS headers into the URL and hands them to the client", async () => {
    const store = new S3ObjectStore({ ...options, kmsKeyId: "arn:aws:kms:eu-west-1:1:key/abc" });
    const signed = await store.signUpload("k", 60);
    assert.deepEqual(signed.headers, [
      "x-amz-server-side-encryption:aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id:arn:aws:kms:eu-west-1:1:key/abc",
    ]);
    assert.equal(
      new URL(signed.url).searchParams.get("X-Amz-SignedHeaders"),
      "host;x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id",
    );
    // Downloads need no SSE headers (S3 decrypts KMS objects for an authorised GET).
    const download = new URL(await store.signDownload("k", 60));
    assert.equal(download.searchParams.get("X-Amz-SignedHeaders"), "host");
    store.close();
  });

  it("caps a presigned URL's lifetime at SigV4's 7 days", async () => {
    const store = new S3ObjectStore(options);
    const url = new URL(await store.signDownload("k", 30 * 24 * 3600));
    assert.equal(url.searchParams.get("X-Amz-Expires"), String(7 * 24 * 3600));
    store.close();
  });

  it("refuses a part size under S3's 5 MiB minimum", () => {
    assert.throws(() => new S3ObjectStore({ ...options, partSizeBytes: 1024 }), /at least 5242880/);
  });
});
