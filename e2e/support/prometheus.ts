/**
 * Reading a /metrics answer in tests: a strict parser of the Prometheus text format 0.0.4 (what
 * the tests assert on), and prom2json, built by scripts/setup-prom2json.sh, as an independent judge
 * of the format (the parser Prometheus' client libraries use).
 */
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./server.ts";
import { goToolsBuilt } from "./tools.ts";

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` per family name. */
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/;
const SUFFIXES = ["_bucket", "_sum", "_count"];

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_all, c: string) => {
    if (c === "n") return "\n";
    if (c === "\\" || c === '"') return c;
    throw new Error(`invalid escape \\${c}`);
  });
}

function parseValue(text: string): number {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const value = Number(text);
  if (text.trim() === "" || Number.isNaN(value)) throw new Error(`invalid value ${JSON.stringify(text)}`);
  return value;
}

/** Parses the text format; throws on anything the format does not allow (or that we never write). */
export function parseExposition(text: string): Exposition {
  assert.ok(text.endsWith("\n"), "the exposition ends with a line feed");
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const seen = new Set<string>();
  for (const [i, line] of text.slice(0, -1).split("\n").entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith("# HELP ")) {
      const [, name = "", doc = ""] = /^# HELP (\S+) (.*)$/.exec(line) ?? [];
      assert.ok(!help.has(name), `second HELP, ${where}`);
      help.set(name, doc);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, name = "", type = ""] =
        /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line) ?? [];
      assert.ok(name, `malformed TYPE, ${where}`);
      assert.ok(!types.has(name), `second TYPE, ${where}`);
      types.set(name, type);
      continue;
    }
    assert.ok(!line.startsWith("#") && line !== "", `unexpected ${where}`);
    const match = SAMPLE.exec(line);
    assert.ok(match, `malformed sample, ${where}`);
    const [, name = "", labelText, valueText = ""] = match;
    const labels: Record<string, string> = {};
    let rest = labelText ? labelText.slice(1, -1) : "";
    while (rest !== "") {
      const label = LABEL.exec(rest);
      assert.ok(label, `malformed labels, ${where}`);
      const [all, key = "", value = ""] = label;
      assert.ok(!(key in labels), `repeated label ${key}, ${where}`);
      labels[key] = unescapeLabel(value);
      rest = rest.slice(all.length);
    }
    const family = types.has(name)
      ? name
      : SUFFIXES.map((s) => name.slice(0, -s.length)).find(
          (f, k) => name.endsWith(SUFFIXES[k] ?? "") && types.has(f),
        );
    assert.ok(family !== undefined, `sample without a TYPE, ${where}`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    assert.ok(!seen.has(key), `duplicate series, ${where}`);
    seen.add(key);
    samples.push({ name, labels, value: parseValue(valueText) });
  }
  return { samples, types, help };
}

/** The samples named `name` whose labels include `labels`. */
export function select(exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The sum of the matching samples' values (0 when none match). */
export function total(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return select(exposition, name, labels).reduce((sum, s) => sum + s.value, 0);
}

export const PROM2JSON = join(REPO_ROOT, ".cache", "tools", "bin", "prom2json");

/** Builds prom2json if needed (scripts/setup-prom2json.sh); fails loudly when it cannot. */
export async function setupProm2json(): Promise<void> {
  await goToolsBuilt();
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [join(REPO_ROOT, "scripts", "setup-prom2json.sh")],
      { timeout: 600_000 },
      (error, _out, stderr) => {
        if (error) reject(new Error(`scripts/setup-prom2json.sh failed: ${error.message}\n${stderr}`));
        else resolve();
      },
    );
  });
}

/** prom2json's reading of `text` (one entry per family), or a rejection with its parse error. */
export function prom2json(text: string): Promise<{ name: string; type: string; metrics: unknown[] }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROM2JSON, [], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(JSON.parse(out));
      else reject(new Error(`prom2json refused the exposition (exit ${code}): ${err}`));
    });
    child.stdin.end(text);
  });
}
