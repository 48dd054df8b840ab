/** The machine a benchmark ran on, printed with every report so numbers are read in context. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, release, tmpdir, totalmem } from "node:os";
import { DatabaseSync } from "node:sqlite";

export interface MachineDescription {
  readonly nproc: number;
  readonly memoryGb: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly node: string;
  readonly sqlite: string;
  readonly disk: string;
}

export function describeMachine(): MachineDescription {
  const db = new DatabaseSync(":memory:");
  const sqlite = String(db.prepare("SELECT sqlite_version() AS v").get()?.v ?? "unknown");
  db.close();
  return {
    nproc: availableParallelism(),
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    cpuModel: cpus()[0]?.model.trim() ?? cpuModelFromProc(),
    kernel: `Linux ${release()}`,
    node: process.version,
    sqlite,
    disk: tmpFilesystem(),
  };
}

function cpuModelFromProc(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The filesystem type of the temp directory the servers' data lives in (fsync cost depends on it). */
function tmpFilesystem(): string {
  try {
    return (
      execFileSync("df", ["--output=fstype", tmpdir()], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      })
        .split("\n")[1]
        ?.trim() ?? "unknown"
    );
  } catch {
    return "unknown";
  }
}
