/**
 * The one component that knows the chart library (uPlot: canvas, ~50 kB, draws 100k points in a
 * few ms). Everything else passes plain arrays; swapping the library means rewriting this file.
 *
 * The chart is created once per shape (series, axes, scale type) and fed new data with `setData`,
 * so a refresh costs one canvas redraw and no React work per point. Dragging selects an x range
 * that is handed to `onZoom` (the caller re-fetches that range at full fidelity); a double click
 * hands back `null` (zoom out).
 */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatValue, formatX, type XKind, zoomRange } from "./axes.ts";
import "./charts.css";

export interface ChartLine {
  readonly label: string;
  readonly color: string;
  /** "line": the run's line; "faint": raw values under a smoothed line; "edge": a min/max band edge. */
  readonly role: "line" | "faint" | "edge";
}

export interface LineChartProps {
  readonly x: readonly number[];
  /** One column per line, aligned with `x`. */
  readonly ys: readonly (readonly (number | null)[])[];
  readonly lines: readonly ChartLine[];
  /** Pairs of line indexes (upper, lower) whose area is filled, in the upper line's colour. */
  readonly bands: readonly (readonly [number, number])[];
  readonly xKind: XKind;
  readonly logY: boolean;
  readonly height: number;
  /** Shown x range while zoomed; null: the data's extent. */
  readonly xRange: { readonly min: number; readonly max: number } | null;
  readonly onZoom: (range: { min: number; max: number } | null) => void;
  readonly label: string;
}

/** `color` (any CSS colour) at `opacity`, as canvas understands it (it normalizes to #rrggbb or rgba()). */
function alpha(color: string, opacity: number): string {
  const ctx = document.createElement("canvas").getContext("2d");
  if (!ctx) return color;
  ctx.fillStyle = color;
  const normal = String(ctx.fillStyle);
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normal);
  if (hex) {
    const [r, g, b] = [hex[1], hex[2], hex[3]].map((h) => Number.parseInt(h ?? "0", 16));
    return `rgba(${r}, ${g}, ${b}, ${opacity})`;
  }
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(normal);
  return rgba ? `rgba(${rgba[1]},${rgba[2]},${rgba[3]}, ${opacity})` : color;
}

export function LineChart(props: LineChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  // The latest props for callbacks inside the chart, which outlives renders.
  const latest = useRef(props);
  latest.current = props;

  const shape = JSON.stringify([props.lines, props.bands, props.xKind, props.logY, props.height]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `shape` stands for the props it encodes.
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const { lines, bands, xKind, logY, height } = latest.current;
    const resolved = getComputedStyle(el);
    const axisColor = resolved.getPropertyValue("--chart-axis").trim() || "#666";
    const gridColor = resolved.getPropertyValue("--chart-grid").trim() || "rgba(128,128,128,0.15)";
    const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor } };
    const options: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: {
        x: { time: xKind === "timestamp" },
        y: logY ? { distr: 3 } : {},
      },
      axes: [
        {
          ...axis,
          ...(xKind === "timestamp" ? {} : { values: (_u, splits) => splits.map((v) => formatX(xKind, v)) }),
        },
        { ...axis, size: 60, values: (_u, splits) => splits.map((v) => formatValue(v)) },
      ],
      series: [
        {
          label: xKind === "step" ? "Step" : xKind === "runtime" ? "Time" : "Wall time",
          value: (_u, v) => (v === null ? "–" : formatX(xKind, v)),
        },
        ...lines.map(
          (line): uPlot.Series => ({
            label: line.label,
            stroke: line.role === "line" ? line.color : alpha(line.color, line.role === "faint" ? 0.3 : 0),
            width: line.role === "line" ? 1.5 : line.role === "faint" ? 1 : 0,
            spanGaps: true,
            points: { show: false },
            class: line.role === "line" ? "chart-line" : "chart-aux",
            value: (_u, v) => formatValue(v),
          }),
        ),
      ],
      bands: bands.map(([upper, lower]) => ({
        series: [upper + 1, lower + 1],
        fill: alpha(lines[upper]?.color ?? "#888", 0.15),
      })),
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
      legend: { live: true },
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 4) return;
            const from = u.posToVal(u.select.left, "x");
            const to = u.posToVal(u.select.left + u.select.width, "x");
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            latest.current.onZoom(zoomRange(xKind, from, to));
          },
        ],
        // `data-drawn` = how many x values uPlot's last canvas draw had: the signal that the chart
        // has drawn its data (the bench's page timings, bench/web/, wait for it).
        draw: [
          (u) => {
            el.dataset.drawn = String(u.data[0]?.length ?? 0);
          },
        ],
      },
    };
    const u = new uPlot(options, [[], ...lines.map(() => [])], el);
    chart.current = u;
    const zoomOut = () => latest.current.onZoom(null);
    u.over.addEventListener("dblclick", zoomOut);
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.over.removeEventListener("dblclick", zoomOut);
      u.destroy();
      chart.current = null;
    };
  }, [shape]);

  // New data (or a new shape): one setData and, while zoomed, the zoomed x range.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `shape` re-applies data to a new chart.
  useEffect(() => {
    const u = chart.current;
    if (!u) return;
    const data = [props.x, ...props.ys] as unknown as uPlot.AlignedData;
    u.setData(data, props.xRange === null);
    if (props.xRange) u.setScale("x", { min: props.xRange.min, max: props.xRange.max });
  }, [props.x, props.ys, props.xRange, shape]);

  return <div ref={host} className="line-chart" role="img" aria-label={props.label} />;
}
