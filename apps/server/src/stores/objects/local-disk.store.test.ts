import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { after, describe, it } from "node:test";
import { AppError, type ErrorCode } from "@ballast/core";
import { LocalDiskObjectStore } from "./local-disk.store.ts";
import { UrlSigner } from "./url-signer.ts";

const root = mkdtempSync(join(tmpdir(), "ballast-objects-"));
const store = new LocalDiskObjectStore(root, new UrlSigner(randomBytes(32), "http://ballast.test"));

function md5(data: string | Buffer) {
  const digest = createHash("md5").update(data).digest();
  return { base64: digest.toString("base64"), hex: digest.toString("hex") };
}

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

async function readAll(key: string, range?: { start: number; end: number }): Promise<string | undefined> {
  const got = await store.get(key, range);
  return got && text(got.body);
}

async function assertRejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof AppError && error.code === code);
}

/** A body that yields `good` chunks and then fails, as a dropped upload connection does. */
function failingBody(good: string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const chunk of good) {
        yield Buffer.from(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error("connection reset");
    })(),
  );
}

describe("LocalDiskObjectStore (real files under a temporary root)", () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it("puts, stats, gets and deletes an object, reporting its size and MD5", async () => {
    const key = "runs/1/files/media/images/x 1.png";
    const content = `hello ballast ${"é".repeat(1000)}\n`;
    const stored = await store.put(key, Readable.from([Buffer.from(content)]));
    const bytes = Buffer.byteLength(content);
    assert.deepEqual(stored, { size: bytes, md5Base64: md5(content).base64, md5Hex: md5(content).hex });
    assert.deepEqual(await store.stat(key), { size: bytes });
    const got = await store.get(key);
    assert.ok(got);
    assert.equal(got.size, bytes);
    assert.equal(await text(got.body), content);
    assert.ok(
      filesUnder(join(root, "objects")).includes(join("runs", "1", "files", "media", "images", "x 1.png")),
    );

    await store.delete(key);
    assert.equal(await store.stat(key), undefined);
    assert.equal(await store.get(key), undefined);
    await store.delete(key); // deleting an absent object is not an error
  });

  it("stores an empty body", async () => {
    const stored = await store.put("empty", Readable.from([]));
    assert.deepEqual(stored, { size: 0, md5Base64: md5("").base64, md5Hex: md5("").hex });
    assert.equal(await readAll("empty"), "");
  });

  it("hashes a body that arrives in many chunks", async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => randomBytes(1000 + i));
    const whole = Buffer.concat(chunks);
    const stored = await store.put("chunked.bin", Readable.from(chunks));
    assert.equal(stored.size, whole.length);
    assert.equal(stored.md5Hex, md5(whole).hex);
    const got = await store.get("chunked.bin");
    assert.ok(got);
    const back: Buffer[] = [];
    for await (const chunk of got.body) back.push(chunk as Buffer);
    assert.ok(Buffer.concat(back).equals(whole));
  });

  it("accepts a matching expected MD5 and replaces an existing object", async () => {
    await store.put("replace.txt", Readable.from([Buffer.from("old")]));
    const stored = await store.put("replace.txt", Readable.from([Buffer.from("new!")]), {
      expectedMd5Base64: md5("new!").base64,
    });
    assert.equal(stored.md5Base64, md5("new!").base64);
    assert.equal(await readAll("replace.txt"), "new!");
  });

  it("refuses a body whose MD5 differs from the expected one, leaving no object and no temp file", async () => {
    await assertRejectsWith(
      store.put("digest/bad.txt", Readable.from([Buffer.from("actual")]), {
        expectedMd5Base64: md5("expected").base64,
      }),
      "DIGEST_MISMATCH",
    );
    assert.equal(await store.stat("digest/bad.txt"), undefined);
    assert.deepEqual(filesUnder(join(root, "tmp")), []);
  });

  it("keeps the previous object when a replacement fails its digest check", async () => {
    await store.put("digest/keep.txt", Readable.from([Buffer.from("v1")]));
    await assertRejectsWith(
      store.put("digest/keep.txt", Readable.from([Buffer.from("v2")]), {
        expectedMd5Base64: md5("v3").base64,
      }),
      "DIGEST_MISMATCH",
    );
    assert.equal(await readAll("digest/keep.txt"), "v1");
  });

  it("refuses unsafe keys with INVALID_PATH on every operation", async () => {
    for (const key of ["../x", "a//b", "/abs", "a/./b", "a\\b", ""]) {
      await assertRejectsWith(store.put(key, Readable.from([Buffer.from("x")])), "INVALID_PATH");
      await assertRejectsWith(store.get(key), "INVALID_PATH");
      await assertRejectsWith(store.stat(key), "INVALID_PATH");
      await assertRejectsWith(store.delete(key), "INVALID_PATH");
      await assertRejectsWith(store.signUpload(key, 60), "INVALID_PATH");
      await assertRejectsWith(store.signDownload(key, 60), "INVALID_PATH");
    }
    assert.deepEqual(filesUnder(join(root, "x")), []);
    assert.deepEqual(filesUnder(join(root, "tmp")), []);
  });

  it("reads an inclusive byte range", async () => {
    await store.put("range.txt", Readable.from([Buffer.from("0123456789")]));
    assert.equal(await readAll("range.txt", { start: 2, end: 5 }), "2345");
    assert.equal(await readAll("range.txt", { start: 0, end: 0 }), "0");
    assert.equal(await readAll("range.txt", { start: 9, end: 9 }), "9");
    const got = await store.get("range.txt", { start: 3, end: 4 });
    assert.ok(got);
    assert.equal(got.size, 10); // the whole object's size, for Content-Range
    got.body.destroy();
  });

  it("does not report a directory as an object", async () => {
    await store.put("dir/child.txt", Readable.from([Buffer.from("c")]));
    assert.equal(await store.stat("dir"), undefined);
    assert.equal(await store.get("dir"), undefined);
  });

  it("composes parts in order into one object and removes the parts", async () => {
    const parts = ["uploads/u1/part-1", "uploads/u1/part-2", "uploads/u1/part-3"];
    const contents = ["first;", "second ".repeat(10_000), "third"];
    for (const [i, part] of parts.entries()) {
      await store.put(part, Readable.from([Buffer.from(contents[i] ?? "")]));
    }
    const whole = contents.join("");
    const stored = await store.compose("artifacts/whole.bin", parts);
    assert.deepEqual(stored, {
      size: Buffer.byteLength(whole),
      md5Base64: md5(whole).base64,
      md5Hex: md5(whole).hex,
    });
    assert.equal(await readAll("artifacts/whole.bin"), whole);
    for (const part of parts) assert.equal(await store.stat(part), undefined);
  });

  it("leaves nothing behind when the body fails midway", async () => {
    await assert.rejects(
      store.put("broken/midway.bin", failingBody(["abc", "def", "ghi"])),
      /connection reset/,
    );
    assert.equal(await store.stat("broken/midway.bin"), undefined);
    assert.deepEqual(filesUnder(join(root, "objects", "broken")), []);
    assert.deepEqual(filesUnder(join(root, "tmp")), []);
  });

  it("leaves nothing behind when the body fails before its first byte", async () => {
    await assert.rejects(store.put("broken/immediate.bin", failingBody([])), /connection reset/);
    assert.equal(await store.stat("broken/immediate.bin"), undefined);
    // Give a still-pending open() of the temp file the chance to land before looking.
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(filesUnder(join(root, "tmp")), []);
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
