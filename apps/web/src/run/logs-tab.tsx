/**
 * The Logs tab: the run's console output (output.log) in a virtualized list of our own — only the
 * rows in view are in the DOM — with ANSI colours (ansi.ts; rendered as text, never markup), search
 * with next/previous, and, while the run is running, new lines by polling, scrolled to while the
 * reader stays at the bottom.
 */
import {
  type CSSProperties,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { messageOf } from "../api/client.ts";
import { getRunLogs, type LogLine } from "../api/runs.ts";
import { ErrorNote } from "../components/form.tsx";
import { atBottom, visibleRange } from "../components/virtual-range.ts";
import { plural } from "../format.ts";
import {
  type AnsiColor,
  type AnsiStyle,
  lineStartStyles,
  parseAnsi,
  splitConsoleLine,
  stripAnsi,
} from "./ansi.ts";
import { mergeLines } from "./log-lines.ts";
import {
  findMatches,
  type LogMatch,
  MAX_MATCHES,
  type MarkedSegment,
  markSegments,
  stepMatch,
} from "./log-search.ts";
import type { RunTabContext } from "./tabs.tsx";
import { usePoll } from "./use-poll.ts";

const ROW_HEIGHT = 20;
const PAGE = 5000;
/** Lines kept in the browser; a longer log shows its first lines and says so. */
const MAX_LINES = 200_000;
const POLL_MS = 2000;

export function LogsTab({ entity, project, name, running }: RunTabContext) {
  const [lines, setLines] = useState<readonly LogLine[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const linesRef = useRef(lines);
  linesRef.current = lines;

  /** Reads pages after `after` until the server has no more (or the browser holds enough). */
  const readFrom = useCallback(
    async (after: number | null) => {
      let cursor = after;
      for (;;) {
        const page = await getRunLogs(entity, project, name, cursor, PAGE);
        setLines((current) => mergeLines(current, page.lines));
        cursor = page.next ?? cursor;
        if (!page.more || linesRef.current.length + page.lines.length >= MAX_LINES) return;
      }
    },
    [entity, project, name],
  );

  useEffect(() => {
    let live = true;
    setLoading(true);
    readFrom(null).then(
      () => live && setLoading(false),
      (failure: unknown) => {
        if (!live) return;
        setError(messageOf(failure));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [readFrom]);

  // Follow: re-read from the last line held (a progress bar may have rewritten it).
  const follow = useCallback(async () => {
    if (linesRef.current.length >= MAX_LINES) return;
    const last = linesRef.current.at(-1)?.line;
    await readFrom(last === undefined ? null : last - 1);
  }, [readFrom]);
  usePoll(follow, POLL_MS, running && !loading);
  // One last read when the run stops, for the lines it printed at the end.
  const wasRunning = useRef(running);
  useEffect(() => {
    if (wasRunning.current && !running) void follow().catch(() => undefined);
    wasRunning.current = running;
  }, [running, follow]);

  return (
    <div className="run-logs">
      <ErrorNote message={error} />
      <LogView lines={lines} startAtBottom={running} />
      <p className="muted log-status" data-testid="log-status">
        {loading ? "Loading the console output… " : null}
        {plural(lines.length, "line")}
        {lines.length >= MAX_LINES ? " (the first lines only: download output.log from Files for all)" : null}
        {running ? " · following the live run" : null}
      </p>
    </div>
  );
}

function LogView({ lines, startAtBottom }: { lines: readonly LogLine[]; startAtBottom: boolean }) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const stick = useRef(startAtBottom);
  const [query, setQuery] = useState("");
  const [current, setCurrent] = useState(-1);

  const parsed = useMemo(() => lines.map((l) => splitConsoleLine(l.text)), [lines]);
  const texts = useMemo(() => parsed.map((p) => stripAnsi(p.text)), [parsed]);
  const startStyles = useMemo(() => lineStartStyles(parsed), [parsed]);
  const matches = useMemo(() => findMatches(texts, query), [texts, query]);
  const byLine = useMemo(() => {
    const map = new Map<number, { match: LogMatch; k: number }[]>();
    matches.forEach((match, k) => {
      const list = map.get(match.index) ?? [];
      list.push({ match, k });
      map.set(match.index, list);
    });
    return map;
  }, [matches]);

  useLayoutEffect(() => {
    const element = viewport.current;
    if (element === null) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  // Keep the newest line in view while the reader is at the bottom.
  useLayoutEffect(() => {
    const element = viewport.current;
    if (element !== null && stick.current && lines.length > 0) {
      element.scrollTop = element.scrollHeight;
      setScrollTop(element.scrollTop);
    }
  }, [lines]);

  const goTo = (k: number) => {
    setCurrent(k);
    const match = matches[k];
    const element = viewport.current;
    if (match === undefined || element === null) return;
    const top = match.index * ROW_HEIGHT;
    if (top < element.scrollTop || top + ROW_HEIGHT > element.scrollTop + element.clientHeight) {
      element.scrollTop = Math.max(0, top - element.clientHeight / 2);
      setScrollTop(element.scrollTop);
    }
    stick.current = false;
  };

  const onQuery = (text: string) => {
    setQuery(text);
    setCurrent(-1);
  };

  const { start, end } = visibleRange(scrollTop, height, ROW_HEIGHT, lines.length);
  const gutter = `${String(lines.at(-1)?.line ?? 0).length + 1}ch`;

  return (
    <>
      <form
        className="log-search"
        aria-label="Search the logs"
        onSubmit={(event) => {
          event.preventDefault();
          goTo(stepMatch(matches.length, current, 1));
        }}
      >
        <input
          type="search"
          aria-label="Search the logs"
          placeholder="Search the logs"
          value={query}
          onChange={(event) => onQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && event.shiftKey) {
              event.preventDefault();
              goTo(stepMatch(matches.length, current, -1));
            }
          }}
        />
        <button
          type="button"
          aria-label="Previous match"
          disabled={matches.length === 0}
          onClick={() => goTo(stepMatch(matches.length, current, -1))}
        >
          ↑
        </button>
        <button type="submit" aria-label="Next match" disabled={matches.length === 0}>
          ↓
        </button>
        <span className="muted" data-testid="match-count" aria-live="polite">
          {query === ""
            ? ""
            : matches.length === 0
              ? "No matches"
              : `${current < 0 ? "–" : (current + 1).toLocaleString("en")} of ${matches.length.toLocaleString("en")}${matches.length >= MAX_MATCHES ? "+" : ""}`}
        </span>
      </form>
      <div
        ref={viewport}
        className="log-viewport"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it
        tabIndex={0}
        role="log"
        aria-label="Console output"
        onScroll={(event) => {
          const element = event.currentTarget;
          setScrollTop(element.scrollTop);
          stick.current = atBottom(element.scrollTop, element.clientHeight, element.scrollHeight);
        }}
      >
        <div className="log-content" style={{ height: lines.length * ROW_HEIGHT }}>
          {lines.slice(start, end).map((line, i) => {
            const index = start + i;
            const info = parsed[index];
            if (info === undefined) return null;
            const marks = byLine.get(index) ?? [];
            const currentOnLine = marks.findIndex((m) => m.k === current);
            const segments = markSegments(
              parseAnsi(info.text, startStyles[index]).segments,
              marks.map((m) => m.match),
              currentOnLine,
            );
            // Segments have no identity but their place: key them by where they start in the line.
            const offsets: number[] = [];
            let offset = 0;
            for (const segment of segments) {
              offsets.push(offset);
              offset += segment.text.length;
            }
            return (
              <div
                key={line.line}
                className={info.stderr ? "log-row stderr" : "log-row"}
                style={{ top: index * ROW_HEIGHT }}
                data-testid="log-line"
                data-line={line.line}
                title={info.time ?? undefined}
              >
                <span className="log-number" style={{ width: gutter }} aria-hidden="true">
                  {line.line + 1}
                </span>
                <span className="log-text">
                  {segments.map((segment, s) => (
                    <Segment key={offsets[s]} segment={segment} />
                  ))}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}

function Segment({ segment }: { segment: MarkedSegment }) {
  const props = styleProps(segment.style);
  const content =
    segment.mark === 0 ? (
      segment.text
    ) : (
      <mark className={segment.mark === 2 ? "log-match current" : "log-match"}>{segment.text}</mark>
    );
  if (props === null) return <span>{content}</span>;
  return (
    <span className={props.className} style={props.style}>
      {content}
    </span>
  );
}

/** Palette colours become classes (run.css picks readable shades); others inline CSS colours. */
function styleProps(style: AnsiStyle): { className: string; style: CSSProperties } | null {
  // Inverse video swaps the colours; "default" is the log's own background or text colour.
  const fg = style.inverse ? (style.bg ?? "default") : style.fg;
  const bg = style.inverse ? (style.fg ?? "default") : style.bg;
  const classes: string[] = [];
  const css: CSSProperties = {};
  const color = (value: AnsiColor | undefined, kind: "fg" | "bg") => {
    if (value === undefined) return;
    if (value === "default") classes.push(`ansi-${kind}-default`);
    else if (typeof value === "number") classes.push(`ansi-${kind}-${value}`);
    else if (kind === "fg") css.color = value;
    else css.backgroundColor = value;
  };
  color(fg, "fg");
  color(bg, "bg");
  if (style.bold) classes.push("ansi-bold");
  if (style.dim) classes.push("ansi-dim");
  if (style.italic) classes.push("ansi-italic");
  if (style.underline) classes.push("ansi-underline");
  if (style.strike) classes.push("ansi-strike");
  if (classes.length === 0 && css.color === undefined && css.backgroundColor === undefined) return null;
  return { className: classes.join(" "), style: css };
}
