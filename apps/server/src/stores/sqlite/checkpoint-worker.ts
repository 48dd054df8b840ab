/**
 * Background WAL checkpoints (see SqliteDatabase's `backgroundCheckpoints`). Runs in a worker thread
 * with its own connection: copying committed WAL frames into the database file and fsyncing it then
 * happens off the event loop instead of inside whichever request's COMMIT crosses the threshold.
 * PASSIVE checkpoints never wait for, or block, readers or the writer.
 */
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new DatabaseSync(path, { timeout: 0 });
db.exec("PRAGMA synchronous = FULL");
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");

const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // Busy or I/O trouble: the next tick tries again; the writer's own threshold is the backstop.
  }
}, intervalMs);

parentPort?.on("message", (message) => {
  if (message === "stop") {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  }
});
