import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type JsonValue, parseLenientJson, stringifyLenientJson } from "./lenient-json.ts";

/** Walks `value` by keys/indices; fails the test if a step is missing. */
function at(value: JsonValue, ...path: (string | number)[]): JsonValue {
  let current: JsonValue = value;
  for (const step of path) {
    if (typeof step === "number") {
      assert.ok(Array.isArray(current), `expected an array before index ${step}`);
      const next = current[step];
      assert.ok(next !== undefined, `index ${step} missing`);
      current = next;
    } else {
      assert.ok(
        current !== null && typeof current === "object" && !Array.isArray(current),
        `expected an object before key ${step}`,
      );
      assert.ok(Object.hasOwn(current, step), `key ${step} missing`);
      const next = current[step];
      assert.ok(next !== undefined);
      current = next;
    }
  }
  return current;
}

describe("parseLenientJson: non-finite tokens", () => {
  it("reads bare NaN, Infinity and -Infinity at the top level", () => {
    assert.ok(Number.isNaN(parseLenientJson("NaN")));
    assert.equal(parseLenientJson("Infinity"), Number.POSITIVE_INFINITY);
    assert.equal(parseLenientJson("-Infinity"), Number.NEGATIVE_INFINITY);
    assert.equal(parseLenientJson(" \n\tInfinity\r\n "), Number.POSITIVE_INFINITY);
  });

  it("reads the tokens at any depth, next to ordinary values", () => {
    const parsed = parseLenientJson(
      '{"loss":NaN,"acc":0.5,"deep":{"a":[1,Infinity,{"b":-Infinity}],"c":[[NaN]]},"ok":true,"none":null}',
    );
    assert.ok(Number.isNaN(at(parsed, "loss")));
    assert.equal(at(parsed, "acc"), 0.5);
    assert.equal(at(parsed, "deep", "a", 0), 1);
    assert.equal(at(parsed, "deep", "a", 1), Number.POSITIVE_INFINITY);
    assert.equal(at(parsed, "deep", "a", 2, "b"), Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(at(parsed, "deep", "c", 0, 0)));
    assert.equal(at(parsed, "ok"), true);
    assert.equal(at(parsed, "none"), null);
  });

  it("accepts whitespace around tokens inside containers", () => {
    const parsed = parseLenientJson("[ NaN , -Infinity ,\n Infinity ]");
    assert.ok(Array.isArray(parsed));
    assert.equal(parsed.length, 3);
    assert.ok(Number.isNaN(at(parsed, 0)));
    assert.equal(at(parsed, 1), Number.NEGATIVE_INFINITY);
    assert.equal(at(parsed, 2), Number.POSITIVE_INFINITY);
  });

  it("leaves the token text inside strings untouched", () => {
    const parsed = parseLenientJson('{"s":"NaN","t":"-Infinity and NaN","n":NaN,"NaN":"Infinity"}');
    assert.equal(at(parsed, "s"), "NaN");
    assert.equal(at(parsed, "t"), "-Infinity and NaN");
    assert.ok(Number.isNaN(at(parsed, "n")));
    assert.equal(at(parsed, "NaN"), "Infinity");
  });

  it("keeps a string that only mentions NaN a string on the standard path too", () => {
    assert.deepEqual(parseLenientJson('{"s":"NaN"}'), { s: "NaN" });
  });
});

describe("parseLenientJson: integers beyond 2^53", () => {
  const big = 2n ** 53n + 1n; // 9007199254740993, not representable as a double

  it("keeps them exact as bigint with exactIntegers (standard path)", () => {
    const parsed = parseLenientJson(`{"n":${big},"m":-${big},"small":42,"f":1.5}`, { exactIntegers: true });
    assert.equal(at(parsed, "n"), big);
    assert.equal(at(parsed, "m"), -big);
    assert.equal(at(parsed, "small"), 42);
    assert.equal(typeof at(parsed, "small"), "number");
    assert.equal(at(parsed, "f"), 1.5);
  });

  it("keeps them exact as bigint with exactIntegers (lenient path, NaN in the same text)", () => {
    const parsed = parseLenientJson(`[NaN,${big},-${big},12345678901234567890123,7]`, {
      exactIntegers: true,
    });
    assert.ok(Number.isNaN(at(parsed, 0)));
    assert.equal(at(parsed, 1), big);
    assert.equal(at(parsed, 2), -big);
    assert.equal(at(parsed, 3), 12345678901234567890123n);
    assert.equal(at(parsed, 4), 7);
  });

  it("keeps the largest safe integer a number", () => {
    assert.equal(
      parseLenientJson(String(Number.MAX_SAFE_INTEGER), { exactIntegers: true }),
      Number.MAX_SAFE_INTEGER,
    );
    assert.equal(
      at(parseLenientJson(`[NaN,${Number.MAX_SAFE_INTEGER}]`, { exactIntegers: true }), 1),
      Number.MAX_SAFE_INTEGER,
    );
  });

  it("does not turn big non-integer literals into bigint", () => {
    const parsed = parseLenientJson(`[1e300,9007199254740993.5,NaN,1e300]`, { exactIntegers: true });
    assert.equal(at(parsed, 0), 1e300);
    assert.equal(typeof at(parsed, 1), "number");
    assert.equal(at(parsed, 3), 1e300);
    assert.equal(parseLenientJson("1e300", { exactIntegers: true }), 1e300);
  });

  it("rounds them to the nearest double without exactIntegers", () => {
    assert.equal(parseLenientJson(String(big)), 2 ** 53);
    assert.equal(typeof parseLenientJson(String(big)), "number");
    const parsed = parseLenientJson(`[NaN,${big}]`);
    assert.equal(at(parsed, 1), 2 ** 53);
    assert.equal(typeof at(parsed, 1), "number");
  });
});

describe("parseLenientJson: objects and strings", () => {
  for (const [label, text] of [
    ["standard path", '{"__proto__":{"polluted":1},"a":1}'],
    ["lenient path", '{"__proto__":{"polluted":NaN},"a":1}'],
  ] as const) {
    it(`keeps "__proto__" as an own data property (${label})`, () => {
      const parsed = parseLenientJson(text);
      assert.ok(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed));
      assert.ok(Object.hasOwn(parsed, "__proto__"));
      assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
      assert.deepEqual(Object.keys(parsed), ["__proto__", "a"]);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      const inner = at(parsed, "__proto__");
      assert.ok(inner !== null && typeof inner === "object" && !Array.isArray(inner));
      assert.ok(Object.hasOwn(inner, "polluted"));
    });
  }

  it("decodes every escape exactly on the lenient path", () => {
    const parsed = parseLenientJson(
      String.raw`[NaN,"q\"b\\s\/n\nr\rt\tb\bf\f","\u00e9\u4e2d\ud83d\ude00","end\\"]`,
    );
    assert.equal(at(parsed, 1), 'q"b\\s/n\nr\rt\tb\bf\f');
    assert.equal(at(parsed, 2), "é中😀");
    assert.equal(at(parsed, 3), "end\\");
  });

  it("decodes escapes in keys on the lenient path", () => {
    const parsed = parseLenientJson(String.raw`{"a\"b":NaN,"c\\":1,"\u0041":2}`);
    assert.ok(Number.isNaN(at(parsed, 'a"b')));
    assert.equal(at(parsed, "c\\"), 1);
    assert.equal(at(parsed, "A"), 2);
  });

  it("keeps the last value of a duplicated key, as JSON.parse does", () => {
    assert.deepEqual(parseLenientJson('{"a":NaN,"a":2}'), { a: 2 });
  });

  it("reads empty containers and nested empties", () => {
    const parsed = parseLenientJson('[NaN,[],{},[{}],{"a":[]}]');
    assert.ok(Array.isArray(parsed));
    assert.deepEqual(parsed.slice(1), [[], {}, [{}], { a: [] }]);
  });
});

describe("stringifyLenientJson round trip", () => {
  const corpus = [
    "NaN",
    "Infinity",
    "-Infinity",
    "0",
    "-1",
    "1.5",
    "1e-7",
    "1e+21",
    "null",
    "true",
    "false",
    '""',
    "[]",
    "{}",
    '"NaN"',
    '"line\\nbreak \\"quoted\\" \\\\ é"',
    "9007199254740993",
    "-9007199254740993",
    "123456789012345678901234567890",
    '{"loss":NaN,"acc":0.25,"_step":12,"inf":[Infinity,-Infinity]}',
    '{"__proto__":{"x":1},"constructor":"c"}',
    '{"a":{"b":{"c":[1,[2,[3,{"d":NaN}]]]}},"big":18446744073709551615}',
    '{"_wandb":{"value":{"t":{"1":[1,55],"4":"3.11.9"},"m":[]}},"lr":{"value":0.001}}',
  ];
  for (const text of corpus) {
    it(`reproduces ${text}`, () => {
      assert.equal(stringifyLenientJson(parseLenientJson(text, { exactIntegers: true })), text);
    });
  }

  it("writes bigint as its exact digits and rejects non-JSON values", () => {
    assert.equal(stringifyLenientJson([2n ** 64n, Number.NaN]), "[18446744073709551616,NaN]");
    assert.throws(() => stringifyLenientJson(undefined as unknown as JsonValue), TypeError);
  });
});

describe("parseLenientJson: malformed input", () => {
  const malformed = [
    ["trailing garbage after a token", '{"a":NaN} x'],
    ["trailing garbage after standard JSON", '{"a":1} x'],
    ["trailing comma", "[NaN,]"],
    ["trailing comma in object", '{"a":NaN,}'],
    ["unterminated string (standard)", '"abc'],
    ["unterminated string (lenient)", '[NaN,"abc'],
    ["string ending in an escaped quote", '[NaN,"abc\\"]'],
    ["raw newline inside a string", '[NaN,"a\nb"]'],
    ["bad unicode escape", '[NaN,"\\u00zz"]'],
    ["NaN followed by letters", "NaNx"],
    ["NaN followed by letters in an array", "[NaNx]"],
    ["-Infinity followed by letters", "[-Infinityx]"],
    ["truncated Infinity", "[NaN,Infinit]"],
    ["lower-case nan", "[nan]"],
    ["bare minus", "-"],
    ["bare minus next to NaN", "[NaN,-]"],
    ["leading zero", "[NaN,01]"],
    ["unquoted key", "{a:NaN}"],
    ["missing colon", '{"a" NaN}'],
    ["unclosed array", "[NaN,1"],
    ["unclosed object", '{"a":NaN'],
    ["empty text", ""],
    ["whitespace only", "  "],
  ] as const;
  for (const [label, text] of malformed) {
    it(`throws SyntaxError for ${label}`, () => {
      assert.throws(() => parseLenientJson(text), SyntaxError);
      assert.throws(() => parseLenientJson(text, { exactIntegers: true }), SyntaxError);
    });
  }
});

describe("parseLenientJson: nesting depth", () => {
  const nested = (depth: number, leaf: string) => `${"[".repeat(depth)}${leaf}${"]".repeat(depth)}`;

  it("accepts 512 levels of nesting around a NaN", () => {
    let value = parseLenientJson(nested(512, "NaN"));
    for (let i = 0; i < 512; i++) {
      assert.ok(Array.isArray(value));
      value = at(value, 0);
    }
    assert.ok(Number.isNaN(value));
  });

  it("refuses deeper nesting with a SyntaxError instead of overflowing the stack", () => {
    assert.throws(() => parseLenientJson(nested(513, "NaN")), {
      name: "SyntaxError",
      message: /nesting too deep/,
    });
    assert.throws(() => parseLenientJson(nested(200_000, "NaN")), {
      name: "SyntaxError",
      message: /nesting too deep/,
    });
    const objects = `${'{"a":'.repeat(600)}NaN${"}".repeat(600)}`;
    assert.throws(() => parseLenientJson(objects), { name: "SyntaxError", message: /nesting too deep/ });
  });
});
