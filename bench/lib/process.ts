/**
 * CPU and memory of a server under load, read from /proc (Linux only): CPU seconds are utime+stime
 * from /proc/<pid>/stat, RSS is VmRSS from /proc/<pid>/status sampled every ~100 ms, and the peak is
 * the larger of the highest sample and the kernel's own high-water mark (VmHWM) at the end.
 * With `tree`, the process's descendants are counted too (servers that fork workers, like
 * `mlflow server`'s gunicorn/uvicorn); the peak is then the highest summed sample.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS = clockTicks();

function clockTicks(): number {
  try {
    const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100; // the Linux default (USER_HZ)
  }
}

interface StatFields {
  readonly ppid: number;
  /** Own utime+stime plus cutime+cstime (children already waited for), in seconds. */
  readonly cpuSeconds: number;
}

function readStat(pid: number): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // the process is gone
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): ppid = field 4, utime..cstime = fields 14..17.
  const ppid = Number(fields[1]);
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  return { ppid, cpuSeconds: ticks / CLOCK_TICKS };
}

/** VmRSS and VmHWM in kB, or undefined once the process is gone. */
function readMemory(pid: number): { rssKb: number; hwmKb: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
}

/** `pid` and, with `tree`, every live descendant of it. */
function processes(pid: number, tree: boolean): number[] {
  if (!tree) return [pid];
  const parents = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const siblings = parents.get(stat.ppid) ?? [];
    siblings.push(Number(name));
    parents.set(stat.ppid, siblings);
  }
  const out: number[] = [];
  const queue = [pid];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    out.push(next);
    queue.push(...(parents.get(next) ?? []));
  }
  return out;
}

/** Total CPU seconds (user+sys) consumed so far by `pid` (and, with `tree`, its descendants). */
export function cpuSeconds(pid: number, tree = false): number {
  return processes(pid, tree).reduce((sum, p) => sum + (readStat(p)?.cpuSeconds ?? 0), 0);
}

export interface ProcessUsage {
  /** CPU seconds used between start and stop. */
  readonly cpuSeconds: number;
  /** Peak resident set size in MB (MiB). */
  readonly peakRssMb: number;
}

export interface ProcessSampler {
  /** Stops sampling and returns what was used since the sampler started. */
  stop(): ProcessUsage;
}

/** Starts sampling `pid` every `intervalMs` (default 100 ms). */
export function sampleProcess(
  pid: number,
  options: { readonly intervalMs?: number; readonly tree?: boolean } = {},
): ProcessSampler {
  const tree = options.tree === true;
  const cpuAtStart = cpuSeconds(pid, tree);
  let lastCpu = cpuAtStart;
  let peakKb = 0;
  const sample = () => {
    let rss = 0;
    let cpu = 0;
    for (const p of processes(pid, tree)) {
      rss += readMemory(p)?.rssKb ?? 0;
      cpu += readStat(p)?.cpuSeconds ?? 0;
    }
    peakKb = Math.max(peakKb, rss);
    // Descendants that exit take their CPU with them unless their parent waits for them: keep the
    // highest total seen, so a worker that ended between samples does not make CPU go backwards.
    lastCpu = Math.max(lastCpu, cpu);
  };
  sample();
  const timer = setInterval(sample, options.intervalMs ?? 100);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      if (!tree) peakKb = Math.max(peakKb, readMemory(pid)?.hwmKb ?? 0);
      return { cpuSeconds: lastCpu - cpuAtStart, peakRssMb: peakKb / 1024 };
    },
  };
}
