import type { DeadLetterRecord, JobRecord, JobRepository } from "../job-repository.ts";
import type { SqliteDatabase } from "./database.ts";

const JOB_COLUMNS = "id, kind, job_key AS key, payload, attempts, run_at AS runAt, created_at AS createdAt";

/** The internal queue in the embedded SQLite store (migration 0011_jobs.sql). */
export class SqliteJobRepository implements JobRepository {
  private readonly db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.db = db;
  }

  async enqueue(job: { kind: string; key: string; payload: string; runAt: number; now: number }) {
    return this.db.transaction(() => {
      const existing = this.db.get<{ id: number }>("SELECT id FROM jobs WHERE kind = ? AND job_key = ?", [
        job.kind,
        job.key,
      ]);
      if (existing) {
        this.db.run("UPDATE jobs SET run_at = min(run_at, ?) WHERE id = ?", [job.runAt, existing.id]);
        return false;
      }
      this.db.run("INSERT INTO jobs (kind, job_key, payload, run_at, created_at) VALUES (?, ?, ?, ?, ?)", [
        job.kind,
        job.key,
        job.payload,
        job.runAt,
        job.now,
      ]);
      return true;
    });
  }

  async claim(now: number, limit: number, leaseMs: number): Promise<JobRecord[]> {
    return this.db.transaction(() => {
      const jobs = this.db.all<JobRecord>(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE run_at <= ? AND leased_until <= ? ORDER BY run_at, id LIMIT ?`,
        [now, now, limit],
      );
      for (const job of jobs) {
        this.db.run("UPDATE jobs SET leased_until = ?, attempts = attempts + 1 WHERE id = ?", [
          now + leaseMs,
          job.id,
        ]);
      }
      return jobs.map((job) => ({ ...job, attempts: job.attempts + 1 }));
    });
  }

  async complete(id: number): Promise<void> {
    this.db.run("DELETE FROM jobs WHERE id = ?", [id]);
  }

  async retry(id: number, runAt: number, error: string): Promise<void> {
    this.db.run("UPDATE jobs SET run_at = ?, leased_until = 0, last_error = ? WHERE id = ?", [
      runAt,
      error.slice(0, 2000),
      id,
    ]);
  }

  async depth(now: number): Promise<{ total: number; due: number }> {
    const row = this.db.get<{ total: number; due: number | null }>(
      "SELECT count(*) AS total, sum(run_at <= ?) AS due FROM jobs",
      [now],
    );
    return { total: row?.total ?? 0, due: row?.due ?? 0 };
  }

  async deadLetter(letter: { source: string; body: string; error: string; now: number }): Promise<void> {
    this.db.run("INSERT INTO dead_letters (source, body, error, created_at) VALUES (?, ?, ?, ?)", [
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
