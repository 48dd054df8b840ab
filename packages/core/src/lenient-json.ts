/**
 * JSON as the W&B client writes it. wandb-core encodes with github.com/wandb/simplejsonext, which
 * emits bare `NaN`, `Infinity` and `-Infinity` tokens, and Python integers may exceed 2^53.
 * `parseLenientJson` accepts those tokens; with `exactIntegers` it keeps integers beyond the safe
 * range as `bigint`. `stringifyLenientJson` writes the same dialect back.
 */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface LenientJsonOptions {
  /** Keep integer literals outside ±(2^53−1) as bigint instead of rounding them to a double. */
  exactIntegers?: boolean;
}

const INTEGER_LITERAL = /^-?\d+$/;

function exactReviver(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === "number" && !Number.isSafeInteger(value) && context?.source !== undefined) {
    if (INTEGER_LITERAL.test(context.source)) return BigInt(context.source);
  }
  return value;
}

/** Deeper documents are refused: nothing the W&B client logs nests this far. */
const MAX_DEPTH = 512;

export function parseLenientJson(text: string, options: LenientJsonOptions = {}): JsonValue {
  try {
    // Fast path: standard JSON. The reviver sees the literal source text (ES2025 JSON.parse source
    // text access), so exact integers cost nothing when not asked for.
    return options.exactIntegers
      ? (JSON.parse(text, exactReviver as (key: string, value: unknown) => unknown) as JsonValue)
      : (JSON.parse(text) as JsonValue);
  } catch (error) {
    if (error instanceof RangeError) throw new SyntaxError("Invalid JSON: nesting too deep");
    if (!/NaN|Infinity/.test(text)) throw error;
  }
  return new LenientParser(text, options.exactIntegers ?? false).parseDocument();
}

class LenientParser {
  private pos = 0;
  private readonly text: string;
  private readonly exactIntegers: boolean;

  constructor(text: string, exactIntegers: boolean) {
    this.text = text;
    this.exactIntegers = exactIntegers;
  }

  parseDocument(): JsonValue {
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail("unexpected trailing characters");
    return value;
  }

  private fail(what: string): never {
    throw new SyntaxError(`Invalid JSON at position ${this.pos}: ${what}`);
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private parseValue(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    this.skipWhitespace();
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.parseObject(depth);
      case "[":
        return this.parseArray(depth);
      case '"':
        return this.parseString();
      case "t":
        return this.expectWord("true", true);
      case "f":
        return this.expectWord("false", false);
      case "n":
        return this.expectWord("null", null);
      case "N":
        return this.expectWord("NaN", Number.NaN);
      case "I":
        return this.expectWord("Infinity", Number.POSITIVE_INFINITY);
      default:
        if (c === "-" && this.text.startsWith("-Infinity", this.pos)) {
          this.pos += "-Infinity".length;
          return Number.NEGATIVE_INFINITY;
        }
        return this.parseNumber();
    }
  }

  private expectWord<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number | bigint {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text);
    if (!found || found[0].length === 0) this.fail("expected a value");
    this.pos += found[0].length;
    const literal = found[0];
    const value = Number(literal);
    if (this.exactIntegers && !Number.isSafeInteger(value) && INTEGER_LITERAL.test(literal))
      return BigInt(literal);
    return value;
  }

  private parseString(): string {
    // Find the closing quote, then let the native parser decode escapes exactly.
    const start = this.pos;
    let i = start + 1;
    const text = this.text;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i += 2;
      else if (c === 0x22) break;
      else i++;
    }
    if (i >= text.length) this.fail("unterminated string");
    this.pos = i + 1;
    return JSON.parse(text.slice(start, i + 1)) as string;
  }

  private parseArray(depth: number): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.parseValue(depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "]") return out;
      if (c !== ",") this.fail("expected , or ]");
    }
  }

  private parseObject(depth: number): { [key: string]: JsonValue } {
    this.pos++;
    const out: { [key: string]: JsonValue } = {};
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail("expected a property name");
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos++] !== ":") this.fail("expected :");
      const value = this.parseValue(depth + 1);
      // Own data property even for "__proto__", as JSON.parse does.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const c = this.text[this.pos++];
      if (c === "}") return out;
      if (c !== ",") this.fail("expected , or }");
    }
  }
}

export function stringifyLenientJson(value: JsonValue): string {
  return stringifyAt(value, 0);
}

function stringifyAt(value: JsonValue, depth: number): string {
  if (depth > MAX_DEPTH) throw new TypeError("JSON value nested too deep to write");
  switch (typeof value) {
    case "number":
      if (Number.isNaN(value)) return "NaN";
      if (value === Number.POSITIVE_INFINITY) return "Infinity";
      if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
      return JSON.stringify(value);
    case "bigint":
      return value.toString();
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map((item) => stringifyAt(item, depth + 1)).join(",")}]`;
      const parts: string[] = [];
      for (const [key, item] of Object.entries(value))
        parts.push(`${JSON.stringify(key)}:${stringifyAt(item, depth + 1)}`);
      return `{${parts.join(",")}}`;
    }
    default:
      throw new TypeError(`not a JSON value: ${typeof value}`);
  }
}
