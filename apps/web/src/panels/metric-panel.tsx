/**
 * One metric's chart for several runs. It fetches only once it is on screen (a workspace may list
 * hundreds of metrics) with one request for all its runs, and again when zoomed (the server
 * answers the zoomed range at full fidelity once it holds ≤ BUCKETS points) or on a live tick.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { type ChartSeriesAnswer, fetchChartSeries } from "../api/charts.ts";
import { messageOf } from "../api/client.ts";
import { formatValue } from "../charts/axes.ts";
import { LineChart } from "../charts/line-chart.tsx";
import type { ChartRun } from "./metric-panels.tsx";
import { buildPanel, type PanelSettings } from "./panel-model.ts";

/** Points per run per request: about one per horizontal pixel of a wide panel. */
const BUCKETS = 1000;
const CHART_HEIGHT = 220;

type Range = { min: number; max: number };

type Fetched =
  | { kind: "idle" }
  | { kind: "loading"; previous: ChartSeriesAnswer | null }
  | { kind: "ready"; answer: ChartSeriesAnswer; range: Range | null }
  | { kind: "failed"; message: string };

/** True once the element has come within a screen of the viewport, and while it stays near. */
export function useNearViewport(ref: React.RefObject<Element | null>): boolean {
  const [near, setNear] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new IntersectionObserver((entries) => setNear(entries.some((e) => e.isIntersecting)), {
      rootMargin: "100% 0px",
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return near;
}

export function MetricPanel(props: {
  readonly metric: string;
  readonly runs: readonly ChartRun[];
  readonly settings: PanelSettings;
  /** Changes on every live refresh. */
  readonly tick: number;
}) {
  const { metric, runs, settings, tick } = props;
  const box = useRef<HTMLElement>(null);
  const near = useNearViewport(box);
  const [seen, setSeen] = useState(false);
  const [range, setRange] = useState<Range | null>(null);
  const [fetched, setFetched] = useState<Fetched>({ kind: "idle" });
  if (near && !seen) setSeen(true);

  const first = runs[0];
  const runKey = runs.map((r) => r.name).join("\n");
  // A zoom is in x units: changing the axis drops it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the axis changes.
  useEffect(() => setRange(null), [settings.xKind]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `runKey` stands for `runs`; `tick` refreshes.
  useEffect(() => {
    if (!seen || !first) return;
    // Live ticks refresh only panels near the screen; others refresh when scrolled to.
    if (!near && fetched.kind === "ready" && fetched.range === range) return;
    let live = true;
    setFetched((f) => ({
      kind: "loading",
      previous: f.kind === "ready" ? f.answer : f.kind === "loading" ? f.previous : null,
    }));
    fetchChartSeries(first.entity, first.project, {
      runs: runs.map((r) => r.name),
      metric,
      x: settings.xKind,
      buckets: BUCKETS,
      range,
    }).then(
      (answer) => live && setFetched({ kind: "ready", answer, range }),
      (error: unknown) => live && setFetched({ kind: "failed", message: messageOf(error) }),
    );
    return () => {
      live = false;
    };
  }, [seen, metric, runKey, settings.xKind, range, tick]);

  const answer =
    fetched.kind === "ready" ? fetched.answer : fetched.kind === "loading" ? fetched.previous : null;
  // The answer must match the axis asked for (a stale one during a switch would be misplaced).
  const current = answer && answer.x === settings.xKind ? answer : null;
  // Keyed by what is drawn, not by the `runs` array's identity (a parent may rebuild it each render).
  const runsSig = runs.map((r) => `${r.name}\t${r.displayName}\t${r.color}`).join("\n");
  // biome-ignore lint/correctness/useExhaustiveDependencies: `runsSig` stands for `runs`.
  const model = useMemo(
    () => (current ? buildPanel(runs, current.runs, settings) : null),
    [current, runsSig, settings],
  );

  let body: React.ReactNode;
  if (fetched.kind === "failed") {
    body = (
      <div className="panel-status error" role="alert">
        Could not load {metric}: {fetched.message}
      </div>
    );
  } else if (!model) {
    body = <div className="panel-status">{seen ? "Loading…" : ""}</div>;
  } else if (model.x.length === 0) {
    body = <div className="panel-status">{range ? "No points in this range." : "No values logged yet."}</div>;
  } else {
    body = (
      <LineChart
        x={model.x}
        ys={model.ys}
        lines={model.lines}
        bands={model.bands}
        xKind={settings.xKind}
        logY={settings.logY}
        height={CHART_HEIGHT}
        xRange={range}
        onZoom={setRange}
        label={`${metric} chart`}
      />
    );
  }

  return (
    <article
      ref={box}
      className="metric-panel"
      data-testid="metric-panel"
      data-metric={metric}
      data-state={fetched.kind}
      data-exact={model ? String(model.exact) : undefined}
      data-points={model ? String(model.points) : undefined}
      data-zoomed={range ? `${range.min}..${range.max}` : undefined}
    >
      <header>
        <h4>{metric}</h4>
        <span className="panel-note">
          {range && (
            <button type="button" className="link" onClick={() => setRange(null)}>
              Reset zoom
            </button>
          )}
          {model && !model.exact ? " sampled" : ""}
        </span>
      </header>
      {body}
      {model && model.latest.length > 0 && (
        <ul className="panel-latest" aria-label={`${metric} last values`}>
          {model.latest.map((l) => (
            <li
              key={l.run}
              data-run={l.run}
              data-step={l.step}
              data-value={l.value === null ? "NaN" : String(l.value)}
            >
              <span className="run-swatch" style={{ background: l.color }} />
              {l.displayName}: {formatValue(l.value)} @ {l.step}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
