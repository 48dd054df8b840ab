/**
 * A run's system metrics (CPU, memory, disk, network, GPU…; the client samples them every few
 * seconds into `wandb-events.jsonl`), one chart per metric, x = time since the run started.
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

export function SystemPanels(props: { run: ChartRun }) {
  const { entity, project, name, running } = props.run;
  const tick = useTick(running, LIVE_MS);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` refreshes.
  const load = useCallback(() => fetchSystemMetrics(entity, project, name), [entity, project, name, tick]);
  const { state } = useLoad(load);
  const [answer, setAnswer] = useState<SystemMetricsAnswer | null>(null);
  useEffect(() => {
    if (state.kind === "ready") setAnswer(state.value);
  }, [state]);
  const groups = useMemo(() => (answer ? groupSystemKeys(Object.keys(answer.metrics)) : []), [answer]);

  if (answer === null) {
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
          : "This run recorded no system metrics."}
      </p>
    );
  return (
    <section className="metric-panels" aria-label="System metrics" data-testid="system-panels">
      <div className="metric-grid">
        {groups.map((group) => (
          <SystemPanel key={group.title} group={group} answer={answer} />
        ))}
      </div>
    </section>
  );
}

function SystemPanel(props: { group: SystemGroup; answer: SystemMetricsAnswer }) {
  const { group, answer } = props;
  const box = useRef<HTMLElement>(null);
  const near = useNearViewport(box);
  const [range, setRange] = useState<{ min: number; max: number } | null>(null);
  const model = useMemo(() => {
    const aligned = alignRuns([
      { x: answer.runtime, ys: group.keys.map(({ key }) => plottable(answer.metrics[key] ?? [])) },
    ]);
    const latest = group.keys.map(({ key, label }, i) => {
      const values = plottable(answer.metrics[key] ?? []);
      const last = values.findLast((v) => v !== null) ?? null;
      return { key, label, color: lineColor(i), value: last };
    });
    return { ...aligned, latest };
  }, [group, answer]);
  const lines = useMemo(
    () => group.keys.map(({ label }, i) => ({ label, color: lineColor(i), role: "line" as const })),
    [group],
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
            lines={lines}
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
        {model.latest.map((l) => (
          <li key={l.key} data-key={l.key} data-value={l.value === null ? "" : String(l.value)}>
            <span className="run-swatch" style={{ background: l.color }} />
            {group.keys.length > 1 ? `${l.label}: ` : ""}
            {formatValue(l.value)}
          </li>
        ))}
      </ul>
    </article>
  );
}
