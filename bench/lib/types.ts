/** The shapes every part of the benchmark harness reports in (bench/run.ts collects them into the report). */
export interface Workload {
  readonly runs: number; // concurrent runs
  readonly stepsPerRun: number;
  readonly metricsPerStep: number; // numeric keys per history line
  readonly linesPerRequest: number;
}
export interface IngestResult {
  readonly system: string; // "ballast", "ceiling", "sqlite-floor", "mlflow", "wandb-client"
  readonly points: number; // metric points stored (lines × metricsPerStep)
  readonly seconds: number;
  readonly pointsPerSecond: number;
  readonly requests: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number } | null;
  readonly cpuSeconds: number | null; // server process CPU (user+sys) during the run
  readonly peakRssMb: number | null; // server process peak RSS during the run
  readonly notes?: string;
}
export interface ReadResult {
  readonly system: string;
  readonly name: string; // e.g. "chart series 1,000 buckets, 10M steps"
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly notes?: string;
}
/** How big the read-side data sets are: tiny in the smoke run, the sizes in the full run. */
export interface ReadSizes {
  readonly smoke: boolean;
}
