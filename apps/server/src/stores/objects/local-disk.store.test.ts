import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import { LocalDiskObjectStore } from "./local-disk.store.ts";
import { objectStoreContract } from "./object-store.contract.ts";
import { UrlSigner } from "./url-signer.ts";

/** Every file below `dir`, relative, or [] when `dir` does not exist. */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

objectStoreContract("LocalDiskObjectStore (real files under a temporary root)", async () => {
  const root = mkdtempSync(join(tmpdir(), "ballast-objects-contract-"));
  return {
    store: new LocalDiskObjectStore(root, new UrlSigner(randomBytes(32), "http://ballast.test")),
    // A failed write must leave no temp file and nothing outside the objects tree.
    leftovers: async () => [
      ...filesUnder(join(root, "tmp")),
      ...readdirSync(root).filter((name) => name !== "objects" && name !== "tmp"),
    ],
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
});

describe("LocalDiskObjectStore: layout and signed URLs", () => {
  const root = mkdtempSync(join(tmpdir(), "ballast-objects-"));
  const store = new LocalDiskObjectStore(root, new UrlSigner(randomBytes(32), "http://ballast.test"));
  after(() => rmSync(root, { recursive: true, force: true }));

  it("keeps an object as a file at its key's path under objects/", async () => {
    await store.put("runs/1/files/media/images/x 1.png", Readable.from([Buffer.from("png")]));
    assert.deepEqual(filesUnder(join(root, "objects")), [
      join("runs", "1", "files", "media", "images", "x 1.png"),
    ]);
    assert.deepEqual(filesUnder(join(root, "tmp")), []);
  });

  it("writes nothing outside its root for unsafe keys", async () => {
    await assert.rejects(store.put("../escape", Readable.from([Buffer.from("x")])));
    assert.deepEqual(filesUnder(join(root, "..", "escape")), []);
  });

  it("signs upload and download URLs for the key", async () => {
    const upload = await store.signUpload("runs/1/a b.txt", 60);
    assert.deepEqual(upload.headers, []);
    assert.match(
      upload.url,
      /^http:\/\/ballast\.test\/storage\/runs\/1\/a%20b\.txt\?expires=\d+&signature=[0-9a-f]{64}$/,
    );
    const download = await store.signDownload("runs/1/a b.txt", 60);
    assert.match(download, /^http:\/\/ballast\.test\/storage\/runs\/1\/a%20b\.txt\?/);
    assert.notEqual(
      new URL(download).searchParams.get("signature"),
      new URL(upload.url).searchParams.get("signature"),
    );
  });
});
