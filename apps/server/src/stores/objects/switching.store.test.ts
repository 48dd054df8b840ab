/** SwitchingObjectStore over two real local-disk stores: writes go to the current, reads fall back. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { after, describe, it } from "node:test";
import { LocalDiskObjectStore } from "./local-disk.store.ts";
import { SwitchingObjectStore } from "./switching.store.ts";
import { UrlSigner } from "./url-signer.ts";

const root = mkdtempSync(join(tmpdir(), "ballast-switching-"));
after(() => rmSync(root, { recursive: true, force: true }));

const signer = new UrlSigner(randomBytes(32), "http://ballast.test");
const body = (s: string) => Readable.from([Buffer.from(s)]);

describe("SwitchingObjectStore", () => {
  it("writes to the current store and still reads what the earlier one holds", async () => {
    const first = new LocalDiskObjectStore(join(root, "a"), signer);
    const second = new LocalDiskObjectStore(join(root, "b"), signer);
    const store = new SwitchingObjectStore(first);
    await store.put("runs/1/files/old.txt", body("old"));
    store.switchTo(second);
    assert.equal(store.active, second);
    await store.put("runs/2/files/new.txt", body("new!"));

    assert.equal(await first.stat("runs/2/files/new.txt"), undefined, "new objects go to the new store");
    assert.deepEqual(await second.stat("runs/2/files/new.txt"), { size: 4 });
    assert.deepEqual(await store.stat("runs/1/files/old.txt"), { size: 3 });
    assert.equal((await store.describe("runs/1/files/old.txt"))?.size, 3);
    const got = await store.get("runs/1/files/old.txt");
    assert.equal(got && (await text(got.body)), "old");
    assert.equal(await store.stat("runs/3/files/none.txt"), undefined);

    // A key in both: the current store's copy wins.
    await store.put("runs/1/files/old.txt", body("newer"));
    const both = await store.get("runs/1/files/old.txt");
    assert.equal(both && (await text(both.body)), "newer");

    await store.delete("runs/1/files/old.txt");
    assert.equal(await first.stat("runs/1/files/old.txt"), undefined, "deleted everywhere");
    assert.equal(await second.stat("runs/1/files/old.txt"), undefined);
  });

  it("switching back makes the earlier store current again", async () => {
    const first = new LocalDiskObjectStore(join(root, "c"), signer);
    const second = new LocalDiskObjectStore(join(root, "d"), signer);
    const store = new SwitchingObjectStore(first);
    store.switchTo(second);
    store.switchTo(first);
    await store.put("k/x", body("x"));
    assert.deepEqual(await first.stat("k/x"), { size: 1 });
    assert.equal(store.recordsUploads, first.recordsUploads);
  });
});
