/**
 * The behaviour every ObjectStore must have, run against each implementation (local disk in
 * local-disk.store.test.ts, S3 against a real MinIO in e2e/s3-object-store.e2e.test.ts). A store's
 * own extras (file layout, URL formats, encryption) are tested next to it.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { after, before, describe, it } from "node:test";
import { AppError, type ErrorCode } from "@ballast/core";
import type { ObjectStore } from "./object-store.ts";

export interface ContractTarget {
  readonly store: ObjectStore;
  /** Whatever a failed write may have left behind (temp files, unfinished multipart uploads). */
  leftovers(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const MIB = 1024 * 1024;

export function md5(data: string | Buffer) {
  const digest = createHash("md5").update(data).digest();
  return { base64: digest.toString("base64"), hex: digest.toString("hex") };
}

export async function assertRejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof AppError && error.code === code);
}

/** A body that yields `good` chunks and then fails, as a dropped upload connection does. */
export function failingBody(good: readonly (string | Buffer)[]): Readable {
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

/** `size` bytes of a repeating, position-dependent pattern (so misplaced bytes change the MD5). */
export function patterned(size: number, seed: number): Buffer {
  const buffer = Buffer.alloc(Math.ceil(size / 4) * 4);
  for (let i = 0; i < buffer.length; i += 4) buffer.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return buffer.subarray(0, size);
}

async function readBytes(store: ObjectStore, key: string): Promise<Buffer | undefined> {
  const got = await store.get(key);
  if (!got) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of got.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Registers the shared suite; `open` runs once before it. Bodies up to ~12 MiB are written. */
export function objectStoreContract(label: string, open: () => Promise<ContractTarget>): void {
  describe(`ObjectStore contract: ${label}`, () => {
    let target: ContractTarget;
    let store: ObjectStore;
    before(async () => {
      target = await open();
      store = target.store;
    });
    after(() => target.cleanup());

    async function readAll(key: string, range?: { start: number; end: number }) {
      const got = await store.get(key, range);
      return got && text(got.body);
    }

    it("puts, stats, gets and deletes an object, reporting its size and MD5", async () => {
      const key = "runs/1/files/media/images/x 1.png";
      const content = `hello ballast ${"é".repeat(1000)}\n`;
      const stored = await store.put(key, Readable.from([Buffer.from(content)]));
      const bytes = Buffer.byteLength(content);
      assert.deepEqual(stored, { size: bytes, md5Base64: md5(content).base64, md5Hex: md5(content).hex });
      assert.deepEqual(await store.stat(key), { size: bytes });
      assert.deepEqual(await store.describe(key), stored);
      const got = await store.get(key);
      assert.ok(got);
      assert.equal(got.size, bytes);
      assert.equal(await text(got.body), content);

      await store.delete(key);
      assert.equal(await store.stat(key), undefined);
      assert.equal(await store.describe(key), undefined);
      assert.equal(await store.get(key), undefined);
      await store.delete(key); // deleting an absent object is not an error
    });

    it("stores an empty body", async () => {
      const stored = await store.put("empty", Readable.from([]));
      assert.deepEqual(stored, { size: 0, md5Base64: md5("").base64, md5Hex: md5("").hex });
      assert.deepEqual(await store.stat("empty"), { size: 0 });
      assert.equal(await readAll("empty"), "");
    });

    it("hashes a body that arrives in many chunks", async () => {
      const chunks = Array.from({ length: 50 }, (_, i) => randomBytes(1000 + i));
      const whole = Buffer.concat(chunks);
      const stored = await store.put("chunked.bin", Readable.from(chunks));
      assert.equal(stored.size, whole.length);
      assert.equal(stored.md5Hex, md5(whole).hex);
      assert.ok((await readBytes(store, "chunked.bin"))?.equals(whole));
    });

    it("stores a large body (multipart where the store has it) byte for byte", async () => {
      const whole = patterned(11 * MIB + 12_345, 1);
      const pieces = Array.from({ length: Math.ceil(whole.length / 65_536) }, (_, i) =>
        whole.subarray(i * 65_536, (i + 1) * 65_536),
      );
      const stored = await store.put("large/whole.bin", Readable.from(pieces), {
        expectedMd5Base64: md5(whole).base64,
      });
      assert.deepEqual(stored, { size: whole.length, md5Base64: md5(whole).base64, md5Hex: md5(whole).hex });
      assert.deepEqual(await store.stat("large/whole.bin"), { size: whole.length });
      // A multipart object's ETag is not its MD5: describe must hash it.
      assert.deepEqual(await store.describe("large/whole.bin"), stored);
      assert.ok((await readBytes(store, "large/whole.bin"))?.equals(whole));
      assert.deepEqual(await target.leftovers(), []);
    });

    it("accepts a matching expected MD5 and replaces an existing object", async () => {
      await store.put("replace.txt", Readable.from([Buffer.from("old")]));
      const stored = await store.put("replace.txt", Readable.from([Buffer.from("new!")]), {
        expectedMd5Base64: md5("new!").base64,
      });
      assert.equal(stored.md5Base64, md5("new!").base64);
      assert.equal(await readAll("replace.txt"), "new!");
    });

    it("refuses a body whose MD5 differs from the expected one, leaving no object and no leftovers", async () => {
      await assertRejectsWith(
        store.put("digest/bad.txt", Readable.from([Buffer.from("actual")]), {
          expectedMd5Base64: md5("expected").base64,
        }),
        "DIGEST_MISMATCH",
      );
      assert.equal(await store.stat("digest/bad.txt"), undefined);
      assert.deepEqual(await target.leftovers(), []);
    });

    it("keeps the previous object when a replacement fails its digest check, small or large", async () => {
      await store.put("digest/keep.txt", Readable.from([Buffer.from("v1")]));
      await assertRejectsWith(
        store.put("digest/keep.txt", Readable.from([Buffer.from("v2")]), {
          expectedMd5Base64: md5("v3").base64,
        }),
        "DIGEST_MISMATCH",
      );
      assert.equal(await readAll("digest/keep.txt"), "v1");
      await assertRejectsWith(
        store.put("digest/keep.txt", Readable.from([patterned(11 * MIB, 2)]), {
          expectedMd5Base64: md5("v3").base64,
        }),
        "DIGEST_MISMATCH",
      );
      assert.equal(await readAll("digest/keep.txt"), "v1");
      assert.deepEqual(await target.leftovers(), []);
    });

    it("refuses unsafe keys with INVALID_PATH on every operation", async () => {
      for (const key of ["../x", "a//b", "/abs", "a/./b", "a\\b", ""]) {
        await assertRejectsWith(store.put(key, Readable.from([Buffer.from("x")])), "INVALID_PATH");
        await assertRejectsWith(store.get(key), "INVALID_PATH");
        await assertRejectsWith(store.stat(key), "INVALID_PATH");
        await assertRejectsWith(store.delete(key), "INVALID_PATH");
        await assertRejectsWith(store.compose("ok", [key]), "INVALID_PATH");
        await assertRejectsWith(store.compose(key, ["ok"]), "INVALID_PATH");
        await assertRejectsWith(store.signUpload(key, 60), "INVALID_PATH");
        await assertRejectsWith(store.signDownload(key, 60), "INVALID_PATH");
      }
      assert.equal(await store.stat("x"), undefined);
      assert.deepEqual(await target.leftovers(), []);
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

    it("composes small parts in order into one object and removes the parts", async () => {
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

    // Sizes around S3's 5 MiB part floor: large parts with a small tail (the W&B client's shape),
    // small parts adding up past the floor, and a large part after small ones.
    const shapes: Record<string, number[]> = {
      "large parts and a small last part": [5 * MIB, 5 * MIB + 7, 1000],
      "small parts adding up past 5 MiB": [3 * MIB, 2 * MIB, 2 * MIB + 3, 11],
      "a large part after small ones": [1 * MIB, 6 * MIB, 17, 5 * MIB],
      "one empty part": [0],
    };
    for (const [shape, sizes] of Object.entries(shapes)) {
      it(`composes ${shape} byte for byte`, async () => {
        const id = randomBytes(4).toString("hex");
        const parts = sizes.map((_, i) => `uploads/${id}/${i + 1}`);
        const contents = sizes.map((size, i) => patterned(size, i + 10));
        for (const [i, part] of parts.entries()) {
          await store.put(part, Readable.from([contents[i] ?? Buffer.alloc(0)]));
        }
        const whole = Buffer.concat(contents);
        const stored = await store.compose(`artifacts/${id}.bin`, parts);
        assert.deepEqual(stored, {
          size: whole.length,
          md5Base64: md5(whole).base64,
          md5Hex: md5(whole).hex,
        });
        const back = await readBytes(store, `artifacts/${id}.bin`);
        assert.equal(back?.length, whole.length);
        assert.ok(back?.equals(whole), "the joined object's bytes differ");
        for (const part of parts) assert.equal(await store.stat(part), undefined);
        assert.deepEqual(await target.leftovers(), []);
      });
    }

    it("refuses to compose a missing part and keeps the others", async () => {
      await store.put("uploads/m/1", Readable.from([Buffer.from("one")]));
      await assert.rejects(store.compose("artifacts/missing.bin", ["uploads/m/1", "uploads/m/2"]));
      assert.equal(await store.stat("artifacts/missing.bin"), undefined);
      assert.deepEqual(await store.stat("uploads/m/1"), { size: 3 });
    });

    it("leaves nothing behind when the body fails midway", async () => {
      await assert.rejects(
        store.put("broken/midway.bin", failingBody(["abc", "def", "ghi"])),
        /connection reset/,
      );
      assert.equal(await store.stat("broken/midway.bin"), undefined);
      assert.deepEqual(await target.leftovers(), []);
    });

    it("leaves nothing behind when a large body fails after several MiB", async () => {
      const pieces = Array.from({ length: 12 }, (_, i) => patterned(MIB, i));
      await assert.rejects(store.put("broken/large.bin", failingBody(pieces)), /connection reset/);
      assert.equal(await store.stat("broken/large.bin"), undefined);
      assert.deepEqual(await target.leftovers(), []);
    });

    it("leaves nothing behind when the body fails before its first byte", async () => {
      await assert.rejects(store.put("broken/immediate.bin", failingBody([])), /connection reset/);
      assert.equal(await store.stat("broken/immediate.bin"), undefined);
      // Give a still-pending open() of a temp file the chance to land before looking.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(await target.leftovers(), []);
    });
  });
}
