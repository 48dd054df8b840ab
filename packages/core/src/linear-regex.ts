/**
 * Regular expressions in RE2 syntax, matched in time linear in the input (a Thompson NFA run as a
 * Pike VM, as RE2 does). W&B documents its run filters' `$regex` as RE2
 * (wandb/apis/public/api.py `Api.runs`), and a user's pattern must never be able to hang the server:
 * JavaScript's backtracking RegExp takes exponential time on patterns like `(a+)+$`, this does not.
 *
 * Supported: literals, `.`, `[...]` classes (ranges, negation, `\d\w\s`, `[:alpha:]`-style names),
 * `\d \D \w \W \s \S \b \B \A \z`, `^ $`, groups `(…)`, `(?:…)`, `(?P<n>…)`, `(?<n>…)`, flags
 * `(?i)`, `(?s)`, `(?m)` and `(?flags:…)`, alternation, and `* + ? {n} {n,} {n,m}` (lazy forms
 * accepted; laziness does not change whether a string matches). Like RE2, backreferences and
 * look-around are refused. Matching is unanchored (a search), as RE2's `PartialMatch`.
 */

const MAX_PATTERN_LENGTH = 4096;
const MAX_PROGRAM = 20_000;
const MAX_REPEAT = 1000;

type CharTest = (c: number) => boolean;

type Node =
  | { kind: "char"; test: CharTest }
  | { kind: "concat"; items: Node[] }
  | { kind: "alt"; items: Node[] }
  | { kind: "repeat"; item: Node; min: number; max: number }
  | { kind: "assert"; what: Assertion }
  | { kind: "empty" };

type Assertion = "bol" | "eol" | "bot" | "eot" | "word" | "notword";

type Inst =
  | { op: "char"; test: CharTest }
  | { op: "split"; x: number; y: number }
  | { op: "jmp"; x: number }
  | { op: "assert"; what: Assertion }
  | { op: "match" };

export class RegexSyntaxError extends Error {
  override name = "RegexSyntaxError";
}

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

const POSIX: Record<string, CharTest> = {
  alnum: (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  ascii: (c) => c <= 127,
  blank: (c) => c === 32 || c === 9,
  cntrl: (c) => c < 32 || c === 127,
  digit: isDigit,
  graph: (c) => c > 32 && c < 127,
  lower: (c) => c >= 97 && c <= 122,
  print: (c) => c >= 32 && c < 127,
  punct: (c) => c > 32 && c < 127 && !(isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)),
  space: isSpace,
  upper: (c) => c >= 65 && c <= 90,
  word: isWordChar,
  xdigit: (c) => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

function foldCase(test: CharTest): CharTest {
  return (c) => {
    if (test(c)) return true;
    const s = String.fromCodePoint(c);
    const lower = s.toLowerCase().codePointAt(0) ?? c;
    const upper = s.toUpperCase().codePointAt(0) ?? c;
    return (lower !== c && test(lower)) || (upper !== c && test(upper));
  };
}

class Parser {
  private pos = 0;
  private readonly src: string;

  constructor(src: string) {
    this.src = src;
  }

  parse(): Node {
    const node = this.parseAlt({ i: false, s: false, m: false });
    if (this.pos < this.src.length) this.fail("unmatched )");
    return node;
  }

  private fail(what: string): never {
    throw new RegexSyntaxError(`invalid regular expression at position ${this.pos}: ${what}`);
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private parseAlt(flags: Flags): Node {
    const items = [this.parseConcat(flags)];
    while (this.peek() === "|") {
      this.pos++;
      items.push(this.parseConcat(flags));
    }
    return items.length === 1 ? (items[0] as Node) : { kind: "alt", items };
  }

  private parseConcat(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "|" || c === ")") break;
      // `(?i)` changes the flags for the rest of the enclosing group.
      if (this.src.startsWith("(?", this.pos) && /^\(\?[ims-]+\)/.test(this.src.slice(this.pos))) {
        const end = this.src.indexOf(")", this.pos);
        this.applyFlags(flags, this.src.slice(this.pos + 2, end));
        this.pos = end + 1;
        continue;
      }
      items.push(this.parseRepeat(this.parseAtom(flags)));
    }
    if (items.length === 0) return { kind: "empty" };
    return items.length === 1 ? (items[0] as Node) : { kind: "concat", items };
  }

  private applyFlags(flags: Flags, spec: string): void {
    let on = true;
    for (const f of spec) {
      if (f === "-") on = false;
      else if (f === "i" || f === "s" || f === "m") flags[f] = on;
      else this.fail(`unknown flag ${f}`);
    }
  }

  private parseRepeat(atom: Node): Node {
    let node = atom;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === "*") [min, max] = [0, -1];
      else if (c === "+") [min, max] = [1, -1];
      else if (c === "?") [min, max] = [0, 1];
      else if (c === "{") {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
        if (!m) return node; // RE2: a `{` that does not start a repetition is a literal
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
        if (min > MAX_REPEAT || max > MAX_REPEAT || (max !== -1 && max < min)) this.fail("bad repetition");
        this.pos += m[0].length - 1;
      } else return node;
      this.pos++;
      if (node.kind === "assert" || node.kind === "empty") this.fail("missing argument to repetition");
      if (node.kind === "repeat") this.fail("nested repetition operator");
      if (this.peek() === "?") this.pos++; // lazy: the same language
      node = { kind: "repeat", item: node, min, max };
    }
  }

  private parseAtom(flags: Flags): Node {
    const c = this.src[this.pos++];
    const char = (test: CharTest): Node => ({ kind: "char", test: flags.i ? foldCase(test) : test });
    switch (c) {
      case "(":
        return this.parseGroup(flags);
      case "[":
        return char(this.parseClass());
      case ".":
        return char(flags.s ? () => true : (x) => x !== 10);
      case "^":
        return { kind: "assert", what: flags.m ? "bol" : "bot" };
      case "$":
        return { kind: "assert", what: flags.m ? "eol" : "eot" };
      case "\\": {
        const escaped = this.parseEscape(false);
        return typeof escaped === "string" ? { kind: "assert", what: escaped } : char(escaped);
      }
      case "*":
      case "+":
      case "?":
        return this.fail("missing argument to repetition");
      default: {
        const code = this.src.codePointAt(this.pos - 1) ?? 0;
        if (code > 0xffff) this.pos++;
        return char((x) => x === code);
      }
    }
  }

  private parseGroup(outer: Flags): Node {
    const flags = { ...outer };
    if (this.peek() === "?") {
      const rest = this.src.slice(this.pos);
      const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(rest);
      const withFlags = /^\?([ims-]*):/.exec(rest);
      if (named) this.pos += named[0].length;
      else if (withFlags) {
        this.applyFlags(flags, withFlags[1] ?? "");
        this.pos += withFlags[0].length;
      } else this.fail("unsupported group (look-around and backreferences are not RE2)");
    }
    const inner = this.parseAlt(flags);
    if (this.src[this.pos++] !== ")") this.fail("missing )");
    // Wrapped, so `(a+)+` is a repetition of a group, not the refused `a++`.
    return { kind: "concat", items: [inner] };
  }

  /** An escape after `\`: a character test, or an assertion name for `\b \B \A \z` outside classes. */
  private parseEscape(inClass: boolean): CharTest | Assertion {
    const c = this.src[this.pos++];
    if (c === undefined) this.fail("trailing backslash");
    switch (c) {
      case "d":
        return isDigit;
      case "D":
        return (x) => !isDigit(x);
      case "w":
        return isWordChar;
      case "W":
        return (x) => !isWordChar(x);
      case "s":
        return isSpace;
      case "S":
        return (x) => !isSpace(x);
      case "n":
        return (x) => x === 10;
      case "t":
        return (x) => x === 9;
      case "r":
        return (x) => x === 13;
      case "f":
        return (x) => x === 12;
      case "v":
        return (x) => x === 11;
      case "a":
        return (x) => x === 7;
      case "x": {
        const m = /^(?:\{([0-9A-Fa-f]{1,6})\}|([0-9A-Fa-f]{2}))/.exec(this.src.slice(this.pos));
        if (!m) this.fail("bad \\x escape");
        this.pos += m[0].length;
        const code = Number.parseInt(m[1] ?? m[2] ?? "0", 16);
        return (x) => x === code;
      }
    }
    if (!inClass) {
      if (c === "b") return "word";
      if (c === "B") return "notword";
      if (c === "A") return "bot";
      if (c === "z") return "eot";
    }
    if (/[0-9]/.test(c)) this.fail("backreferences are not supported (RE2)");
    if (/[A-Za-z]/.test(c)) this.fail(`unsupported escape \\${c}`);
    const code = c.codePointAt(0) ?? 0;
    return (x) => x === code;
  }

  private parseClass(): CharTest {
    const negate = this.peek() === "^";
    if (negate) this.pos++;
    const tests: CharTest[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail("missing ]");
      if (c === "]" && !first) {
        this.pos++;
        break;
      }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
      if (posix) {
        const test = POSIX[posix[2] ?? ""];
        if (!test) this.fail(`unknown class [:${posix[2]}:]`);
        this.pos += posix[0].length;
        tests.push(posix[1] ? (x) => !test(x) : test);
        continue;
      }
      const low = this.classChar();
      if (typeof low !== "number") {
        tests.push(low);
        continue;
      }
      if (this.peek() === "-" && this.src[this.pos + 1] !== "]" && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        const high = this.classChar();
        if (typeof high !== "number" || high < low) this.fail("bad character class range");
        tests.push((x) => x >= low && x <= high);
      } else tests.push((x) => x === low);
    }
    const any: CharTest = (x) => tests.some((t) => t(x));
    return negate ? (x) => !any(x) : any;
  }

  /** One class member: a code point, or a test for `\d`-style escapes. */
  private classChar(): number | CharTest {
    if (this.peek() === "\\") {
      this.pos++;
      const before = this.pos;
      const escaped = this.parseEscape(true);
      if (typeof escaped === "string") this.fail("assertion in character class");
      // Single-character escapes stand for that code point (so they can bound a range).
      const literal = this.src.slice(before, this.pos);
      if (/^[^A-Za-z0-9]$/.test(literal)) return literal.codePointAt(0) ?? 0;
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };
      if (literal in simple) return simple[literal] ?? 0;
      if (literal.startsWith("x")) return Number.parseInt(literal.replace(/[x{}]/g, ""), 16);
      return escaped;
    }
    const code = this.src.codePointAt(this.pos) ?? 0;
    this.pos += code > 0xffff ? 2 : 1;
    return code;
  }
}

function compile(node: Node, prog: Inst[]): void {
  if (prog.length > MAX_PROGRAM) throw new RegexSyntaxError("regular expression too large");
  switch (node.kind) {
    case "char":
      prog.push({ op: "char", test: node.test });
      return;
    case "assert":
      prog.push({ op: "assert", what: node.what });
      return;
    case "empty":
      return;
    case "concat":
      for (const item of node.items) compile(item, prog);
      return;
    case "alt": {
      const jumps: Inst[] = [];
      node.items.forEach((item, i) => {
        if (i < node.items.length - 1) {
          const split: Inst = { op: "split", x: prog.length + 1, y: 0 };
          prog.push(split);
          compile(item, prog);
          const jmp: Inst = { op: "jmp", x: 0 };
          prog.push(jmp);
          jumps.push(jmp);
          split.y = prog.length;
        } else compile(item, prog);
      });
      for (const jmp of jumps) if (jmp.op === "jmp") jmp.x = prog.length;
      return;
    }
    case "repeat": {
      for (let i = 0; i < node.min; i++) compile(node.item, prog);
      if (node.max === -1) {
        // x*: L1: split L2, L3; L2: x; jmp L1; L3:
        const split: Inst = { op: "split", x: prog.length + 1, y: 0 };
        const start = prog.length;
        prog.push(split);
        compile(node.item, prog);
        prog.push({ op: "jmp", x: start });
        split.y = prog.length;
        return;
      }
      const splits: Inst[] = [];
      for (let i = node.min; i < node.max; i++) {
        const split: Inst = { op: "split", x: prog.length + 1, y: 0 };
        prog.push(split);
        splits.push(split);
        compile(node.item, prog);
      }
      for (const split of splits) if (split.op === "split") split.y = prog.length;
    }
  }
}

/** A compiled pattern; `test` runs in O(pattern size × input length). */
export class LinearRegex {
  readonly source: string;
  private readonly prog: Inst[];

  constructor(source: string) {
    if (source.length > MAX_PATTERN_LENGTH) {
      throw new RegexSyntaxError(`regular expression longer than ${MAX_PATTERN_LENGTH} characters`);
    }
    this.source = source;
    const prog: Inst[] = [];
    compile(new Parser(source).parse(), prog);
    prog.push({ op: "match" });
    if (prog.length > MAX_PROGRAM) throw new RegexSyntaxError("regular expression too large");
    this.prog = prog;
  }

  /** True when the pattern matches somewhere in `input`. */
  test(input: string): boolean {
    const chars = Array.from(input, (ch) => ch.codePointAt(0) ?? 0);
    const n = this.prog.length;
    let current: number[] = [];
    let next: number[] = [];
    const mark = new Int32Array(n).fill(-1);
    let generation = 0;
    const add = (list: number[], pc: number, at: number): boolean => {
      const stack = [pc];
      while (stack.length > 0) {
        const i = stack.pop() as number;
        if (mark[i] === generation) continue;
        mark[i] = generation;
        const inst = this.prog[i] as Inst;
        switch (inst.op) {
          case "jmp":
            stack.push(inst.x);
            break;
          case "split":
            stack.push(inst.y, inst.x);
            break;
          case "assert":
            if (holds(inst.what, chars, at)) stack.push(i + 1);
            break;
          case "match":
            return true;
          default:
            list.push(i);
        }
      }
      return false;
    };
    generation = 1;
    for (let at = 0; ; at++) {
      // Unanchored search: a new thread starts at every position (deduplicated against the threads
      // carried here from the previous position, which were added under the same generation).
      if (add(current, 0, at)) return true;
      if (at === chars.length) break;
      const c = chars[at] as number;
      generation++;
      next = [];
      for (const pc of current) {
        const inst = this.prog[pc] as Inst;
        if (inst.op === "char" && inst.test(c) && add(next, pc + 1, at + 1)) return true;
      }
      [current, next] = [next, current];
    }
    return false;
  }
}

function holds(what: Assertion, chars: readonly number[], at: number): boolean {
  const before = at > 0 ? chars[at - 1] : undefined;
  const after = chars[at];
  switch (what) {
    case "bot":
      return at === 0;
    case "eot":
      return at === chars.length;
    case "bol":
      return at === 0 || before === 10;
    case "eol":
      return at === chars.length || after === 10;
    case "word":
    case "notword": {
      const boundary =
        (before !== undefined && isWordChar(before)) !== (after !== undefined && isWordChar(after));
      return what === "word" ? boundary : !boundary;
    }
  }
}
