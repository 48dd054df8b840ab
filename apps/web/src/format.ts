/** Display formatting shared by the pages. Pure functions (unit-tested in format.test.ts). */

/** "just now", "5 minutes ago", "3 days ago"; the date itself beyond a month. */
export function relativeTime(value: number | string, now: number = Date.now()): string {
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) return "—";
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return "just now";
  const format = new Intl.RelativeTimeFormat("en", { numeric: "always" });
  if (seconds < 3600) return format.format(-Math.max(1, Math.round(seconds / 60)), "minute");
  if (seconds < 86_400) return format.format(-Math.round(seconds / 3600), "hour");
  if (seconds < 86_400 * 30) return format.format(-Math.round(seconds / 86_400), "day");
  return absoluteTime(value);
}

/** A full local date and time, for tooltips and old dates. */
export function absoluteTime(value: number | string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "—";
  return date.toLocaleString("en", { dateStyle: "medium", timeStyle: "short" });
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString("en")} ${count === 1 ? one : many}`;
}

/** The machine-readable form for `<time dateTime>`; undefined for a value that is not a time. */
export function isoTime(value: number | string): string | undefined {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
