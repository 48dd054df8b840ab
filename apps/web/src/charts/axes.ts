/** The chart x axes (step, relative time, wall time) and number formatting for ticks and legends. */

export type XKind = "step" | "runtime" | "timestamp";

export const X_KINDS: readonly { readonly id: XKind; readonly label: string }[] = [
  { id: "step", label: "Step" },
  { id: "runtime", label: "Relative time" },
  { id: "timestamp", label: "Wall time" },
];

/** Seconds as a short duration: 45s, 12m 5s, 3h 20m, 2d 4h. */
export function formatDuration(seconds: number): string {
  const sign = seconds < 0 ? "-" : "";
  const s = Math.abs(seconds);
  if (s < 60) return `${sign}${Number.isInteger(s) ? s : Number(s.toPrecision(3))}s`;
  const total = Math.round(s);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (d > 0) return `${sign}${d}d ${h}h`;
  if (h > 0) return `${sign}${h}h ${m}m`;
  return `${sign}${m}m ${sec}s`;
}

/** A value for legends and labels: 4 significant digits, exponent form when very large or small. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "NaN" : value > 0 ? "∞" : "-∞";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

export function formatX(kind: XKind, value: number): string {
  if (kind === "runtime") return formatDuration(value);
  if (kind === "timestamp") return new Date(value * 1000).toLocaleString();
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * The zoom range to ask the server for, from a dragged x interval: steps are whole (the range
 * covers every step the interval touches); times are kept as they are.
 */
export function zoomRange(kind: XKind, from: number, to: number): { min: number; max: number } {
  const min = Math.min(from, to);
  const max = Math.max(from, to);
  return kind === "step" ? { min: Math.floor(min), max: Math.ceil(max) } : { min, max };
}
