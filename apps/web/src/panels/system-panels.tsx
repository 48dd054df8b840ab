/**
 * Runs' system metrics (CPU, memory, disk, network, GPU…; the client samples them every few
 * seconds into `wandb-events.jsonl`), one chart per metric, x = time since each run started.
 * A run samples a few thousand points at most, so the server sends them all (sampled evenly past
 * 2,000) in one request and zooming is local.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { fetchSystemMetrics, type SystemMetricsAnswer } from "../api/charts.ts";
import { messageOf } from "../api/client.ts";
import { formatValue } from "../charts/axes.ts";
import { LineChart } from "../charts/line-chart.tsx";
import { alignRuns, plottable } from "../charts/series-data.ts";
import { useLoad } from "../use-load.ts";
import { useNearViewport } from "./metric-panel.tsx";
import { type ChartRun, useTick } from "./metric-panels.tsx";
import { groupSystemKeys, lineColor, type SystemGroup } from "./system-groups.ts";
import "./panels.css";

const LIVE_MS = 5000;
/** Runs whose system metrics a workspace draws at once (one request each). */
export const MAX_SYSTEM_RUNS = 20;

interface RunSamples {
  readonly run: ChartRun;
  readonly answer: SystemMetricsAnswer;
}

/**
 * The system metrics of `runs`, one chart per metric group; with one run a line per device, with
 * several a line per run (and device) in the run's colour.
 */
export function SystemPanels(props: { runs: readonly ChartRun[] }) {
  const runs = props.runs.slice(0, MAX_SYSTEM_RUNS);
  const running = runs.some((r) => r.running);
  const tick = useTick(running, LIVE_MS);
  const runKey = runs.map((r) => `${r.entity}/${r.project}/${r.name}`).join("\n");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `runKey` stands for `runs`; `tick` refreshes.
  const load = useCallback(
    () =>
      Promise.all(
        runs.map(
          async (run): Promise<RunSamples> => ({
            run,
            answer: await fetchSystemMetrics(run.entity, run.project, run.name),
          }),
        ),
      ),
    [runKey, tick],
  );
  const { state } = useLoad(load);
  const [samples, setSamples] = useState<readonly RunSamples[] | null>(null);
  useEffect(() => {
    if (state.kind === "ready") setSamples(state.value);
  }, [state]);
  const groups = useMemo(
    () =>
      samples ? groupSystemKeys([...new Set(samples.flatMap((s) => Object.keys(s.answer.metrics)))]) : [],
    [samples],
  );

  if (runs.length === 0) return null;
  if (samples === null) {
    if (state.kind === "failed")
      return (
        <p className="error" role="alert">
          Could not load the system metrics: {messageOf(state.error)}
        </p>
      );
    return <p className="muted">Loading system metrics…</p>;
  }
  if (groups.length === 0)
    return (
      <p className="muted" data-testid="system-panels-none">
        {running
          ? "No system metrics yet; the client samples them every few seconds."
          : runs.length === 1
            ? "This run recorded no system metrics."
            : "These runs recorded no system metrics."}
      </p>
    );
  return (
    <section className="metric-panels" aria-label="System metrics" data-testid="system-panels">
      {props.runs.length > runs.length ? (
        <p className="muted">
          System metrics of the first {MAX_SYSTEM_RUNS} of {props.runs.length} selected runs.
        </p>
      ) : null}
      <div className="metric-grid">
        {groups.map((group) => (
          <SystemPanel key={group.title} group={group} samples={samples} />
        ))}
      </div>
    </section>
  );
}

function SystemPanel(props: { group: SystemGroup; samples: readonly RunSamples[] }) {
  const { group, samples } = props;
  const box = useRef<HTMLElement>(null);
  const near = useNearViewport(box);
  const [range, setRange] = useState<{ min: number; max: number } | null>(null);
  const single = samples.length === 1;
  const model = useMemo(() => {
    const aligned = alignRuns(
      samples.map(({ answer }) => ({
        x: answer.runtime,
        ys: group.keys.map(({ key }) => plottable(answer.metrics[key] ?? [])),
      })),
    );
    // One line per (run, device), in alignRuns' column order.
    const lines = samples.flatMap(({ run }) =>
      group.keys.map(({ key, label }, i) => ({
        key: single ? key : `${run.name}:${key}`,
        label: single ? label : group.keys.length > 1 ? `${run.displayName} ${label}` : run.displayName,
        color: single ? lineColor(i) : run.color,
      })),
    );
    const latest = samples.flatMap(({ answer }) =>
      group.keys.map(({ key }) => plottable(answer.metrics[key] ?? []).findLast((v) => v !== null) ?? null),
    );
    return { ...aligned, lines: lines.map((line, i) => ({ ...line, value: latest[i] ?? null })) };
  }, [group, samples, single]);
  const chartLines = useMemo(
    () => model.lines.map(({ label, color }) => ({ label, color, role: "line" as const })),
    [model],
  );
  return (
    <article ref={box} className="metric-panel" data-testid="system-panel" data-metric={group.title}>
      <header>
        <h4>{group.title}</h4>
        {range && (
          <button type="button" className="link" onClick={() => setRange(null)}>
            Reset zoom
          </button>
        )}
      </header>
      {near || model.x.length === 0 ? (
        model.x.length === 0 ? (
          <div className="panel-status">No samples.</div>
        ) : (
          <LineChart
            x={model.x}
            ys={model.ys}
            lines={chartLines}
            bands={[]}
            xKind="runtime"
            logY={false}
            height={180}
            xRange={range}
            onZoom={setRange}
            label={`${group.title} chart`}
          />
        )
      ) : (
        <div className="panel-status" />
      )}
      <ul className="panel-latest" aria-label={`${group.title} last values`}>
        {model.lines.map((l) => (
          <li key={l.key} data-key={l.key} data-value={l.value === null ? "" : String(l.value)}>
            <span className="run-swatch" style={{ background: l.color }} />
            {model.lines.length > 1 ? `${l.label}: ` : ""}
            {formatValue(l.value)}
          </li>
        ))}
      </ul>
    </article>
  );
}
