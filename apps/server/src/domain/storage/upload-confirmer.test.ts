/**
 * UploadConfirmer's job handling on real stores: the SQLite job queue and objects on local disk.
 * The clock is the `now` handed to runOnce, so a day of retries takes no time.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import { LocalDiskObjectStore } from "../../stores/objects/local-disk.store.ts";
import { UrlSigner } from "../../stores/objects/url-signer.ts";
import { createSqliteFixture } from "../../stores/sqlite/test-fixture.ts";
import { CONFIRM_UPLOAD, UploadConfirmer } from "./upload-confirmer.ts";

const root = mkdtempSync(join(tmpdir(), "ballast-confirmer-"));
after(() => rmSync(root, { recursive: true, force: true }));

const HOUR = 3_600_000;

function setup(record: (key: string) => Promise<void>) {
  const fixture = createSqliteFixture("confirmer");
  const objects = new LocalDiskObjectStore(
    mkdtempSync(join(root, "objects-")),
    new UrlSigner(randomBytes(32), "http://ballast.test"),
  );
  const lines: string[] = [];
  const confirmer = new UploadConfirmer({
    objects,
    jobs: fixture.jobs,
    record,
    pollSignedUploads: () => true,
    log: (line) => lines.push(line),
  });
  return { fixture, objects, confirmer, lines };
}

describe("UploadConfirmer", () => {
  it("records an object once it appears, and drops the job when the URL expired unused", async () => {
    const recorded: string[] = [];
    const { fixture, objects, confirmer } = setup(async (key) => {
      recorded.push(key);
    });
    const t0 = Date.now();
    await confirmer.watch("runs/1/files/a.txt", 60);
    await confirmer.watch("runs/1/files/never.txt", 60);
    await confirmer.watch("not/recorded", 60);
    assert.equal((await fixture.jobs.depth(t0 + 2000)).total, 2);

    assert.equal(await confirmer.runOnce(t0 + 2000), 2);
    assert.deepEqual(recorded, []);
    await objects.put("runs/1/files/a.txt", Readable.from([Buffer.from("hi")]));
    // Both come back within the back-off; only the uploaded one is recorded.
    assert.equal(await confirmer.runOnce(t0 + 10_000), 2);
    assert.deepEqual(recorded, ["runs/1/files/a.txt"]);
    // Past the URL's expiry and grace, the other is dropped without a dead letter.
    await confirmer.runOnce(t0 + HOUR);
    assert.equal((await fixture.jobs.depth(t0 + HOUR)).total, 0);
    assert.deepEqual(confirmer.counts, { confirmed: 1, expired: 1, failed: 0 });
    assert.deepEqual(await fixture.jobs.deadLetters(0, 10), []);
    fixture.close();
  });

  it("backs off a job whose record keeps failing and dead-letters it a day past its window", async () => {
    let attempts = 0;
    const { fixture, objects, confirmer, lines } = setup(async () => {
      attempts += 1;
      throw new Error("run 1 is gone");
    });
    const t0 = Date.now();
    await objects.put("runs/1/files/b.txt", Readable.from([Buffer.from("x")]));
    await confirmer.watch("runs/1/files/b.txt", 60);

    // Failures back off: 1 s, 2 s, 4 s … up to 10 minutes, never the 60 s lease every time.
    let now = t0 + 2000;
    const gaps: number[] = [];
    for (let i = 0; i < 14; i++) {
      const before = attempts;
      // Step forward one second at a time until the job is due again.
      let waited = 0;
      while (attempts === before && waited < 11 * 60) {
        await confirmer.runOnce(now);
        if (attempts === before) {
          now += 1000;
          waited += 1;
        }
      }
      gaps.push(waited);
      now += 1000;
    }
    assert.deepEqual(gaps.slice(0, 6), [0, 0, 1, 3, 7, 15]);
    assert.ok(
      gaps.every((gap) => gap <= 600),
      `gaps ${gaps.join(",")}`,
    );
    assert.equal(gaps.at(-1), 599);
    assert.deepEqual(await fixture.jobs.deadLetters(0, 10), []);
    assert.equal((await fixture.jobs.depth(now)).total, 1);

    // A day after the window (URL expiry + grace) the job is dead-lettered with its error, and gone.
    now = t0 + 25 * HOUR;
    await confirmer.runOnce(now);
    const letters = await fixture.jobs.deadLetters(0, 10);
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.source, CONFIRM_UPLOAD);
    assert.equal(letters[0]?.error, "run 1 is gone");
    assert.equal((JSON.parse(letters[0]?.body ?? "{}") as { key?: string }).key, "runs/1/files/b.txt");
    assert.equal((await fixture.jobs.depth(now + HOUR)).total, 0);
    assert.ok(lines.some((line) => line.includes("dead-lettered")));
    fixture.close();
  });
});
