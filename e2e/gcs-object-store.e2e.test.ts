/**
 * The GCS object store against fake-gcs-server (e2e/support/fake-gcs.ts), which speaks GCS's JSON
 * API and checks a declared MD5 as GCS does, but does not verify signed URLs: their V4 signatures
 * and expiry are checked here against the service account's public key. The shared ObjectStore
 * contract, then signed URLs used over plain HTTP as the W&B client does, the path prefix, the
 * CORS check and faults.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { after, describe, it } from "node:test";
import { GcsObjectStore, type GcsObjectStoreOptions } from "../apps/server/src/stores/objects/gcs.store.ts";
import {
  assertRejectsWith,
  objectStoreContract,
} from "../apps/server/src/stores/objects/object-store.contract.ts";
import { AppError } from "../packages/core/src/index.ts";
import { startFakeGcs, verifySignedUrl } from "./support/fake-gcs.ts";

const MIB = 1024 * 1024;
const gcs = await startFakeGcs();
after(() => gcs.dispose());
// Application Default Credentials: the store signs with this service account's key.
process.env.GOOGLE_APPLICATION_CREDENTIALS = gcs.keyFile;

function storeWith(options: Partial<GcsObjectStoreOptions> = {}): GcsObjectStore {
  return new GcsObjectStore({
    bucket: gcs.bucket,
    endpoint: gcs.endpoint,
    // Small, so the contract's ~11 MiB bodies go up as resumable uploads.
    singleRequestBytes: 4 * MIB,
    ...options,
  });
}

function md5Base64(data: Buffer | string): string {
  return createHash("md5").update(data).digest("base64");
}

objectStoreContract("GcsObjectStore on fake-gcs-server (path prefix, resumable above 4 MiB)", async () => {
  const store = storeWith({ prefix: "contract/objects" });
  return {
    store,
    // Any object outside the store's prefix (the contract runs first, alone in the bucket); an
    // unfinished resumable upload is no object.
    leftovers: async () =>
      (await gcs.objectNames("")).filter((name) => !name.startsWith("contract/objects/")),
    cleanup: async () => store.close(),
  };
});

describe("GcsObjectStore on fake-gcs-server: signed URLs, prefix, CORS, faults", () => {
  const store = storeWith({ prefix: "signed" });
  after(() => store.close());

  it("keeps keys under the path prefix, in signed URLs too", async () => {
    const prefixed = storeWith({ prefix: "/team/ballast/" });
    await prefixed.put("runs/7/files/a.txt", Readable.from([Buffer.from("A")]));
    assert.deepEqual(await gcs.objectNames("team/"), ["team/ballast/runs/7/files/a.txt"]);
    const url = new URL(await prefixed.signDownload("runs/7/files/a.txt", 60));
    assert.equal(url.pathname, `/${gcs.bucket}/team/ballast/runs/7/files/a.txt`);
    assert.deepEqual(await storeWith().stat("team/ballast/runs/7/files/a.txt"), { size: 1 });
    assert.equal(await storeWith().stat("runs/7/files/a.txt"), undefined);
  });

  it("signs V4 URLs with the service account's key, for one method, one object and the TTL", async () => {
    const upload = await store.signUpload("runs/1/files/my file+é.txt", 300);
    assert.deepEqual(upload.headers, []);
    assert.equal(verifySignedUrl("PUT", upload.url, gcs.publicKey), "");
    const url = new URL(upload.url);
    assert.equal(url.origin, gcs.endpoint);
    assert.equal(url.searchParams.get("X-Goog-Expires"), "300");
    assert.match(url.searchParams.get("X-Goog-Credential") ?? "", new RegExp(`^${gcs.clientEmail}/`));
    // The same signature for another method, another object or a longer life does not verify.
    assert.equal(verifySignedUrl("GET", upload.url, gcs.publicKey), "the signature does not verify");
    const other = new URL(upload.url);
    other.pathname = other.pathname.replace("my%20file", "other");
    assert.equal(verifySignedUrl("PUT", other.toString(), gcs.publicKey), "the signature does not verify");
    const longer = new URL(upload.url);
    longer.searchParams.set("X-Goog-Expires", "604800");
    assert.equal(verifySignedUrl("PUT", longer.toString(), gcs.publicKey), "the signature does not verify");
    assert.equal(verifySignedUrl("PUT", upload.url, gcs.publicKey, Date.now() + 301_000), "expired");
    const download = await store.signDownload("runs/1/files/my file+é.txt", 60);
    assert.equal(verifySignedUrl("GET", download, gcs.publicKey), "");
  });

  it("takes an upload through a signed PUT and serves it through a signed GET", async () => {
    const body = Buffer.from(`signed ${"ü".repeat(100)} ${randomBytes(8).toString("hex")}`);
    const upload = await store.signUpload("runs/1/files/my file+é.txt", 300);
    const put = await fetch(upload.url, { method: "PUT", body });
    assert.ok(put.ok, `${put.status} ${await put.text()}`);
    assert.deepEqual(await store.describe("runs/1/files/my file+é.txt"), {
      size: body.length,
      md5Base64: md5Base64(body),
      md5Hex: createHash("md5").update(body).digest("hex"),
    });
    const got = await fetch(await store.signDownload("runs/1/files/my file+é.txt", 60));
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(body));
    assert.ok((await gcs.objectBytes("signed/runs/1/files/my file+é.txt"))?.equals(body));
  });

  it("judges the bucket's CORS configuration for the web UI and names the gcloud fix", async () => {
    const verdict = await store.checkCors("https://ballast.example.com", AbortSignal.timeout(5_000));
    assert.equal(verdict.status, "missing", JSON.stringify(verdict));
    assert.match(
      verdict.status === "missing" ? verdict.fix : "",
      new RegExp(`gcloud storage buckets update gs://${gcs.bucket} --cors-file=cors.json`),
    );
  });

  it("answers a missing bucket with INTERNAL (never 4xx) on writes and a failed readiness check", async () => {
    const noBucket = storeWith({ bucket: "no-such-bucket" });
    await assert.rejects(noBucket.put("x.txt", Readable.from([Buffer.from("x")])), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, "INTERNAL");
      assert.ok(error.status >= 500);
      assert.match(error.message, /HTTP 404/);
      return true;
    });
    await assert.rejects(noBucket.checkBucket(AbortSignal.timeout(5_000)));
    await store.checkBucket(AbortSignal.timeout(5_000));
  });

  // Last: it stops the emulator.
  it("answers UNAVAILABLE (503) while the emulator is stopped, and works again once it is back", async () => {
    await store.put("runs/1/files/before.txt", Readable.from([Buffer.from("before")]));
    await gcs.stop();
    try {
      const attempts: [string, () => Promise<unknown>][] = [
        ["put", () => store.put("runs/1/files/during.txt", Readable.from([Buffer.from("during")]))],
        ["get", () => store.get("runs/1/files/before.txt")],
        ["stat", () => store.stat("runs/1/files/before.txt")],
        ["delete", () => store.delete("runs/1/files/before.txt")],
        ["compose", () => store.compose("runs/1/files/joined.txt", ["runs/1/files/before.txt"])],
      ];
      for (const [name, attempt] of attempts) {
        await assertRejectsWith(attempt(), "UNAVAILABLE").catch((error: unknown) => {
          throw new Error(`${name}: ${String(error)}`);
        });
      }
    } finally {
      await gcs.start();
    }
    assert.equal(
      await text((await store.get("runs/1/files/before.txt"))?.body ?? Readable.from([])),
      "before",
    );
  });
});
