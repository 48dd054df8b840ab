/**
 * The YAML that sweep configs arrive in. The Python client sends `yaml.dump(config)` (PyYAML, YAML
 * 1.1, block style; `wandb/apis/public/sweeps.py: _upsert_sweep`), so this reads that subset: block
 * mappings and sequences, plain / single- / double-quoted scalars (also spanning lines), flow
 * collections, comments, and YAML 1.1 scalar resolution as PyYAML's `safe_load` does it. Anchors,
 * tags, block scalars (`|`, `>`) and `?` keys are refused with a message: PyYAML does not emit them
 * for a JSON-shaped config. A JSON document is valid input too.
 */
import { AppError } from "@ballast/core";

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly no: number;
}

export function parseYaml(source: string): YamlValue {
  const trimmed = source.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed) as YamlValue;
    } catch {
      // not JSON: flow-style YAML, parsed below
    }
  }
  return new Parser(source).document();
}

function fail(message: string, line?: number): never {
  const where = line === undefined ? "" : ` (line ${line})`;
  throw new AppError("INVALID_ARGUMENT", `The sweep config is not valid YAML${where}: ${message}`);
}

class Parser {
  private readonly lines: Line[];
  private pos = 0;

  constructor(source: string) {
    this.lines = source
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .map((raw, i) => {
        if (/^\s*\t/.test(raw)) fail("tabs may not indent", i + 1);
        const indent = raw.length - raw.trimStart().length;
        return { indent, text: raw.slice(indent).trimEnd(), no: i + 1 };
      });
  }

  document(): YamlValue {
    this.skipBlank();
    const first = this.peek();
    if (first && (first.text === "---" || first.text.startsWith("--- "))) {
      const rest = first.text.slice(3).trim();
      this.replace({ ...first, text: rest, indent: first.indent + 4 });
      if (rest === "") this.pos++;
    }
    const value = this.node(0, -1);
    this.skipBlank();
    const extra = this.peek();
    if (extra && extra.text !== "..." && extra.text !== "---")
      fail(`unexpected content "${extra.text}"`, extra.no);
    return value;
  }

  private peek(): Line | undefined {
    return this.lines[this.pos];
  }

  private replace(line: Line): void {
    this.lines[this.pos] = line;
  }

  /** Skips empty and comment-only lines. */
  private skipBlank(): void {
    for (let line = this.peek(); line && (line.text === "" || line.text.startsWith("#")); line = this.peek())
      this.pos++;
  }

  /** A node whose lines are indented at least `min`; `parentIndent` bounds scalar continuation lines. */
  private node(min: number, parentIndent: number): YamlValue {
    this.skipBlank();
    const line = this.peek();
    if (!line || line.indent < min) return null;
    if (isSequenceItem(line.text)) return this.sequence(line.indent);
    if (keyEnd(line.text, line.no) >= 0) return this.mapping(line.indent);
    this.pos++;
    return this.inlineValue(line.text, line.no, parentIndent);
  }

  private sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (;;) {
      this.skipBlank();
      const line = this.peek();
      if (!line || line.indent !== indent || !isSequenceItem(line.text)) return items;
      const rest = line.text.slice(1).trimStart();
      if (rest === "" || rest.startsWith("#")) {
        this.pos++;
        items.push(this.node(indent + 1, indent));
      } else {
        // "- key: v" or "- - x": the rest is a node starting at its own column.
        this.replace({ indent: indent + line.text.length - rest.length, text: rest, no: line.no });
        items.push(this.node(indent + 1, indent));
      }
    }
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (;;) {
      this.skipBlank();
      const line = this.peek();
      if (!line || line.indent !== indent || isSequenceItem(line.text)) return map;
      const end = keyEnd(line.text, line.no);
      if (end < 0) fail(`expected "key: value", found "${line.text}"`, line.no);
      const key = String(scalarOf(line.text.slice(0, end).trim(), line.no) ?? "null");
      const rest = line.text.slice(end + 1).trim();
      this.pos++;
      let value: YamlValue;
      if (rest === "" || rest.startsWith("#")) {
        this.skipBlank();
        const next = this.peek();
        // PyYAML writes a mapping's sequence at the key's own indentation.
        if (next && next.indent === indent && isSequenceItem(next.text)) value = this.sequence(indent);
        else value = this.node(indent + 1, indent);
      } else {
        value = this.inlineValue(rest, line.no, indent);
      }
      if (Object.hasOwn(map, key)) fail(`duplicate key "${key}"`, line.no);
      map[key] = value;
    }
  }

  /** A value that starts on a line already consumed; continuation lines are indented past `parentIndent`. */
  private inlineValue(text: string, no: number, parentIndent: number): YamlValue {
    const first = text[0];
    if (first === "&" || first === "*" || first === "!" || first === "|" || first === ">")
      fail(`"${first}" (anchors, aliases, tags, block scalars) is not supported`, no);
    if (first === "'" || first === '"') {
      const { value, rest } = this.quoted(text, no, parentIndent);
      if (rest !== "" && !rest.startsWith("#")) fail(`unexpected "${rest}" after a quoted scalar`, no);
      return value;
    }
    if (first === "[" || first === "{") {
      let flow = text;
      while (!flowClosed(flow)) {
        const next = this.peek();
        if (!next || next.indent <= parentIndent) fail("unclosed flow collection", no);
        flow += ` ${next.text}`;
        this.pos++;
      }
      return new FlowParser(flow, no).document();
    }
    const parts = [stripComment(text)];
    for (let next = this.peek(); next && text.indexOf(" #") < 0; next = this.peek()) {
      if (next.text !== "" && (next.indent <= parentIndent || next.text.startsWith("#"))) break;
      if (next.text === "" && !this.continuesAfterBlank(parentIndent)) break;
      if (next.text !== "" && keyEnd(next.text, next.no) >= 0)
        fail("a plain scalar may not hold ': '", next.no);
      parts.push(stripComment(next.text));
      this.pos++;
    }
    return parts.length === 1 ? scalarOf(parts[0] ?? "", no) : fold(parts);
  }

  private continuesAfterBlank(parentIndent: number): boolean {
    for (let i = this.pos; i < this.lines.length; i++) {
      const line = this.lines[i];
      if (line && line.text !== "") return line.indent > parentIndent && !line.text.startsWith("#");
    }
    return false;
  }

  /** A quoted scalar starting at `text`, possibly continued on the following lines. */
  private quoted(text: string, no: number, parentIndent: number): { value: string; rest: string } {
    const quote = text[0] ?? "'";
    const parts: string[] = [];
    let current = text.slice(1);
    for (;;) {
      const close = closingQuote(current, quote);
      if (close >= 0) {
        parts.push(current.slice(0, close));
        const raw = parts.length === 1 ? (parts[0] ?? "") : foldQuoted(parts, quote);
        return { value: unescapeQuoted(raw, quote, no), rest: current.slice(close + 1).trim() };
      }
      parts.push(current);
      const next = this.peek();
      if (!next || (next.text !== "" && next.indent <= parentIndent)) fail("unclosed quoted scalar", no);
      current = next.text;
      this.pos++;
    }
  }
}

function isSequenceItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

/** Index of the ":" that ends a mapping key on this line, or -1 when the line is not "key: value". */
function keyEnd(text: string, no: number): number {
  if (text.startsWith("? ")) fail('"?" keys are not supported', no);
  let i = 0;
  if (text[0] === "'" || text[0] === '"') {
    const close = closingQuote(text.slice(1), text[0]);
    if (close < 0) return -1;
    i = close + 2;
    const after = text.slice(i).trimStart();
    return after.startsWith(":") && (after.length === 1 || after[1] === " ")
      ? text.length - after.length
      : -1;
  }
  if (text[0] === "[" || text[0] === "{") return -1;
  for (; i < text.length; i++) {
    if (text[i] === "#" && i > 0 && text[i - 1] === " ") return -1;
    if (text[i] === ":" && (i === text.length - 1 || text[i + 1] === " ")) return i;
  }
  return -1;
}

function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") i++;
    else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

function stripComment(text: string): string {
  const at = text.indexOf(" #");
  return (at >= 0 ? text.slice(0, at) : text).trim();
}

/** YAML line folding: a line break becomes a space, each blank line a newline. */
function fold(parts: readonly string[]): string {
  let out = "";
  let pendingBreaks = 0;
  for (const [i, part] of parts.entries()) {
    if (part === "") {
      pendingBreaks++;
      continue;
    }
    if (i > 0) out += pendingBreaks > 0 ? "\n".repeat(pendingBreaks) : " ";
    pendingBreaks = 0;
    out += part;
  }
  return out;
}

function foldQuoted(parts: readonly string[], quote: string): string {
  let out = (parts[0] ?? "").trimEnd();
  let breaks = 0;
  for (let k = 1; k < parts.length; k++) {
    const last = k === parts.length - 1;
    const line = last ? (parts[k] ?? "").trimStart() : (parts[k] ?? "").trim();
    if (line === "" && !last) {
      breaks++;
      continue;
    }
    // An escaped line break ("\" ending a double-quoted line) joins the lines without a space.
    const trailing = /\\*$/.exec(out)?.[0].length ?? 0;
    if (quote === '"' && trailing % 2 === 1) out = out.slice(0, -1);
    else out += breaks > 0 ? "\n".repeat(breaks) : " ";
    breaks = 0;
    out += line;
  }
  return out;
}

const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\u0085",
  _: "\u00a0",
  L: "\u2028",
  P: "\u2029",
};

function unescapeQuoted(raw: string, quote: string, no: number): string {
  if (quote === "'") return raw.replaceAll("''", "'");
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] ?? "";
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = raw[++i] ?? "";
    const hex = { x: 2, u: 4, U: 8 }[e];
    if (hex !== undefined) {
      const digits = raw.slice(i + 1, i + 1 + hex);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) fail(`bad escape \\${e}${digits}`, no);
      out += String.fromCodePoint(Number.parseInt(digits, 16));
      i += hex;
    } else {
      const escaped = ESCAPES[e];
      if (escaped === undefined) fail(`unknown escape \\${e}`, no);
      out += escaped;
    }
  }
  return out;
}

const INT = /^[-+]?(0|[1-9][0-9_]*)$/;
const OCTAL = /^[-+]?0[0-7_]+$/;
const HEX = /^[-+]?0x[0-9a-fA-F_]+$/;
const BINARY = /^[-+]?0b[01_]+$/;
// PyYAML's YAML 1.1 float: a dot is required, an exponent needs its sign.
const FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+][0-9]+)?$/;

/** Resolves a plain scalar the way PyYAML's SafeLoader does (YAML 1.1 core types). */
export function scalarOf(text: string, no?: number): YamlValue {
  if (text.startsWith("'") || text.startsWith('"')) {
    const close = closingQuote(text.slice(1), text[0] ?? "'");
    if (close !== text.length - 2) fail(`bad quoted scalar ${text}`, no);
    return unescapeQuoted(text.slice(1, -1), text[0] ?? "'", no ?? 0);
  }
  if (/^(~|null|Null|NULL|)$/.test(text)) return null;
  if (/^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(text) && text.length > 1) return true;
  if (/^(n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(text) && text.length > 1) return false;
  const sign = text.startsWith("-") ? -1 : 1;
  const digits = text.replace(/^[-+]/, "").replaceAll("_", "");
  if (INT.test(text)) return sign * Number(digits);
  if (HEX.test(text)) return sign * Number.parseInt(digits.slice(2), 16);
  if (BINARY.test(text)) return sign * Number.parseInt(digits.slice(2), 2);
  if (OCTAL.test(text)) return sign * Number.parseInt(digits, 8);
  if (FLOAT.test(text)) return sign * Number(digits);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text)) return sign * Number.POSITIVE_INFINITY;
  if (/^\.(nan|NaN|NAN)$/.test(text)) return Number.NaN;
  return text;
}

function flowClosed(text: string): boolean {
  let depth = 0;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (quote === '"' && c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") depth--;
  }
  return depth <= 0 && quote === "";
}

/** `[a, b]` and `{k: v}` on one (joined) line. */
class FlowParser {
  private i = 0;
  private readonly text: string;
  private readonly no: number;

  constructor(text: string, no: number) {
    this.text = text;
    this.no = no;
  }

  document(): YamlValue {
    const value = this.value();
    this.space();
    const rest = this.text.slice(this.i);
    if (rest !== "" && !rest.startsWith("#")) fail(`unexpected "${rest}" after a flow collection`, this.no);
    return value;
  }

  private space(): void {
    while (this.text[this.i] === " ") this.i++;
  }

  private value(): YamlValue {
    this.space();
    const c = this.text[this.i];
    if (c === "[") return this.collection("]");
    if (c === "{") return this.collection("}");
    if (c === "'" || c === '"') {
      const close = closingQuote(this.text.slice(this.i + 1), c);
      if (close < 0) fail("unclosed quoted scalar", this.no);
      const raw = this.text.slice(this.i + 1, this.i + 1 + close);
      this.i += close + 2;
      return unescapeQuoted(raw, c, this.no);
    }
    const start = this.i;
    while (this.i < this.text.length && !",]}".includes(this.text[this.i] ?? "")) {
      if (this.text[this.i] === ":" && " ,]}".includes(this.text[this.i + 1] ?? " ")) break;
      this.i++;
    }
    return scalarOf(this.text.slice(start, this.i).trim(), this.no);
  }

  private collection(close: "]" | "}"): YamlValue {
    this.i++;
    const list: YamlValue[] = [];
    const map: { [key: string]: YamlValue } = {};
    for (;;) {
      this.space();
      if (this.text[this.i] === close) {
        this.i++;
        return close === "]" ? list : map;
      }
      const item = this.value();
      this.space();
      if (close === "}") {
        if (this.text[this.i] !== ":") fail("expected ':' in a flow mapping", this.no);
        this.i++;
        map[String(item)] = this.value();
      } else {
        list.push(item);
      }
      this.space();
      if (this.text[this.i] === ",") this.i++;
      else if (this.text[this.i] !== close) fail(`expected "," or "${close}" in a flow collection`, this.no);
    }
  }
}
