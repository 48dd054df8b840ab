/**
 * The sweep-config YAML reader against what PyYAML really emits: the fixture is `yaml.dump` output of
 * the wandb 0.31.0 client's dumper (wandb/apis/public/sweeps.py: NonOctalStringDumper) and the
 * expected value is PyYAML's own `safe_load` of it. Pure unit test.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseYaml } from "./yaml.ts";

const PYYAML_DUMP =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the sweep command's ${…} macros, not a template
  "'#hash': '#x'\ncommand:\n- ${env}\n- python\n- ${program}\n- ${args}\ne: 1e5\nempty: {}\nf: '1.5'\ni: '12'\nmethod: grid\nmetric:\n  goal: minimize\n  name: loss\nn: 'null'\nname: 'a long name a long name a long name a long name a long name a long name a long\n  name a long name a long name a long name a long name a long name '\nnested_list:\n- - 1\n  - 2\n- - a: 1\n    b:\n    - 3\nparameters:\n  opt:\n    parameters:\n      lr:\n        distribution: uniform\n        max: 1.0\n        min: 0.0\n  x:\n    values:\n    - 0.01\n    - 1.0e-05\n    - 1.0e+20\n    - -3\n    - true\n    - null\n    - '008'\n    - 'yes'\n    - 'a: b'\n    - ''\n    - it's\n    - \"h\\xE9llo\"\n    - 'line\n\n      break'\n    - \"tab\\there\"\n    - []\n    - {}\n    - xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n      \"q\" \\ end\nplain_long: word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word word word\n  word word word word word word word word word word\nrun_cap: 4\n'weird key: x': 1\n";
const PYYAML_LOADED = {
  "#hash": "#x",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the sweep command's ${…} macros, not a template
  command: ["${env}", "python", "${program}", "${args}"],
  e: "1e5",
  empty: {},
  f: "1.5",
  i: "12",
  method: "grid",
  metric: { goal: "minimize", name: "loss" },
  n: "null",
  name: "a long name a long name a long name a long name a long name a long name a long name a long name a long name a long name a long name a long name ",
  nested_list: [[1, 2], [{ a: 1, b: [3] }]],
  parameters: {
    opt: { parameters: { lr: { distribution: "uniform", max: 1.0, min: 0.0 } } },
    x: {
      values: [
        0.01,
        1e-5,
        1e20,
        -3,
        true,
        null,
        "008",
        "yes",
        "a: b",
        "",
        "it's",
        "h\u00e9llo",
        "line\nbreak",
        "tab\there",
        [],
        {},
        'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx "q" \\ end',
      ],
    },
  },
  plain_long:
    "word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word",
  run_cap: 4,
  "weird key: x": 1,
};

describe("parseYaml", () => {
  it("reads PyYAML's dump of a config with awkward values exactly as PyYAML loads it", () => {
    assert.deepEqual(parseYaml(PYYAML_DUMP), PYYAML_LOADED);
  });

  it("resolves YAML 1.1 scalars like PyYAML's SafeLoader", () => {
    const doc = "a: yes\nb: Off\nc: ~\nd: 0x1F\ne: 010\nf: -.inf\ng: 1_000\nh: 2.5e+3\ni: 1e3\nj: .5\n";
    assert.deepEqual(parseYaml(doc), {
      a: true,
      b: false,
      c: null,
      d: 31,
      e: 8,
      f: Number.NEGATIVE_INFINITY,
      g: 1000,
      h: 2500,
      i: "1e3",
      j: 0.5,
    });
    assert.ok(Number.isNaN((parseYaml("x: .nan") as { x: number }).x));
  });

  it("reads flow collections, comments, JSON and a document marker", () => {
    assert.deepEqual(parseYaml("# c\n---\nx: [1, 'a, b', {k: v}]  # tail\ny: {a: [], b: \"c\"}\n"), {
      x: [1, "a, b", { k: "v" }],
      y: { a: [], b: "c" },
    });
    assert.deepEqual(parseYaml('{"method": "grid", "parameters": {"x": {"values": [1, 2]}}}'), {
      method: "grid",
      parameters: { x: { values: [1, 2] } },
    });
    assert.deepEqual(parseYaml("x:\n  - 1\n  - 2\n"), { x: [1, 2] });
  });

  it("refuses what it does not read instead of guessing", () => {
    for (const doc of ["a: &x 1\nb: *x", "a: |\n  text", "a: 1\na: 2", "a: [1, 2", "\tx: 1", "a: 'open"]) {
      assert.throws(() => parseYaml(doc), { code: "INVALID_ARGUMENT" }, doc);
    }
  });
});
