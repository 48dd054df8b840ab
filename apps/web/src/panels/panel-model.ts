/**
 * What a metric panel draws, from the server's answer and the panel settings: the aligned columns,
 * the lines (raw, smoothed, band edges) and each run's last logged value. Pure, unit-tested.
 */
import type { XKind } from "../charts/axes.ts";
import {
  alignRuns,
  decodeValue,
  ema,
  plottable,
  positiveOnly,
  type RunColumns,
  type WireValue,
} from "../charts/series-data.ts";

export interface PanelSettings {
  readonly xKind: XKind;
  /** EMA weight, 0 (off) to 0.99. */
  readonly smoothing: number;
  readonly logY: boolean;
  /** Shade each bucket's min..max around the line. */
  readonly band: boolean;
}

export interface PanelRun {
  readonly name: string;
  readonly displayName: string;
  readonly color: string;
}

export interface AnswerRun {
  readonly run: string;
  readonly exact: boolean;
  readonly x: readonly (number | null)[];
  readonly step: readonly number[];
  readonly min: readonly WireValue[];
  readonly max: readonly WireValue[];
  readonly last: readonly WireValue[];
}

export interface PanelLine {
  readonly label: string;
  readonly color: string;
  readonly role: "line" | "faint" | "edge";
}

export interface LatestValue {
  readonly run: string;
  readonly displayName: string;
  readonly color: string;
  readonly step: number;
  /** As logged (±Infinity kept; NaN is null). */
  readonly value: number | null;
}

export interface PanelModel {
  readonly x: number[];
  readonly ys: (number | null)[][];
  readonly lines: PanelLine[];
  readonly bands: [number, number][];
  readonly latest: LatestValue[];
  /** True when every run's points are the logged points (no bucketing). */
  readonly exact: boolean;
  readonly points: number;
}

export function buildPanel(
  runs: readonly PanelRun[],
  answer: readonly AnswerRun[],
  settings: PanelSettings,
): PanelModel {
  const byName = new Map(answer.map((a) => [a.run, a]));
  const columns: RunColumns[] = [];
  const lines: PanelLine[] = [];
  const bands: [number, number][] = [];
  const latest: LatestValue[] = [];
  const clean = (values: readonly WireValue[]) =>
    settings.logY ? positiveOnly(plottable(values)) : plottable(values);
  for (const run of runs) {
    const series = byName.get(run.name);
    if (!series || series.step.length === 0) continue;
    const ys: (number | null)[][] = [];
    if (settings.band && !series.exact) {
      ys.push(clean(series.max), clean(series.min));
      lines.push(
        { label: `${run.displayName} max`, color: run.color, role: "edge" },
        { label: `${run.displayName} min`, color: run.color, role: "edge" },
      );
      bands.push([lines.length - 2, lines.length - 1]);
    }
    const raw = plottable(series.last);
    if (settings.smoothing > 0) {
      ys.push(settings.logY ? positiveOnly(raw) : raw);
      lines.push({ label: `${run.displayName} (raw)`, color: run.color, role: "faint" });
    }
    const smoothed = ema(raw, settings.smoothing);
    ys.push(settings.logY ? positiveOnly(smoothed) : smoothed);
    lines.push({ label: run.displayName, color: run.color, role: "line" });
    columns.push({ x: series.x, ys });
    for (let i = series.last.length - 1; i >= 0; i--) {
      const value = series.last[i];
      if (value === undefined) continue;
      const step = series.step[i] ?? 0;
      latest.push({
        run: run.name,
        displayName: run.displayName,
        color: run.color,
        step,
        value: decodeValue(value),
      });
      break;
    }
  }
  const aligned = alignRuns(columns);
  return {
    x: aligned.x,
    ys: aligned.ys,
    lines,
    bands,
    latest,
    exact: answer.every((a) => a.exact),
    points: answer.reduce((n, a) => n + a.step.length, 0),
  };
}

/** Metric keys grouped into sections by their prefix before the first "/" (W&B's sections). */
export function sectionsOf(keys: readonly string[]): { name: string; keys: string[] }[] {
  const sections = new Map<string, string[]>();
  for (const key of keys) {
    const slash = key.indexOf("/");
    const name = slash > 0 ? key.slice(0, slash) : "Charts";
    const list = sections.get(name);
    if (list) list.push(key);
    else sections.set(name, [key]);
  }
  return [...sections].map(([name, list]) => ({ name, keys: list }));
}
