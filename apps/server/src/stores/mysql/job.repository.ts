import { createHash } from "node:crypto";
import type { DeadLetterRecord, JobRecord, JobRepository } from "../job-repository.ts";
import type { MysqlDatabase } from "./database.ts";

const JOB_COLUMNS = "id, kind, job_key AS `key`, payload, attempts, run_at AS runAt, created_at AS createdAt";

function keyHash(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** The internal queue on MySQL (migration 0005_jobs.sql); replicas claim with SKIP LOCKED. */
export class MysqlJobRepository implements JobRepository {
  private readonly db: MysqlDatabase;

  constructor(db: MysqlDatabase) {
    this.db = db;
  }

  async enqueue(job: { kind: string; key: string; payload: string; runAt: number; now: number }) {
    // Two statements, each idempotent. (One INSERT … ON DUPLICATE KEY UPDATE cannot say whether it
    // inserted: mysql2 connects with CLIENT_FOUND_ROWS, which reports an unchanged duplicate as 1 row.)
    // The duplicate key is the only error IGNORE can hide here: kinds are ours and keys fit the column.
    const { affectedRows } = await this.db.run(
      "INSERT IGNORE INTO jobs (kind, job_key, job_key_hash, payload, run_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      [job.kind, job.key, keyHash(job.key), job.payload, job.runAt, job.now],
    );
    if (affectedRows === 1) return true;
    await this.db.run("UPDATE jobs SET run_at = LEAST(run_at, ?) WHERE kind = ? AND job_key_hash = ?", [
      job.runAt,
      job.kind,
      keyHash(job.key),
    ]);
    return false;
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<JobRecord[]> {
    return this.db.transaction(async (tx) => {
      // SKIP LOCKED (MySQL 8, MariaDB 10.6): replicas claiming at once take different jobs instead of
      // queueing on each other's row locks.
      const jobs = await tx.all<JobRecord>(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE run_at <= ? AND leased_until <= ?
         ORDER BY run_at, id LIMIT ? FOR UPDATE SKIP LOCKED`,
        [now, now, limit],
      );
      if (jobs.length === 0) return [];
      await tx.run(
        `UPDATE jobs SET leased_until = ?, attempts = attempts + 1 WHERE id IN (${jobs.map(() => "?").join(", ")})`,
        [now + leaseMs, ...jobs.map((job) => job.id)],
      );
      return jobs.map((job) => ({ ...job, attempts: job.attempts + 1 }));
    });
  }

  async complete(id: number): Promise<void> {
    await this.db.run("DELETE FROM jobs WHERE id = ?", [id]);
  }

  async retry(id: number, runAt: number, error: string): Promise<void> {
    await this.db.run("UPDATE jobs SET run_at = ?, leased_until = 0, last_error = ? WHERE id = ?", [
      runAt,
      error.slice(0, 2000),
      id,
    ]);
  }

  async depth(now: number): Promise<{ total: number; due: number }> {
    const row = await this.db.get<{ total: number; due: number | null }>(
      "SELECT count(*) AS total, sum(run_at <= ?) AS due FROM jobs",
      [now],
    );
    return { total: Number(row?.total ?? 0), due: Number(row?.due ?? 0) };
  }

  async deadLetter(letter: { source: string; body: string; error: string; now: number }): Promise<void> {
    await this.db.run("INSERT INTO dead_letters (source, body, error, created_at) VALUES (?, ?, ?, ?)", [
      letter.source,
      letter.body,
      letter.error.slice(0, 2000),
      letter.now,
    ]);
  }

  async deadLetters(afterId: number, limit: number): Promise<DeadLetterRecord[]> {
    return this.db.all<DeadLetterRecord>(
      "SELECT id, source, body, error, created_at AS createdAt FROM dead_letters WHERE id > ? ORDER BY id LIMIT ?",
      [afterId, limit],
    );
  }
}
