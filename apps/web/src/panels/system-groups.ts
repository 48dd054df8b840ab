/**
 * System-metric keys grouped into charts: keys that differ only in a device number
 * (`system.gpu.0.temp`, `system.gpu.1.temp`; `system.cpu.3.cpu_percent`) share one chart with a
 * line per device; every other key is its own chart.
 */
export interface SystemGroup {
  /** The chart's title: the key with each device number shown as `*`. */
  readonly title: string;
  /** Its keys, by device number. */
  readonly keys: readonly { readonly key: string; readonly label: string }[];
}

export function groupSystemKeys(keys: readonly string[]): SystemGroup[] {
  const groups = new Map<string, { key: string; label: string; order: number[] }[]>();
  for (const key of keys) {
    const devices: number[] = [];
    const title = key.replace(/^system\./, "").replace(/\.(\d+)(?=\.|$)/g, (_m, n: string) => {
      devices.push(Number(n));
      return ".*";
    });
    const list = groups.get(title) ?? [];
    list.push({ key, label: devices.length > 0 ? devices.join(".") : title, order: devices });
    groups.set(title, list);
  }
  const byDevice = (a: { order: number[] }, b: { order: number[] }) => {
    for (let i = 0; i < Math.max(a.order.length, b.order.length); i++) {
      const d = (a.order[i] ?? -1) - (b.order[i] ?? -1);
      if (d !== 0) return d;
    }
    return 0;
  };
  return [...groups]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([title, list]) => ({
      title,
      keys: list.sort(byDevice).map(({ key, label }) => ({ key, label })),
    }));
}

/** Distinct colours for a chart's lines, by index. */
export function lineColor(index: number): string {
  const hue = (index * 137.508) % 360;
  return `hsl(${hue.toFixed(0)} 65% 45%)`;
}
