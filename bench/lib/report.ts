/**
 * The benchmark report: the goals of issue 4 evaluated against the measured rows, and the markdown
 * rendering of bench/results/latest.md (the JSON file holds the same Report object).
 */
import type { MachineDescription } from "./machine.ts";
import type { IngestResult, ReadResult, Workload } from "./types.ts";

export interface Goal {
  readonly goal: string;
  readonly target: string;
  /** What was measured, with the number; "not measured" when a row is missing. */
  readonly measured: string;
  /** null when the rows the goal needs are missing. */
  readonly met: boolean | null;
}

export interface Ratios {
  readonly ballastOverCeiling: number | null;
  readonly ballastOverMlflow: number | null;
  readonly ballastOverSqliteFloor: number | null;
}

export interface Report {
  readonly generatedAt: string;
  readonly mode: "full" | "smoke";
  readonly totalSeconds: number;
  /** The 1-minute load average when the run started: other work on the machine skews every number. */
  readonly loadAverageAtStart: number;
  readonly machine: MachineDescription;
  readonly workloads: Readonly<Record<string, Workload | { steps: number; metrics: number }>>;
  readonly ingest: readonly IngestResult[];
  readonly reads: readonly ReadResult[];
  readonly ratios: Ratios;
  readonly goals: readonly Goal[];
  /** Parts that could not run, with the reason (a missing peer module, a failed setup). */
  readonly skipped: readonly string[];
}

const rate = (results: readonly IngestResult[], system: string) =>
  results.find((r) => r.system === system)?.pointsPerSecond ?? null;

const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);

export function computeRatios(ingest: readonly IngestResult[]): Ratios {
  const ballast = rate(ingest, "ballast");
  return {
    ballastOverCeiling: ratio(ballast, rate(ingest, "ceiling")),
    ballastOverMlflow: ratio(ballast, rate(ingest, "mlflow")),
    ballastOverSqliteFloor: ratio(ballast, rate(ingest, "sqlite-floor")),
  };
}

/** The Ballast read whose name matches `pattern`, preferring one that also matches `prefer`. */
function findRead(reads: readonly ReadResult[], pattern: RegExp, prefer: RegExp): ReadResult | undefined {
  const matching = reads.filter((r) => r.system === "ballast" && pattern.test(r.name));
  return matching.find((r) => prefer.test(r.name)) ?? matching.at(-1);
}

export function evaluateGoals(
  ingest: readonly IngestResult[],
  reads: readonly ReadResult[],
  ratios: Ratios,
): Goal[] {
  const goals: Goal[] = [];
  const ceiling = ratios.ballastOverCeiling;
  goals.push({
    goal: "ingest vs the ceiling",
    target: "≥ 50% of the ceiling's points/s",
    measured: ceiling === null ? "not measured" : `${(ceiling * 100).toFixed(1)}%`,
    met: ceiling === null ? null : ceiling >= 0.5,
  });
  const mlflow = ratios.ballastOverMlflow;
  goals.push({
    goal: "ingest vs MLflow",
    target: "≥ 100× MLflow's points/s",
    measured: mlflow === null ? "not measured" : `${formatRatio(mlflow)}×`,
    met: mlflow === null ? null : mlflow >= 100,
  });
  // The whole-range series is the goal's case; zoomed reads are reported but not the goal.
  const wholeChart = /^(?!.*zoom).*chart series/i;
  const chart = findRead(reads, wholeChart, /10M/);
  const shortChart = findRead(reads, wholeChart, /\b1M/);
  goals.push({
    goal: "chart series of a 10M-step metric",
    target: "≤ 50 ms p50, independent of run length",
    measured:
      chart === undefined
        ? "not measured"
        : `${chart.p50Ms.toFixed(1)} ms p50 (${chart.name})${
            shortChart && shortChart !== chart
              ? `; ${shortChart.p50Ms.toFixed(1)} ms for ${shortChart.name}`
              : ""
          }`,
    met: chart === undefined ? null : chart.p50Ms <= 50,
  });
  const runs = findRead(reads, /runs (query|table)|runs, |search/i, /10,000|10k/i);
  goals.push({
    goal: "runs query over 10,000 runs",
    target: "≤ 100 ms p50",
    measured: runs === undefined ? "not measured" : `${runs.p50Ms.toFixed(1)} ms p50 (${runs.name})`,
    met: runs === undefined ? null : runs.p50Ms <= 100,
  });
  const ballast = ingest.find((r) => r.system === "ballast");
  const rss = ballast?.peakRssMb ?? null;
  goals.push({
    goal: "server RSS under the ingest load",
    target: "≤ 300 MB",
    measured: rss === null ? "not measured" : `${rss.toFixed(0)} MB peak`,
    met: rss === null ? null : rss <= 300,
  });
  return goals;
}

const int = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function formatRatio(value: number): string {
  return value >= 10 ? int.format(value) : value.toFixed(2);
}

const dash = "—";
const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || !Number.isFinite(value) ? dash : value.toFixed(digits);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function describeWorkload(w: Workload | { steps: number; metrics: number }): string {
  if ("runs" in w) {
    return `${w.runs} runs × ${int.format(w.stepsPerRun)} steps × ${w.metricsPerStep} metrics, ${int.format(w.linesPerRequest)} lines/request`;
  }
  return `1 run × ${int.format(w.steps)} steps × ${w.metrics} metrics`;
}

/**
 * The embedded default and the MySQL backend side by side (the `mysql` part's rows next to the
 * `ballast` and `reads` ones); nothing when the run has no MySQL rows.
 */
function backendColumns(report: Report): string[] {
  const mysqlIngest = report.ingest.find((r) => r.system === "ballast-mysql");
  const mysqlReads = report.reads.filter((r) => r.system === "ballast-mysql");
  if (!mysqlIngest && mysqlReads.length === 0) return [];
  const sqliteIngest = report.ingest.find((r) => r.system === "ballast");
  const ingestCells = (r: IngestResult | undefined) =>
    r
      ? `${int.format(r.pointsPerSecond)} points/s, p50 ${fixed(r.latencyMs?.p50, 1)} ms, ${r.cpuSeconds === null ? dash : fixed((r.cpuSeconds / r.points) * 1e6, 2)} CPU µs/point, ${fixed(r.peakRssMb, 0)} MB peak RSS`
      : dash;
  const rows: string[][] = [["ingest", ingestCells(sqliteIngest), ingestCells(mysqlIngest)]];
  for (const read of mysqlReads) {
    const sqlite = report.reads.find((r) => r.system === "ballast" && r.name === read.name);
    const cell = (r: ReadResult | undefined) => (r ? `${fixed(r.p50Ms, 1)} / ${fixed(r.p99Ms, 1)} ms` : dash);
    rows.push([read.name, cell(sqlite), cell(read)]);
  }
  return [
    "## Embedded (SQLite) and MySQL (MariaDB)",
    "",
    "The same ingest and reads on the two metadata and metric backends (reads: p50 / p99).",
    "",
    table(["measurement", "SQLite (embedded)", "MariaDB (MYSQL)"], rows),
    "",
  ];
}

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`# Ballast benchmark (${report.mode})`, "");
  out.push(
    `Generated ${report.generatedAt} by \`node bench/run.ts${report.mode === "smoke" ? " --smoke" : ""}\` in ${report.totalSeconds.toFixed(0)} s. See bench/README.md for what each row means.`,
    "",
  );
  if (report.loadAverageAtStart > 0.5) {
    out.push(
      `**The machine was busy when this run started (1-minute load average ${report.loadAverageAtStart.toFixed(2)} on ${report.machine.nproc} CPUs): other work skews these numbers.**`,
      "",
    );
  }
  out.push("## Ingest", "");
  out.push(
    table(
      [
        "system",
        "points/s",
        "points",
        "seconds",
        "requests",
        "p50 ms",
        "p99 ms",
        "server CPU s",
        "CPU µs/point",
        "peak RSS MB",
        "notes",
      ],
      report.ingest.map((r) => [
        r.system,
        int.format(r.pointsPerSecond),
        int.format(r.points),
        fixed(r.seconds, 2),
        r.requests > 0 ? int.format(r.requests) : dash,
        fixed(r.latencyMs?.p50, 1),
        fixed(r.latencyMs?.p99, 1),
        fixed(r.cpuSeconds, 1),
        r.cpuSeconds === null ? dash : fixed((r.cpuSeconds / r.points) * 1e6, 2),
        fixed(r.peakRssMb, 0),
        r.notes ?? "",
      ]),
    ),
    "",
  );
  out.push("Workloads:", "");
  for (const [name, w] of Object.entries(report.workloads)) out.push(`- ${name}: ${describeWorkload(w)}`);
  out.push("");
  out.push("## Reads", "");
  out.push(
    report.reads.length === 0
      ? "No read results."
      : table(
          ["system", "query", "samples", "p50 ms", "p99 ms", "notes"],
          report.reads.map((r) => [
            r.system,
            r.name,
            String(r.samples),
            fixed(r.p50Ms, 1),
            fixed(r.p99Ms, 1),
            r.notes ?? "",
          ]),
        ),
    "",
  );
  out.push(...backendColumns(report), "## Ratios", "");
  const { ratios } = report;
  out.push(
    table(
      ["ratio", "value"],
      [
        [
          "Ballast / ceiling",
          ratios.ballastOverCeiling === null ? dash : `${(ratios.ballastOverCeiling * 100).toFixed(1)}%`,
        ],
        [
          "Ballast / MLflow",
          ratios.ballastOverMlflow === null ? dash : `${formatRatio(ratios.ballastOverMlflow)}×`,
        ],
        [
          "Ballast / SQLite floor",
          ratios.ballastOverSqliteFloor === null
            ? dash
            : `${(ratios.ballastOverSqliteFloor * 100).toFixed(1)}%`,
        ],
      ],
    ),
    "",
  );
  out.push("## Goals", "");
  out.push(
    table(
      ["goal", "target", "measured", "met"],
      report.goals.map((g) => [
        g.goal,
        g.target,
        g.measured,
        g.met === null ? "not measured" : g.met ? "met" : "not met",
      ]),
    ),
    "",
  );
  if (report.mode === "smoke") out.push("Smoke sizes: the goals are not meaningful at these sizes.", "");
  if (report.skipped.length > 0) {
    out.push("## Skipped", "");
    for (const s of report.skipped) out.push(`- ${s}`);
    out.push("");
  }
  out.push("## Machine", "");
  const m = report.machine;
  out.push(
    table(
      ["property", "value"],
      [
        ["CPUs (nproc)", String(m.nproc)],
        ["CPU model", m.cpuModel],
        ["memory", `${m.memoryGb} GB`],
        ["kernel", m.kernel],
        ["filesystem of the data dirs", m.disk],
        ["Node", m.node],
        ["SQLite", m.sqlite],
        ["load average at start (1 min)", report.loadAverageAtStart.toFixed(2)],
      ],
    ),
    "",
  );
  return out.join("\n");
}
