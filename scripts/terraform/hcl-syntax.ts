/**
 * HCL's expression syntax, as far as the Terraform checks need it: a lexer for the `${…}` and
 * `%{…}` parts of hcl2json's template strings, the references they make (scanReferences, whose
 * limits scripts/terraform/hcl.ts lists), and a whitespace-insensitive view of a file for comparing
 * an example with the W&B docs' snippet it copies (comparableLines).
 */
import type { Reference } from "./hcl.ts";

/** The expression of a template that is nothing but one `${…}`, trimmed; undefined otherwise. */
export function soleInterpolation(template: string): string | undefined {
  if (!template.startsWith("${")) return undefined;
  const { end } = lex(template, 2, true);
  return end === template.length - 1 ? template.slice(2, end).trim() : undefined;
}

// ---- lexing ---------------------------------------------------------------------------------

export interface Token {
  readonly kind: "ident" | "number" | "string" | "heredoc" | "comment" | "punct";
  /** The source text; for strings the text between the quotes, for heredocs their body. */
  readonly text: string;
  /** Line (from 0) of the token's start in the lexed text. */
  readonly line: number;
  /** The token exactly as written (strings with their quotes, heredocs with their markers). */
  readonly raw: string;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEREDOC = /<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/y;

function sticky(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/**
 * HCL tokens of TEXT from START: identifiers, numbers, quoted strings and heredocs (each one token,
 * templates inside them included), comments and single punctuation characters. With UNTIL_BRACE,
 * stops at the `}` closing a `${`/`%{` that began just before START, and `end` is its index.
 */
export function lex(text: string, start = 0, untilBrace = false): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let depth = 0;
  let line = 0;
  for (let k = 0; k < start; k += 1) if (text[k] === "\n") line += 1;
  let i = start;
  const push = (kind: Token["kind"], from: number, to: number, inner = text.slice(from, to)) => {
    const raw = text.slice(from, to);
    tokens.push({ kind, text: inner, line, raw });
    for (const c of raw) if (c === "\n") line += 1;
    i = to;
  };
  while (i < text.length) {
    const c = text[i] ?? "";
    if (c === "\n") {
      line += 1;
      i += 1;
    } else if (/\s/.test(c)) {
      i += 1;
    } else if (c === "#" || text.startsWith("//", i)) {
      const stop = text.indexOf("\n", i);
      push("comment", i, stop < 0 ? text.length : stop);
    } else if (text.startsWith("/*", i)) {
      const stop = text.indexOf("*/", i + 2);
      push("comment", i, stop < 0 ? text.length : stop + 2);
    } else if (c === '"') {
      const close = closingQuote(text, i + 1);
      push("string", i, Math.min(close + 1, text.length), text.slice(i + 1, close));
    } else if (sticky(HEREDOC, text, i)) {
      const marker = sticky(HEREDOC, text, i)?.[2] ?? "";
      const bodyStart = HEREDOC.lastIndex;
      let at = bodyStart;
      let bodyEnd = text.length;
      let stop = text.length;
      while (at < text.length) {
        const eol = text.indexOf("\n", at);
        const lineEnd = eol < 0 ? text.length : eol;
        if (text.slice(at, lineEnd).trim() === marker) {
          bodyEnd = at;
          stop = lineEnd;
          break;
        }
        at = lineEnd + 1;
      }
      push("heredoc", i, stop, text.slice(bodyStart, bodyEnd));
    } else if (sticky(IDENT, text, i)) {
      push("ident", i, IDENT.lastIndex);
    } else if (sticky(NUMBER, text, i)) {
      push("number", i, NUMBER.lastIndex);
    } else {
      if (untilBrace && c === "}") {
        if (depth === 0) return { tokens, end: i };
        depth -= 1;
      } else if (untilBrace && c === "{") {
        depth += 1;
      }
      push("punct", i, i + 1);
    }
  }
  return { tokens, end: text.length };
}

/** The index of the `"` closing a quoted template whose text starts at FROM (past nested `${…}`). */
function closingQuote(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === '"' || c === "\n") return i;
    else if (text.startsWith("$${", i) || text.startsWith("%%{", i)) i += 3;
    else if (text.startsWith("${", i) || text.startsWith("%{", i)) i = lex(text, i + 2, true).end + 1;
    else i += 1;
  }
  return text.length;
}

/** The tokens of each `${…}` and `%{…}` in a template (literal text and `$${` escapes skipped). */
export function templateExpressions(template: string): Token[][] {
  const parts: Token[][] = [];
  let i = 0;
  while (i < template.length) {
    if (template.startsWith("$${", i) || template.startsWith("%%{", i)) i += 3;
    else if (template.startsWith("${", i) || template.startsWith("%{", i)) {
      const { tokens, end } = lex(template, i + 2, true);
      parts.push(tokens);
      i = end + 1;
    } else i += 1;
  }
  return parts;
}

// Roots of traversals that are not references to something a module declares.
const NOT_RESOURCES = new Set([
  "each",
  "count",
  "path",
  "self",
  "terraform",
  "var",
  "local",
  "module",
  "data",
]);

/** The references in a template string from hcl2json (see the limits in the comment at the top). */
export function scanReferences(template: string): Omit<Reference, "file" | "from">[] {
  const out: Omit<Reference, "file" | "from">[] = [];
  for (const tokens of templateExpressions(template)) referencesIn(tokens, out);
  return out;
}

function referencesIn(tokens: readonly Token[], out: Omit<Reference, "file" | "from">[]): void {
  for (const [k, token] of tokens.entries()) {
    if (token.kind === "string" || token.kind === "heredoc") {
      for (const part of templateExpressions(token.text)) referencesIn(part, out);
      continue;
    }
    // A traversal starts at an identifier not preceded by `.` (then it is an attribute).
    if (token.kind !== "ident" || tokens[k - 1]?.raw === ".") continue;
    const chain = [token.text];
    let j = k + 1;
    while (tokens[j]?.raw === "." && tokens[j + 1]?.kind === "ident") {
      chain.push(tokens[j + 1]?.text ?? "");
      j += 2;
    }
    const [root, first, second] = chain;
    if (first === undefined) continue;
    if (root === "var" || root === "local") out.push({ kind: root, name: first });
    else if (root === "module") {
      // module.m.out, or through an instance key: module.m["k"].out, module.m[0].out, module.m[*].out
      let output = second;
      if (output === undefined && tokens[j]?.raw === "[") {
        const close = closingBracket(tokens, j);
        if (tokens[close + 1]?.raw === "." && tokens[close + 2]?.kind === "ident")
          output = tokens[close + 2]?.text;
      }
      out.push(
        output === undefined ? { kind: "module", name: first } : { kind: "module", name: first, output },
      );
    } else if (root === "data") {
      if (second !== undefined) out.push({ kind: "data", name: `${first}.${second}` });
    } else if (root !== undefined && !NOT_RESOURCES.has(root)) {
      out.push({ kind: "resource", name: `${root}.${first}` });
    }
  }
}

function closingBracket(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i += 1) {
    const raw = tokens[i]?.raw;
    if (raw === "[") depth += 1;
    else if (raw === "]") {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return tokens.length;
}

// ---- comparing an example with the snippet it copies -----------------------------------------

/**
 * TEXT's tokens line by line, insensitive to whitespace (so `tofu fmt`'s alignment and indentation
 * do not count) and with an interpolation-only string `"${x}"` written as `x` (which `tofu fmt`
 * also rewrites). In each module block, the value of `source` becomes "<source>" and a `version`
 * argument is dropped: an example calls this repository's module by path where the W&B docs call
 * the registry's, and Terraform refuses a version with a local source. Blank lines do not count.
 */
export function comparableLines(text: string): string[] {
  const { tokens } = lex(text);
  const lines = new Map<number, string[]>();
  const emit = (line: number, shown: string) => lines.set(line, [...(lines.get(line) ?? []), shown]);
  let depth = 0;
  let inModule = false;
  for (let k = 0; k < tokens.length; k += 1) {
    const token = tokens[k];
    if (token === undefined) break;
    const startsLine = tokens[k - 1] === undefined || (tokens[k - 1]?.line ?? -1) < token.line;
    if (token.raw === "{") {
      if (depth === 0) inModule = tokens[k - 2]?.raw === "module" && tokens[k - 1]?.kind === "string";
      depth += 1;
    } else if (token.raw === "}") {
      depth -= 1;
      if (depth === 0) inModule = false;
    } else if (
      inModule &&
      depth === 1 &&
      startsLine &&
      token.kind === "ident" &&
      tokens[k + 1]?.raw === "="
    ) {
      if (token.text === "version") {
        k += 2;
        continue;
      }
      if (token.text === "source") {
        emit(token.line, 'source = "<source>"');
        k += 2;
        continue;
      }
    }
    const inner = token.kind === "string" ? soleInterpolation(token.text) : undefined;
    emit(token.line, inner === undefined ? token.raw.trim() : joined(lex(inner).tokens.map((t) => t.raw)));
  }
  return [...lines.entries()].sort(([a], [b]) => a - b).map(([, shown]) => joined(shown));
}

/** Tokens as text, spaced except around `.` and inside brackets (`var.x`, `f(a, b)`), for readable diffs. */
function joined(parts: readonly string[]): string {
  let out = "";
  for (const [i, part] of parts.entries()) {
    const previous = parts[i - 1];
    const tight =
      previous === undefined ||
      previous === "." ||
      previous === "(" ||
      previous === "[" ||
      /^[.,)\]]$/.test(part);
    out += tight ? part : ` ${part}`;
  }
  return out;
}
