/**
 * A small ANSI escape parser for console lines: SGR (`ESC [ … m`) styles become segments of plain
 * text with a style; every other escape sequence (cursor movement, erase, OSC titles and links) is
 * dropped. The output is data for React to render as text — never markup.
 *
 * Colours: the 16 standard ones stay palette indices (the stylesheet picks shades that read on the
 * page's background); 256-colour and 24-bit ones become CSS colour strings.
 */

/** A palette index 0–15 (black, red, green, yellow, blue, magenta, cyan, white, then bright ones) or a CSS colour. */
export type AnsiColor = number | string;

export interface AnsiStyle {
  readonly fg?: AnsiColor;
  readonly bg?: AnsiColor;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly italic?: boolean;
  readonly underline?: boolean;
  readonly inverse?: boolean;
  readonly strike?: boolean;
}

export interface AnsiSegment {
  readonly text: string;
  readonly style: AnsiStyle;
}

type MutableStyle = { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] };

// CSI: ESC [ params intermediates final; OSC: ESC ] … (BEL | ESC \); other escapes: ESC,
// intermediates (charset designations such as ESC ( B), one final byte.
const ESCAPE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are what this matches
  /\x1b(?:\[([0-?]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~])|\x9b([0-?]*)[ -/]*([@-~])/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stray control characters are dropped
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** Splits `input` into styled runs of text, starting from `initial` (a style carried over from earlier lines). */
export function parseAnsi(
  input: string,
  initial: AnsiStyle = {},
): { segments: AnsiSegment[]; style: AnsiStyle } {
  const segments: AnsiSegment[] = [];
  let style: AnsiStyle = initial;
  let last = 0;
  const push = (text: string) => {
    const clean = text.replace(CONTROL, "");
    if (clean === "") return;
    const previous = segments.at(-1);
    if (previous !== undefined && previous.style === style) {
      segments[segments.length - 1] = { text: previous.text + clean, style };
    } else segments.push({ text: clean, style });
  };
  for (const match of input.matchAll(ESCAPE)) {
    push(input.slice(last, match.index));
    last = match.index + match[0].length;
    const params = match[1] ?? match[3];
    const final = match[2] ?? match[4];
    if (final === "m" && params !== undefined) style = applySgr(style, params);
  }
  push(input.slice(last));
  return { segments, style };
}

/** The text without any escape sequence (what search and copy see). */
export function stripAnsi(input: string): string {
  return input.replace(ESCAPE, "").replace(CONTROL, "");
}

function applySgr(current: AnsiStyle, params: string): AnsiStyle {
  // `ESC[m` is a reset; `:` separates sub-parameters (38:2::r:g:b), treated like `;` here.
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  const style: MutableStyle = { ...current };
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? 0;
    if (code === 0) {
      for (const key of Object.keys(style) as (keyof MutableStyle)[]) delete style[key];
    } else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = true;
    else if (code === 7) style.inverse = true;
    else if (code === 9) style.strike = true;
    else if (code === 22) {
      delete style.bold;
      delete style.dim;
    } else if (code === 23) delete style.italic;
    else if (code === 24) delete style.underline;
    else if (code === 27) delete style.inverse;
    else if (code === 29) delete style.strike;
    else if (code >= 30 && code <= 37) style.fg = code - 30;
    else if (code === 39) delete style.fg;
    else if (code >= 40 && code <= 47) style.bg = code - 40;
    else if (code === 49) delete style.bg;
    else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      const { color, used } = extendedColor(codes, i + 1);
      i += used;
      if (color !== undefined) {
        if (code === 38) style.fg = color;
        else style.bg = color;
      }
    }
  }
  return style;
}

/** `5;n` (256 colours) or `2;r;g;b` (24-bit) after a 38/48; how many codes it took. */
function extendedColor(codes: readonly number[], at: number): { color: AnsiColor | undefined; used: number } {
  const kind = codes[at];
  if (kind === 5) {
    const n = codes[at + 1];
    if (n === undefined || n < 0 || n > 255) return { color: undefined, used: 2 };
    return { color: color256(n), used: 2 };
  }
  if (kind === 2) {
    const [r, g, b] = [codes[at + 1], codes[at + 2], codes[at + 3]];
    if (r === undefined || g === undefined || b === undefined || [r, g, b].some((c) => c < 0 || c > 255))
      return { color: undefined, used: 4 };
    return { color: `rgb(${r}, ${g}, ${b})`, used: 4 };
  }
  return { color: undefined, used: 0 };
}

/** xterm's 256-colour table: 0–15 the palette, then a 6×6×6 cube, then 24 greys. */
export function color256(n: number): AnsiColor {
  if (n < 16) return n;
  if (n < 232) {
    const i = n - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return `rgb(${level(Math.floor(i / 36))}, ${level(Math.floor(i / 6) % 6)}, ${level(i % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey}, ${grey}, ${grey})`;
}

/**
 * The client's console line: `[ERROR ]<ISO time> <text>` — wandb-core prefixes each captured line
 * with its time, and lines from stderr with `ERROR ` (see the stored run_logs of any run).
 */
export function splitConsoleLine(line: string): { stderr: boolean; time: string | null; text: string } {
  const match = /^(ERROR )?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) /.exec(line);
  if (!match) return { stderr: false, time: null, text: line };
  return { stderr: match[1] !== undefined, time: match[2] ?? null, text: line.slice(match[0].length) };
}

/**
 * The style each line starts in: a colour a program leaves set at the end of a line (a coloured
 * block of several lines) carries into the next line of the same stream, as in a terminal. stdout
 * and stderr are separate streams, each with its own state.
 */
export function lineStartStyles(
  lines: readonly { readonly stderr: boolean; readonly text: string }[],
): AnsiStyle[] {
  const carried = { out: {} as AnsiStyle, err: {} as AnsiStyle };
  return lines.map((line) => {
    const stream = line.stderr ? "err" : "out";
    const start = carried[stream];
    carried[stream] = parseAnsi(line.text, start).style;
    return start;
  });
}
