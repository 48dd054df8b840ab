/**
 * A small metrics registry that renders the Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). Counters, gauges and histograms
 * with fixed label names; nothing else. Written here instead of depending on prom-client: the
 * format is a page long, and prom-client brings a default process-metrics set and a global
 * registry we would have to work around (two servers in one test process must not share counts).
 */

export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The Content-Type of the output of `render()`. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** `# HELP` text: backslash and line feed are escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A label value: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** A sample value as the format spells it: `+Inf`, `-Inf`, `NaN`, or a Go-parsable float. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function labelText(names: readonly string[], values: readonly string[], extra = ""): string {
  const parts = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

abstract class Family<Child> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly children = new Map<string, { values: readonly string[]; child: Child }>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith("__") || label === "le" || label === "quantile") {
        throw new Error(`invalid label name ${JSON.stringify(label)} on ${name}`);
      }
    }
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  /** An unlabelled family shows its one series (at zero) from the start rather than no sample. */
  initialize(): void {
    if (this.labelNames.length === 0) this.child({});
  }

  protected abstract create(): Child;

  /** The series for `labels`, which must name exactly this family's labels. */
  protected child(labels: Labels): Child {
    const values = this.labelNames.map((name) => {
      const value = labels[name];
      if (value === undefined) throw new Error(`${this.name}: label ${name} missing`);
      return value;
    });
    if (Object.keys(labels).length !== values.length) {
      throw new Error(`${this.name}: labels ${Object.keys(labels).join(",")} are not ${this.labelNames}`);
    }
    const key = values.join("\u0000");
    let entry = this.children.get(key);
    if (!entry) {
      entry = { values, child: this.create() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  abstract render(lines: string[]): void;

  protected header(lines: string[], type: string): void {
    lines.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${type}`);
  }
}

export class Counter extends Family<{ value: number }> {
  protected create() {
    return { value: 0 };
  }

  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new Error(`${this.name}: a counter only goes up (got ${by})`);
    this.child(labels).value += by;
  }

  /** For counters kept elsewhere (process CPU time): the current total, read at scrape time. */
  set(labels: Labels, total: number): void {
    this.child(labels).value = total;
  }

  render(lines: string[]): void {
    this.header(lines, "counter");
    for (const { values, child } of this.children.values()) {
      lines.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.value)}`);
    }
  }
}

export class Gauge extends Family<{ value: number }> {
  protected create() {
    return { value: 0 };
  }

  set(labels: Labels, value: number): void {
    this.child(labels).value = value;
  }

  render(lines: string[]): void {
    this.header(lines, "gauge");
    for (const { values, child } of this.children.values()) {
      lines.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.value)}`);
    }
  }
}

interface HistogramChild {
  /** Per-bucket counts (not cumulative); index buckets.length is the +Inf overflow. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<HistogramChild> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(name, help, labelNames);
    if (
      buckets.length === 0 ||
      buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] ?? b)))
    ) {
      throw new Error(`${name}: buckets must be finite and strictly increasing`);
    }
    this.buckets = buckets;
  }

  protected create(): HistogramChild {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels, value: number): void {
    const child = this.child(labels);
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] ?? 0)) i++;
    child.counts[i] = (child.counts[i] ?? 0) + 1;
    child.sum += value;
    child.count++;
  }

  render(lines: string[]): void {
    this.header(lines, "histogram");
    for (const { values, child } of this.children.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += child.counts[i] ?? 0;
        const le = `le="${formatValue(bound)}"`;
        lines.push(`${this.name}_bucket${labelText(this.labelNames, values, le)} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${child.count}`);
      lines.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(child.sum)}`);
      lines.push(`${this.name}_count${labelText(this.labelNames, values)} ${child.count}`);
    }
  }
}

/** The metric families of one server, rendered in registration order. */
export class Registry {
  private readonly families: Family<unknown>[] = [];
  private readonly collectors: (() => void)[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets));
  }

  /** Runs `collect` before each render: for values read at scrape time (memory, queue depth). */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  render(): string {
    for (const collect of this.collectors) collect();
    const lines: string[] = [];
    for (const family of this.families) family.render(lines);
    return `${lines.join("\n")}\n`;
  }

  private add<F extends Family<unknown>>(family: F): F {
    if (this.families.some((f) => f.name === family.name)) {
      throw new Error(`metric ${family.name} registered twice`);
    }
    family.initialize();
    this.families.push(family);
    return family;
  }
}
