import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { color256, lineStartStyles, parseAnsi, splitConsoleLine, stripAnsi } from "./ansi.ts";

const plain = (input: string) => parseAnsi(input).segments.map((s) => [s.text, s.style]);

describe("parseAnsi", () => {
  test("plain text is one unstyled segment", () => {
    assert.deepEqual(plain("hello"), [["hello", {}]]);
    assert.deepEqual(plain(""), []);
  });

  test("a red span and its reset", () => {
    assert.deepEqual(plain("\x1b[31mred line\x1b[0m and plain"), [
      ["red line", { fg: 1 }],
      [" and plain", {}],
    ]);
  });

  test("combined codes, bright colours, backgrounds and partial resets", () => {
    assert.deepEqual(plain("\x1b[1;32mbold green\x1b[22m green\x1b[39;44m on blue\x1b[m."), [
      ["bold green", { bold: true, fg: 2 }],
      [" green", { fg: 2 }],
      [" on blue", { bg: 4 }],
      [".", {}],
    ]);
    assert.deepEqual(plain("\x1b[91ma\x1b[103mb"), [
      ["a", { fg: 9 }],
      ["b", { fg: 9, bg: 11 }],
    ]);
  });

  test("256-colour and 24-bit colours become CSS colours", () => {
    assert.deepEqual(plain("\x1b[38;5;196mx\x1b[48;2;10;20;30my"), [
      ["x", { fg: "rgb(255, 0, 0)" }],
      ["y", { fg: "rgb(255, 0, 0)", bg: "rgb(10, 20, 30)" }],
    ]);
    assert.deepEqual(plain("\x1b[38;5;3mx"), [["x", { fg: 3 }]]);
    assert.equal(color256(232), "rgb(8, 8, 8)");
    assert.equal(color256(16), "rgb(0, 0, 0)");
    // Out-of-range values are ignored, and the codes after them still apply.
    assert.deepEqual(plain("\x1b[38;5;999;1mz"), [["z", { bold: true }]]);
  });

  test("other escape sequences and control characters are dropped, not shown", () => {
    assert.deepEqual(plain("a\x1b[2Kb\x1b[1Ac\x1b]0;title\x07d\x1b]8;;http://x\x1b\\e\x1b(Bf\x07g\x08"), [
      ["abcdefg", {}],
    ]);
    assert.equal(stripAnsi("\x1b[31mred\x1b[0m\tok"), "red\tok");
  });

  test("a style carries over to the next line", () => {
    const first = parseAnsi("\x1b[33mstart");
    const second = parseAnsi("continued\x1b[0m", first.style);
    assert.deepEqual(
      second.segments.map((s) => [s.text, s.style]),
      [["continued", { fg: 3 }]],
    );
    assert.deepEqual(second.style, {});
  });

  test("markup stays text", () => {
    const text = '<img src=x onerror="window.__xss=1">';
    assert.deepEqual(plain(text), [[text, {}]]);
  });
});

describe("splitConsoleLine", () => {
  test("the client's time prefix and the stderr marker", () => {
    assert.deepEqual(splitConsoleLine("2026-11-22T07:23:15.406726 \x1b[31mred\x1b[0m"), {
      stderr: false,
      time: "2026-11-22T07:23:15.406726",
      text: "\x1b[31mred\x1b[0m",
    });
    assert.deepEqual(splitConsoleLine("ERROR 2026-11-22T07:23:15.408631 to stderr: warning"), {
      stderr: true,
      time: "2026-11-22T07:23:15.408631",
      text: "to stderr: warning",
    });
  });

  test("a line without the prefix is kept whole", () => {
    assert.deepEqual(splitConsoleLine("ERROR something"), {
      stderr: false,
      time: null,
      text: "ERROR something",
    });
  });
});

describe("lineStartStyles", () => {
  test("a colour left set carries to the next line of the same stream only, until reset", () => {
    const styles = lineStartStyles([
      { stderr: false, text: "\u001b[32mgreen block starts" },
      { stderr: true, text: "an error in between" },
      { stderr: false, text: "still green\u001b[0m" },
      { stderr: false, text: "plain again" },
    ]);
    assert.deepEqual(styles[0], {});
    assert.deepEqual(styles[1], {}, "stderr keeps its own state");
    assert.equal(styles[2]?.fg, 2);
    assert.deepEqual(styles[3], {});
  });
});
