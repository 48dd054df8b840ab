import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LinearRegex, RegexSyntaxError } from "./linear-regex.ts";

const matches = (pattern: string, input: string) => new LinearRegex(pattern).test(input);

describe("LinearRegex (RE2 syntax, linear time)", () => {
  it("agrees with JavaScript's RegExp on ordinary patterns", () => {
    const cases: [string, string[]][] = [
      ["b.*", ["abc", "b", "", "a", "xb\n"]],
      ["^foo", ["foo", "afoo", "fo", "foobar"]],
      ["bar$", ["bar", "barx", "foobar"]],
      ["^a|b$", ["ax", "xb", "xax", "bx"]],
      ["colou?r", ["color", "colour", "colouur"]],
      ["a{2,3}", ["a", "aa", "xaaay"]],
      ["^a{2}$", ["aa", "aaa"]],
      ["^a{2,}$", ["a", "aa", "aaaaa"]],
      ["[a-c]+x", ["bx", "dx", "abcabcx"]],
      ["[^0-9]", ["123", "12a"]],
      ["\\d+\\.\\d+", ["lr 0.01", "1.", ".5"]],
      ["\\bcat\\b", ["a cat!", "concat", "cat"]],
      ["(?i)ADAM", ["adam", "AdAm", "sgd"]],
      ["^(foo|bar)-\\w+$", ["foo-1", "bar-x_y", "baz-1", "foo-"]],
      ["a.c", ["abc", "a\nc"]],
      ["(?s)a.c", ["a\nc"]],
      ["x*", ["", "y"]],
      ["[.]", ["a", "."]],
      ["\\x41", ["A", "B"]],
      ["é+", ["café", "cafe"]],
    ];
    for (const [pattern, inputs] of cases) {
      const reference = new RegExp(
        pattern.replace(/^\(\?i\)/, "").replace(/^\(\?s\)/, ""),
        pattern.startsWith("(?i)") ? "iu" : pattern.startsWith("(?s)") ? "su" : "u",
      );
      for (const input of inputs) {
        assert.equal(
          matches(pattern, input),
          reference.test(input),
          `${pattern} on ${JSON.stringify(input)}`,
        );
      }
    }
  });

  it("reads a `{` that starts no repetition as a literal, as RE2 does", () => {
    assert.equal(matches("a{,2}", "a{,2}"), true);
    assert.equal(matches("a{,2}", "aa"), false);
  });

  it("knows POSIX class names", () => {
    assert.equal(matches("[[:digit:]]x", "1x"), true);
    assert.equal(matches("[[:digit:]]x", "ax"), false);
    assert.equal(matches("[[:^alpha:]]", "abc"), false);
  });

  it("multi-line flag makes ^ and $ match at line breaks", () => {
    assert.equal(matches("(?m)^b$", "a\nb\nc"), true);
    assert.equal(matches("^b$", "a\nb\nc"), false);
  });

  it("matches patterns that make a backtracking engine take exponential time, quickly", () => {
    const input = `${"a".repeat(5000)}!`;
    const started = performance.now();
    assert.equal(matches("(a+)+$", input), false);
    assert.equal(matches("(a|aa)*b", input), false);
    assert.equal(matches("(a*)*c", input), false);
    assert.equal(matches("^(\\w+\\s?)*$", input), false);
    assert.ok(performance.now() - started < 2000, "took too long");
  });

  it("refuses what RE2 refuses, and malformed patterns", () => {
    for (const bad of [
      "(a",
      "a)",
      "[a-",
      "*a",
      "a**",
      "(?=a)",
      "(?!a)",
      "(?<=a)",
      "(a)\\1",
      "\\",
      "a{3,2}",
      "a{1001}",
      "[z-a]",
      "\\pL",
      "(?x)a",
    ]) {
      assert.throws(() => new LinearRegex(bad), RegexSyntaxError, bad);
    }
  });

  it("bounds the size of a compiled pattern", () => {
    assert.throws(() => new LinearRegex("((a{1000}){1000}){1000}"), RegexSyntaxError);
    assert.throws(() => new LinearRegex("a".repeat(5000)), RegexSyntaxError);
  });
});
