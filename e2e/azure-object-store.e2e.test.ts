/**
 * The Azure object store against a real Azurite (e2e/support/azurite.ts), which checks Shared Key
 * and SAS signatures, permissions and expiry: the shared ObjectStore contract, then what only Azure
 * has — SAS uploads the way the W&B clients make them (Put Blob, and blocks plus a block list),
 * SAS downloads, refused tampering, the path prefix, the CORS check, and faults.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { after, describe, it } from "node:test";
import {
  AzureObjectStore,
  type AzureObjectStoreOptions,
} from "../apps/server/src/stores/objects/azure.store.ts";
import {
  assertRejectsWith,
  objectStoreContract,
  patterned,
} from "../apps/server/src/stores/objects/object-store.contract.ts";
import { AppError } from "../packages/core/src/index.ts";
import { startAzurite } from "./support/azurite.ts";

const MIB = 1024 * 1024;
const azurite = await startAzurite();
after(() => azurite.dispose());

function storeWith(options: Partial<AzureObjectStoreOptions> = {}): AzureObjectStore {
  return new AzureObjectStore({
    account: azurite.account,
    accountKey: azurite.accountKey,
    container: azurite.containerName,
    endpoint: `http://${azurite.host}/${azurite.account}`,
    // Small blocks, so the contract's ~11 MiB bodies are staged as several blocks.
    blockSizeBytes: 4 * MIB,
    ...options,
  });
}

/** Every blob under `prefix`, uncommitted ones (staged blocks, no commit) marked. */
async function blobsUnder(prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of azurite.container.listBlobsFlat({ prefix, includeUncommitedBlobs: true })) {
    names.push(blob.properties.contentLength === undefined ? `uncommitted ${blob.name}` : blob.name);
  }
  return names.sort();
}

/**
 * Blobs that exist only as staged blocks. Blocks staged beside a committed blob (a failed
 * replacement) are not counted: Azure offers no call that drops them short of a commit, which
 * would rewrite the blob; it discards them at the blob's next commit or after 7 days.
 */
async function uncommitted(): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of azurite.container.listBlobsFlat({ includeUncommitedBlobs: true })) {
    const blocks = await azurite.container.getBlockBlobClient(blob.name).getBlockList("all");
    const staged = (blocks.uncommittedBlocks ?? []).length > 0;
    const committed = await azurite.container.getBlockBlobClient(blob.name).exists();
    if (staged && !committed) names.push(`blocks of ${blob.name}`);
  }
  return names;
}

function md5Base64(data: Buffer | string): string {
  return createHash("md5").update(data).digest("base64");
}

function headersOf(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    list.map((header) => [header.slice(0, header.indexOf(":")), header.slice(header.indexOf(":") + 1)]),
  );
}

objectStoreContract("AzureObjectStore on Azurite (path prefix, 4 MiB blocks)", async () => {
  const store = storeWith({ prefix: "contract/objects" });
  return {
    store,
    // Staged blocks never committed, and any blob outside the store's prefix (the contract runs
    // first, alone in the container).
    leftovers: async () => {
      const outside = (await blobsUnder("")).filter((name) => !name.includes("contract/objects/"));
      return [...(await uncommitted()), ...outside];
    },
    cleanup: async () => store.close(),
  };
});

describe("AzureObjectStore on Azurite: SAS URLs, prefix, CORS, faults", () => {
  const store = storeWith({ prefix: "signed" });
  after(() => store.close());

  it("keeps keys under the path prefix, in SAS URLs too", async () => {
    const prefixed = storeWith({ prefix: "/team/ballast/" });
    await prefixed.put("runs/7/files/a.txt", Readable.from([Buffer.from("A")]));
    assert.deepEqual(await blobsUnder("team/"), ["team/ballast/runs/7/files/a.txt"]);
    const url = new URL(await prefixed.signDownload("runs/7/files/a.txt", 60));
    assert.equal(
      url.pathname,
      `/${azurite.account}/${azurite.containerName}/team/ballast/runs/7/files/a.txt`,
    );
    assert.deepEqual(await storeWith().stat("team/ballast/runs/7/files/a.txt"), { size: 1 });
    assert.equal(await storeWith().stat("runs/7/files/a.txt"), undefined);
  });

  it("takes a SAS upload as one Put Blob (the Python client's way) and serves it by SAS", async () => {
    const body = Buffer.from(`sas ${"ü".repeat(100)} ${randomBytes(8).toString("hex")}`);
    const upload = await store.signUpload("runs/1/files/my file+é.txt", 300);
    assert.deepEqual(upload.headers, ["x-ms-blob-type:BlockBlob"]);
    const url = new URL(upload.url);
    assert.equal(url.searchParams.get("sp"), "cw");
    const expiry = Date.parse(url.searchParams.get("se") ?? "");
    assert.ok(expiry <= Date.now() + 301_000 && expiry > Date.now(), "expires within the TTL");
    const put = await fetch(upload.url, { method: "PUT", body, headers: headersOf(upload.headers) });
    assert.equal(put.status, 201, await put.text());
    assert.deepEqual(await store.describe("runs/1/files/my file+é.txt"), {
      size: body.length,
      md5Base64: md5Base64(body),
      md5Hex: createHash("md5").update(body).digest("hex"),
    });
    const got = await fetch(await store.signDownload("runs/1/files/my file+é.txt", 60));
    assert.equal(got.status, 200);
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(body));
    const ranged = await fetch(await store.signDownload("runs/1/files/my file+é.txt", 60), {
      headers: { range: "bytes=0-2" },
    });
    assert.equal(ranged.status, 206);
    assert.equal(await ranged.text(), "sas");
  });

  it("takes a SAS upload as blocks and a block list (wandb-core's way), whatever MD5 it declares", async () => {
    const upload = await store.signUpload("runs/1/files/blocks.bin", 300);
    const whole = patterned(3 * 4096 + 17, 9);
    const ids: string[] = [];
    for (let offset = 0, n = 0; offset < whole.length; offset += 4096, n++) {
      const id = Buffer.from(`block-${String(n).padStart(4, "0")}`).toString("base64");
      ids.push(id);
      const block = await fetch(`${upload.url}&comp=block&blockid=${encodeURIComponent(id)}`, {
        method: "PUT",
        body: whole.subarray(offset, offset + 4096),
      });
      assert.equal(block.status, 201, await block.text());
    }
    const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join("")}</BlockList>`;
    const commit = await fetch(`${upload.url}&comp=blocklist`, {
      method: "PUT",
      body: list,
      // A declared content MD5 is stored, never checked: describe must not trust it.
      headers: { "x-ms-blob-content-md5": md5Base64("not these bytes") },
    });
    assert.equal(commit.status, 201, await commit.text());
    const described = await store.describe("runs/1/files/blocks.bin");
    assert.equal(described?.size, whole.length);
    assert.equal(described?.md5Base64, md5Base64(whole));
  });

  it("has Azurite refuse tampered, misapplied and expired SAS URLs", async () => {
    await store.put("runs/1/files/secret.txt", Readable.from([Buffer.from("secret")]));
    const download = new URL(await store.signDownload("runs/1/files/secret.txt", 60));
    const signature = download.searchParams.get("sig") ?? "";
    const tampered = new URL(download);
    tampered.searchParams.set(
      "sig",
      `${signature.slice(0, 2)}${signature.startsWith("AA") ? "BB" : "AA"}${signature.slice(4)}`,
    );
    assert.equal((await fetch(tampered)).status, 403);
    const otherKey = new URL(download);
    otherKey.pathname = otherKey.pathname.replace("secret.txt", "other.txt");
    assert.equal((await fetch(otherKey)).status, 403);
    const longer = new URL(download);
    longer.searchParams.set("se", new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, "Z"));
    assert.equal((await fetch(longer)).status, 403);
    // A download URL does not authorise an upload to the same blob.
    const misapplied = await fetch(download, {
      method: "PUT",
      body: "overwrite",
      headers: { "x-ms-blob-type": "BlockBlob" },
    });
    assert.equal(misapplied.status, 403);
    assert.equal(
      await text((await store.get("runs/1/files/secret.txt"))?.body ?? Readable.from([])),
      "secret",
    );

    const shortLived = await store.signDownload("runs/1/files/secret.txt", 1);
    assert.equal((await fetch(shortLived)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    assert.equal((await fetch(shortLived)).status, 403);
  });

  it("judges the Blob service's CORS rules for the web UI and names the Azure fix", async () => {
    const origin = "https://ballast.example.com";
    const missing = await store.checkCors(origin, AbortSignal.timeout(5_000));
    assert.equal(missing.status, "missing");
    assert.match(
      missing.status === "missing" ? missing.fix : "",
      /az storage cors add --services b .*--account-name ballast/,
    );
    await azurite.service.setProperties({
      cors: [
        {
          allowedOrigins: origin,
          allowedMethods: "GET,PUT,HEAD",
          allowedHeaders: "*",
          exposedHeaders: "ETag",
          maxAgeInSeconds: 3000,
        },
      ],
    });
    assert.deepEqual(await store.checkCors(origin, AbortSignal.timeout(5_000)), { status: "ok" });
    assert.equal(
      (await store.checkCors("https://other.example.com", AbortSignal.timeout(5_000))).status,
      "missing",
    );
  });

  it("answers non-transient refusals with INTERNAL (never 4xx), naming no secret", async () => {
    const wrongKey = randomBytes(64).toString("base64");
    const badKey = storeWith({ accountKey: wrongKey });
    const noContainer = storeWith({ container: "no-such-container" });
    for (const [store_, code] of [
      [badKey, "AuthorizationFailure"],
      [noContainer, "ContainerNotFound"],
    ] as const) {
      for (const attempt of [
        () => store_.put("x.txt", Readable.from([Buffer.from("x")])),
        () => store_.stat("x.txt"),
        () => store_.get("x.txt"),
      ]) {
        await assert.rejects(attempt(), (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, "INTERNAL");
          assert.ok(error.status >= 500);
          assert.match(error.message, new RegExp(code));
          const shown = JSON.stringify({ m: error.message, d: error.details });
          assert.ok(!shown.includes(wrongKey) && !shown.includes(azurite.accountKey));
          return true;
        });
      }
    }
    await assert.rejects(noContainer.checkBucket(AbortSignal.timeout(5_000)));
    await store.checkBucket(AbortSignal.timeout(5_000));
  });

  // Last: it stops the emulator.
  it("answers UNAVAILABLE (503) while Azurite is stopped, and works again once it is back", async () => {
    await store.put("runs/1/files/before.txt", Readable.from([Buffer.from("before")]));
    await azurite.stop();
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
      await azurite.start();
    }
    assert.equal(
      await text((await store.get("runs/1/files/before.txt"))?.body ?? Readable.from([])),
      "before",
    );
  });
});
