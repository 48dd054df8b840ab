/**
 * One chart panel per logged metric of the given runs (the workspace's selection, or one run on the
 * run page's Charts tab), with the settings every panel shares: x axis, smoothing, log scale,
 * min/max band. Panels fetch their own series when scrolled near (metric-panel.tsx); while a run
 * is running, a tick every few seconds refreshes the key list and the panels on screen.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { fetchMetricKeys } from "../api/charts.ts";
import { messageOf } from "../api/client.ts";
import { X_KINDS, type XKind } from "../charts/axes.ts";
import { useLoad } from "../use-load.ts";
import { MetricPanel } from "./metric-panel.tsx";
import { type PanelSettings, sectionsOf } from "./panel-model.ts";
import "./panels.css";

/** A run as the charts need it; `color` is the run's colour in the runs table. */
export interface ChartRun {
  entity: string;
  project: string;
  /** The run id (the `name` in W&B's API). */
  name: string;
  displayName: string;
  /** Any CSS colour. */
  color: string;
  running: boolean;
}

/** Live refresh period while a run is running. */
const LIVE_MS = 4000;
/** The server charts at most this many runs per request (apps/server/src/api/charts.handler.ts). */
const MAX_RUNS = 100;

/** Counts up every `ms` while `on` and the page is visible. */
export function useTick(on: boolean, ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setTick((t) => t + 1);
    }, ms);
    return () => clearInterval(timer);
  }, [on, ms]);
  return tick;
}

export function MetricPanels(props: { runs: readonly ChartRun[]; live?: boolean }) {
  const runs = props.runs.slice(0, MAX_RUNS);
  const first = runs[0];
  const runKey = runs.map((r) => `${r.entity}/${r.project}/${r.name}`).join("\n");
  const tick = useTick((props.live ?? true) && runs.some((r) => r.running), LIVE_MS);

  const [xKind, setXKind] = useState<XKind>("step");
  const [smoothing, setSmoothing] = useState(0);
  const [logY, setLogY] = useState(false);
  const [band, setBand] = useState(true);
  const [filter, setFilter] = useState("");
  const settings = useMemo<PanelSettings>(
    () => ({ xKind, smoothing, logY, band }),
    [xKind, smoothing, logY, band],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `runKey` stands for `runs`; `tick` refreshes.
  const load = useCallback(
    () =>
      first
        ? fetchMetricKeys(
            first.entity,
            first.project,
            runs.map((r) => r.name),
          )
        : Promise.resolve([]),
    [runKey, tick],
  );
  const { state } = useLoad(load);
  // Keep showing the last key list while a refresh is under way.
  const [keys, setKeys] = useState<readonly string[] | null>(null);
  useEffect(() => {
    if (state.kind === "ready") setKeys(state.value.map((k) => k.name));
  }, [state]);

  if (runs.length === 0) {
    return (
      <p className="muted" data-testid="metric-panels-empty">
        Select runs to chart their metrics.
      </p>
    );
  }
  if (keys === null && state.kind === "failed") {
    return (
      <p className="error" role="alert">
        Could not load the metrics: {messageOf(state.error)}
      </p>
    );
  }
  const needle = filter.trim().toLowerCase();
  const shown = (keys ?? []).filter((k) => needle === "" || k.toLowerCase().includes(needle));

  return (
    <section className="metric-panels" aria-label="Charts" data-testid="metric-panels">
      <div className="metric-panels-toolbar">
        <label>
          Search
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="metric name"
          />
        </label>
        <label>
          X axis
          <select value={xKind} onChange={(e) => setXKind(e.target.value as XKind)}>
            {X_KINDS.map((k) => (
              <option key={k.id} value={k.id}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setSmoothing(Number(e.target.value))}
            aria-valuetext={String(smoothing)}
          />
          <span className="muted">{smoothing.toFixed(2)}</span>
        </label>
        <label>
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} />
          Log scale
        </label>
        <label>
          <input type="checkbox" checked={band} onChange={(e) => setBand(e.target.checked)} />
          Min/max band
        </label>
        <span className="muted">Drag on a chart to zoom, double-click to zoom out.</span>
      </div>
      {keys === null ? (
        <p className="muted">Loading metrics…</p>
      ) : keys.length === 0 ? (
        <p className="muted" data-testid="metric-panels-none">
          {runs.some((r) => r.running)
            ? "No metrics logged yet; waiting for the run…"
            : "These runs logged no metrics."}
        </p>
      ) : (
        sectionsOf(shown).map((section) => (
          <div className="metric-section" key={section.name}>
            <h3>{section.name}</h3>
            <div className="metric-grid">
              {section.keys.map((key) => (
                <MetricPanel key={key} metric={key} runs={runs} settings={settings} tick={tick} />
              ))}
            </div>
          </div>
        ))
      )}
    </section>
  );
}
