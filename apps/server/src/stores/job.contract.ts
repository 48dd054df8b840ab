/**
 * The behaviour every JobRepository must have (the internal queue), run on SQLite
 * (sqlite/job.repository.test.ts) and on MariaDB (e2e/mysql-jobs.e2e.test.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { JobRepository } from "./job-repository.ts";

export interface JobTarget {
  readonly jobs: JobRepository;
  close(): Promise<void>;
}

export function jobRepositoryContract(label: string, open: () => Promise<JobTarget>): void {
  describe(`JobRepository contract: ${label}`, () => {
    let target: JobTarget;
    let jobs: JobRepository;
    before(async () => {
      target = await open();
      jobs = target.jobs;
    });
    after(() => target.close());

    it("enqueues a (kind, key) once, moving an existing job earlier but never later", async () => {
      const key = `runs/1/files/${"a".repeat(900)}/é🎉.txt`;
      assert.equal(await jobs.enqueue({ kind: "k1", key, payload: '{"n":1}', runAt: 1000, now: 1 }), true);
      assert.equal(await jobs.enqueue({ kind: "k1", key, payload: '{"n":2}', runAt: 5000, now: 2 }), false);
      assert.equal(await jobs.enqueue({ kind: "k2", key, payload: "{}", runAt: 1000, now: 2 }), true);
      assert.deepEqual(await jobs.claim(999, 10, 100), []);
      assert.equal(await jobs.enqueue({ kind: "k1", key, payload: "{}", runAt: 500, now: 3 }), false);
      const claimed = await jobs.claim(999, 10, 100);
      assert.equal(claimed.length, 1);
      assert.deepEqual(
        {
          kind: claimed[0]?.kind,
          key: claimed[0]?.key,
          payload: claimed[0]?.payload,
          attempts: claimed[0]?.attempts,
        },
        { kind: "k1", key, payload: '{"n":1}', attempts: 1 },
      );
      for (const job of [...claimed, ...(await jobs.claim(10_000, 10, 100))]) await jobs.complete(job.id);
      assert.deepEqual(await jobs.depth(10_000), { total: 0, due: 0 });
    });

    it("leases a job to one claimer until the lease ends, then hands it out again", async () => {
      await jobs.enqueue({ kind: "lease", key: "a", payload: "{}", runAt: 0, now: 0 });
      await jobs.enqueue({ kind: "lease", key: "b", payload: "{}", runAt: 10, now: 0 });
      const [first, second] = await Promise.all([jobs.claim(100, 1, 1000), jobs.claim(100, 1, 1000)]);
      assert.deepEqual([...(first ?? []), ...(second ?? [])].map((j) => j.key).sort(), ["a", "b"]);
      assert.deepEqual(await jobs.claim(500, 10, 1000), []);
      assert.deepEqual(await jobs.depth(500), { total: 2, due: 2 });
      // The worker holding them died: after the lease, they come back, with the attempt counted.
      const again = await jobs.claim(1100, 10, 1000);
      assert.deepEqual(
        again.map((j) => [j.key, j.attempts]),
        [
          ["a", 2],
          ["b", 2],
        ],
      );
      for (const job of again) await jobs.complete(job.id);
    });

    it("retries a job at the time given, releasing its lease", async () => {
      await jobs.enqueue({ kind: "retry", key: "x", payload: "{}", runAt: 0, now: 0 });
      const [job] = await jobs.claim(0, 1, 60_000);
      assert.ok(job);
      await jobs.retry(job.id, 2000, "not there yet");
      assert.deepEqual(await jobs.claim(1999, 1, 60_000), []);
      assert.deepEqual(await jobs.depth(1999), { total: 1, due: 0 });
      const [later] = await jobs.claim(2000, 1, 60_000);
      assert.equal(later?.attempts, 2);
      if (later) await jobs.complete(later.id);
    });

    it("keeps dead letters in order", async () => {
      await jobs.deadLetter({ source: "sqs", body: '{"Records":"bad"}', error: "no Records array", now: 5 });
      await jobs.deadLetter({ source: "confirm-upload", body: "{}", error: "e".repeat(5000), now: 6 });
      const letters = await jobs.deadLetters(0, 10);
      assert.deepEqual(
        letters.map((l) => [l.source, l.body, l.error.length, l.createdAt]),
        [
          ["sqs", '{"Records":"bad"}', "no Records array".length, 5],
          ["confirm-upload", "{}", 2000, 6],
        ],
      );
      assert.deepEqual(await jobs.deadLetters(letters[0]?.id ?? 0, 10), letters.slice(1));
    });
  });
}
