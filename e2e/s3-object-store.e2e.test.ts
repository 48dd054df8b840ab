/**
 * The S3 object store against a real MinIO (e2e/support/minio.ts), which checks SigV4 signatures,
 * presigned-URL expiry and does SSE-KMS: the shared ObjectStore contract, then what only S3 has —
 * presigned PUT/GET used over plain HTTP as the W&B client does, refused tampering, encryption,
 * the path prefix, and an unreachable store answering UNAVAILABLE.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { after, describe, it } from "node:test";
import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  assertRejectsWith,
  objectStoreContract,
  patterned,
} from "../apps/server/src/stores/objects/object-store.contract.ts";
import {
  S3_MIN_PART_BYTES,
  S3ObjectStore,
  type S3ObjectStoreOptions,
} from "../apps/server/src/stores/objects/s3.store.ts";
import { AppError } from "../packages/core/src/index.ts";
import { startMinio } from "./support/minio.ts";

const minio = await startMinio();
after(() => minio.dispose());

function storeWith(options: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore {
  return new S3ObjectStore({
    bucket: minio.bucket,
    region: minio.region,
    endpoint: minio.endpoint,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    // The smallest part size S3 allows, so the contract's ~11 MiB bodies go up as multipart uploads.
    partSizeBytes: S3_MIN_PART_BYTES,
    ...options,
  });
}

/** Every key in the bucket under `prefix`. */
async function keysUnder(prefix: string): Promise<string[]> {
  const answer = await minio.client.send(new ListObjectsV2Command({ Bucket: minio.bucket, Prefix: prefix }));
  return (answer.Contents ?? []).map((item) => item.Key ?? "").sort();
}

async function head(key: string) {
  return minio.client.send(new HeadObjectCommand({ Bucket: minio.bucket, Key: key }));
}

function md5Base64(data: Buffer | string): string {
  return createHash("md5").update(data).digest("base64");
}

/** `Name:Value` strings (W&B uploadHeaders) as fetch headers, split at the first colon as the client does. */
function headersOf(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    list.map((header) => [header.slice(0, header.indexOf(":")), header.slice(header.indexOf(":") + 1)]),
  );
}

objectStoreContract("S3ObjectStore on MinIO (path prefix, 5 MiB parts)", async () => {
  const store = storeWith({ prefix: "contract/objects" });
  return {
    store,
    // Unfinished multipart uploads, and any object outside the store's prefix (the contract runs
    // first, alone in the bucket).
    leftovers: async () => {
      const uploads = await minio.client.send(new ListMultipartUploadsCommand({ Bucket: minio.bucket }));
      const outside = (await keysUnder("")).filter((key) => !key.startsWith("contract/objects/"));
      return [...(uploads.Uploads ?? []).map((upload) => `upload ${upload.Key}`), ...outside];
    },
    cleanup: async () => store.close(),
  };
});

describe("S3ObjectStore on MinIO: presigned URLs, encryption, prefix, faults", () => {
  const store = storeWith({ prefix: "signed" });
  after(() => store.close());

  it("keeps keys under the path prefix, in presigned URLs too", async () => {
    const prefixed = storeWith({ prefix: "/team/ballast/" });
    await prefixed.put("runs/7/files/a.txt", Readable.from([Buffer.from("A")]));
    assert.deepEqual(await keysUnder("team/"), ["team/ballast/runs/7/files/a.txt"]);
    assert.deepEqual(await keysUnder("runs/"), []);
    const url = new URL(await prefixed.signDownload("runs/7/files/a.txt", 60));
    assert.equal(url.pathname, `/${minio.bucket}/team/ballast/runs/7/files/a.txt`);
    const rooted = storeWith();
    assert.equal(await rooted.stat("runs/7/files/a.txt"), undefined);
    assert.deepEqual(await rooted.stat("team/ballast/runs/7/files/a.txt"), { size: 1 });
    prefixed.close();
    rooted.close();
  });

  it("takes an upload through a presigned PUT and serves it through a presigned GET", async () => {
    const body = Buffer.from(`presigned ${"ü".repeat(100)} ${randomBytes(8).toString("hex")}`);
    const upload = await store.signUpload("runs/1/files/my file+é.txt", 300);
    assert.deepEqual(upload.headers, []);
    const url = new URL(upload.url);
    assert.equal(url.origin, minio.endpoint);
    assert.ok(Number(url.searchParams.get("X-Amz-Expires")) <= 300);
    assert.match(url.searchParams.get("X-Amz-Credential") ?? "", new RegExp(`^${minio.accessKeyId}/`));
    const put = await fetch(upload.url, { method: "PUT", body, headers: { "content-md5": md5Base64(body) } });
    assert.equal(put.status, 200, await put.text());
    assert.deepEqual(await store.stat("runs/1/files/my file+é.txt"), { size: body.length });

    const got = await fetch(await store.signDownload("runs/1/files/my file+é.txt", 60));
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(body));
    const ranged = await fetch(await store.signDownload("runs/1/files/my file+é.txt", 60), {
      headers: { range: "bytes=0-8" },
    });
    assert.equal(ranged.status, 206);
    assert.equal(await ranged.text(), "presigned");
  });

  it("lets S3 refuse a presigned PUT whose Content-MD5 does not match the bytes", async () => {
    const upload = await store.signUpload("runs/1/files/digest.txt", 60);
    const put = await fetch(upload.url, {
      method: "PUT",
      body: "actual bytes",
      headers: { "content-md5": md5Base64("other bytes") },
    });
    assert.equal(put.status, 400);
    assert.match(await put.text(), /BadDigest/);
    assert.equal(await store.stat("runs/1/files/digest.txt"), undefined);
  });

  it("has MinIO refuse tampered, misapplied and expired presigned URLs", async () => {
    await store.put("runs/1/files/secret.txt", Readable.from([Buffer.from("secret")]));
    const download = new URL(await store.signDownload("runs/1/files/secret.txt", 60));
    const signature = download.searchParams.get("X-Amz-Signature") ?? "";
    const tampered = new URL(download);
    tampered.searchParams.set(
      "X-Amz-Signature",
      `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`,
    );
    const refused = await fetch(tampered);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /SignatureDoesNotMatch/);

    // The same signature on another key, or with a longer expiry, does not verify either.
    const otherKey = new URL(download);
    otherKey.pathname = otherKey.pathname.replace("secret.txt", "other.txt");
    assert.equal((await fetch(otherKey)).status, 403);
    const longer = new URL(download);
    longer.searchParams.set("X-Amz-Expires", "604800");
    assert.equal((await fetch(longer)).status, 403);

    // A download URL does not authorise an upload to the same key.
    const misapplied = await fetch(download, { method: "PUT", body: "overwrite" });
    assert.equal(misapplied.status, 403);
    assert.equal(
      await text((await store.get("runs/1/files/secret.txt"))?.body ?? Readable.from([])),
      "secret",
    );

    const shortLived = await store.signDownload("runs/1/files/secret.txt", 1);
    assert.equal((await fetch(shortLived)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const expired = await fetch(shortLived);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /expired/i);
  });

  it("applies SSE-KMS with the configured key to puts, multipart puts, composes and presigned uploads", async () => {
    const kms = storeWith({ prefix: "kms", kmsKeyId: minio.kmsKeyId });
    const plainHead = await head("signed/runs/1/files/secret.txt");
    assert.notEqual(plainHead.ServerSideEncryption, "aws:kms");

    await kms.put("small.txt", Readable.from([Buffer.from("encrypted")]));
    await kms.put("large.bin", Readable.from([patterned(S3_MIN_PART_BYTES * 2 + 5, 3)]));
    await kms.put("parts/1", Readable.from([patterned(S3_MIN_PART_BYTES, 4)]));
    await kms.put("parts/2", Readable.from([Buffer.from("tail")]));
    const joined = await kms.compose("joined.bin", ["parts/1", "parts/2"]);
    assert.equal(joined.size, S3_MIN_PART_BYTES + 4);

    const upload = await kms.signUpload("presigned.txt", 60);
    assert.deepEqual(upload.headers, [
      "x-amz-server-side-encryption:aws:kms",
      `x-amz-server-side-encryption-aws-kms-key-id:${minio.kmsKeyId}`,
    ]);
    // The SSE headers are signed into the URL: a client that leaves them out is refused (MinIO says
    // 400 AccessDenied "headers present in the request which were not signed"; S3 says 403).
    const bare = await fetch(upload.url, { method: "PUT", body: "no headers" });
    assert.ok(bare.status === 400 || bare.status === 403, `status ${bare.status}`);
    assert.match(await bare.text(), /AccessDenied|SignatureDoesNotMatch/);
    assert.equal(await kms.stat("presigned.txt"), undefined);
    const put = await fetch(upload.url, {
      method: "PUT",
      body: "with headers",
      headers: headersOf(upload.headers),
    });
    assert.equal(put.status, 200, await put.text());

    for (const key of ["small.txt", "large.bin", "joined.bin", "presigned.txt"]) {
      const info = await head(`kms/${key}`);
      assert.equal(info.ServerSideEncryption, "aws:kms", key);
      assert.match(info.SSEKMSKeyId ?? "", new RegExp(`${minio.kmsKeyId}$`), key);
    }
    assert.equal(await text((await kms.get("small.txt"))?.body ?? Readable.from([])), "encrypted");
    // Under SSE-KMS the ETag is not the MD5, so describe reads the object to hash it.
    assert.deepEqual(await kms.describe("presigned.txt"), {
      size: 12,
      md5Base64: md5Base64("with headers"),
      md5Hex: createHash("md5").update("with headers").digest("hex"),
    });
    const got = await fetch(await kms.signDownload("presigned.txt", 60));
    assert.equal(await got.text(), "with headers");
    kms.close();
  });

  it("answers non-transient S3 refusals with INTERNAL (never 4xx), naming no secret", async () => {
    const wrongSecret = `wrong-${randomBytes(12).toString("hex")}`;
    const badKeys = storeWith({
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: wrongSecret },
    });
    const noBucket = storeWith({ bucket: "no-such-bucket" });
    for (const [store_, code] of [
      [badKeys, "SignatureDoesNotMatch"],
      [noBucket, "NoSuchBucket"],
    ] as const) {
      await assert.rejects(store_.put("x.txt", Readable.from([Buffer.from("x")])), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, "INTERNAL");
        assert.ok(error.status >= 500);
        assert.match(error.message, new RegExp(code));
        assert.ok(!JSON.stringify({ m: error.message, d: error.details }).includes(wrongSecret));
        assert.ok(!JSON.stringify({ m: error.message, d: error.details }).includes(minio.secretAccessKey));
        return true;
      });
    }
    badKeys.close();
    noBucket.close();
  });

  // Last: it stops the server.
  it("answers UNAVAILABLE (503) while MinIO is stopped, and works again once it is back", async () => {
    await store.put("runs/1/files/before.txt", Readable.from([Buffer.from("before")]));
    await minio.stop();
    try {
      // One at a time: each waits out the SDK's retries before it gives up.
      const attempts: [string, () => Promise<unknown>][] = [
        ["put", () => store.put("runs/1/files/during.txt", Readable.from([Buffer.from("during")]))],
        ["get", () => store.get("runs/1/files/before.txt")],
        ["stat", () => store.stat("runs/1/files/before.txt")],
        ["delete", () => store.delete("runs/1/files/before.txt")],
        ["compose", () => store.compose("runs/1/files/joined.txt", ["runs/1/files/before.txt"])],
      ];
      for (const [name, attempt] of attempts) {
        await assert.rejects(attempt(), (error: unknown) => {
          assert.ok(error instanceof AppError, name);
          assert.equal(error.code, "UNAVAILABLE", name);
          assert.equal(error.status, 503, name);
          assert.ok(!error.message.includes(minio.secretAccessKey));
          return true;
        });
      }
      // Signing needs no round trip, so URLs can still be handed out.
      assert.match((await store.signUpload("runs/1/files/later.txt", 60)).url, /X-Amz-Signature=/);
    } finally {
      await minio.start();
    }
    assert.equal(
      await text((await store.get("runs/1/files/before.txt"))?.body ?? Readable.from([])),
      "before",
    );
    await assertRejectsWith(store.put("bad//key", Readable.from([])), "INVALID_PATH");
  });
});
