/**
 * Config parsing and the search methods (grid, random, bayes). Pure unit tests with a seeded
 * generator, so every draw is replayable.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bayesPoint,
  gridPoint,
  gridSize,
  type Observation,
  pointKey,
  pointOf,
  randomPoint,
  sampleParam,
  seededRng,
  toArgs,
} from "./search.ts";
import { type ParamSpec, parseSweepConfig } from "./sweep-config.ts";

function config(yaml: string) {
  return parseSweepConfig(yaml);
}

describe("parseSweepConfig", () => {
  it("reads method, metric, run_cap, program and nested parameters, inferring distributions", () => {
    const c = config(`
method: random
metric: {name: val.loss, goal: maximize}
program: train.py
run_cap: 7
parameters:
  lr: {min: 0.001, max: 0.1}
  epochs: {min: 1, max: 3}
  opt:
    parameters:
      name: {values: [adam, sgd]}
      momentum: {value: 0.9}
`);
    assert.equal(c.method, "random");
    assert.deepEqual(c.metric, { name: "val.loss", goal: "maximize" });
    assert.equal(c.runCap, 7);
    assert.equal(c.program, "train.py");
    assert.deepEqual(
      c.params.map((p) => [p.path.join("."), p.distribution]),
      [
        ["epochs", "int_uniform"],
        ["lr", "uniform"],
        ["opt.momentum", "constant"],
        ["opt.name", "categorical"],
      ],
    );
  });

  it("refuses what it cannot schedule", () => {
    for (const [yaml, message] of [
      ["method: anneal", /method/],
      ["method: grid\nparameters:\n  lr: {min: 0.1, max: 0.5}", /grid search needs discrete/],
      ["method: bayes\nparameters:\n  x: {values: [1]}", /metric/],
      ["method: random\nparameters:\n  x: {distribution: gamma, min: 1, max: 2}", /unknown distribution/],
      ["method: random\nparameters:\n  x: {values: [1, 2], probabilities: [0.5, 0.6]}", /sum to 1/],
      ["method: random\nparameters:\n  x: {min: 3, max: 1}", /min/],
      ["method: random\nrun_cap: 0", /run_cap/],
    ] as const) {
      assert.throws(() => config(yaml), { code: "INVALID_ARGUMENT", message }, yaml);
    }
  });
});

describe("grid", () => {
  const c = config(`
method: grid
parameters:
  b: {values: [x, y, z]}
  a: {values: [1, 2]}
  n: {distribution: int_uniform, min: 0, max: 1}
  q: {distribution: q_uniform, min: 0, max: 0.3, q: 0.1}
  k: {value: const}
`);

  it("enumerates every combination exactly once in a stable order (last parameter fastest)", () => {
    assert.equal(gridSize(c.params), 3 * 2 * 2 * 4);
    const points = Array.from({ length: gridSize(c.params) }, (_, i) => gridPoint(c.params, i));
    assert.equal(new Set(points.map(pointKey)).size, points.length);
    // params sorted by name: a, b, k, n, q
    assert.deepEqual(points[0], [1, "x", "const", 0, 0]);
    assert.deepEqual(points[1], [1, "x", "const", 0, 0.1]);
    assert.deepEqual(points[3], [1, "x", "const", 0, 0.3]);
    assert.deepEqual(points[4], [1, "x", "const", 1, 0]);
    assert.deepEqual(points.at(-1), [2, "z", "const", 1, 0.3]);
    assert.deepEqual(
      gridPoint(c.params, 5),
      gridPoint(
        config(
          `method: grid\nparameters:\n  q: {distribution: q_uniform, min: 0, max: 0.3, q: 0.1}\n  n: {distribution: int_uniform, min: 0, max: 1}\n  k: {value: const}\n  b: {values: [x, y, z]}\n  a: {values: [1, 2]}`,
        ).params,
        5,
      ),
    );
  });
});

describe("random", () => {
  function draws(spec: string, n = 2000) {
    const [param] = config(`method: random\nparameters:\n  x: ${spec}`).params;
    const rng = seededRng(42);
    return Array.from({ length: n }, () => sampleParam(param as ParamSpec, rng) as number);
  }

  it("samples each distribution within its support", () => {
    const uniform = draws("{distribution: uniform, min: 2.0, max: 4.0}");
    assert.ok(uniform.every((v) => v >= 2 && v < 4));
    assert.ok(Math.abs(uniform.reduce((a, b) => a + b) / uniform.length - 3) < 0.1);

    const ints = draws("{min: 1, max: 3}");
    assert.deepEqual([...new Set(ints)].sort(), [1, 2, 3]);

    const logValues = draws("{distribution: log_uniform_values, min: 0.0001, max: 1}");
    assert.ok(logValues.every((v) => v >= 0.0001 && v <= 1));
    // log-uniform: about a quarter of the draws in each decade
    const low = logValues.filter((v) => v < 0.001).length / logValues.length;
    assert.ok(low > 0.2 && low < 0.3, `share below 1e-3: ${low}`);

    const logUniform = draws("{distribution: log_uniform, min: 0, max: 2}");
    assert.ok(logUniform.every((v) => v >= 1 && v <= Math.exp(2)));

    const quantised = draws("{distribution: q_uniform, min: 0, max: 1, q: 0.25}");
    assert.deepEqual([...new Set(quantised)].sort(), [0, 0.25, 0.5, 0.75, 1]);

    const normal = draws("{distribution: normal, mu: 10, sigma: 2}");
    const mean = normal.reduce((a, b) => a + b) / normal.length;
    const sd = Math.sqrt(normal.reduce((a, b) => a + (b - mean) ** 2, 0) / normal.length);
    assert.ok(Math.abs(mean - 10) < 0.2 && Math.abs(sd - 2) < 0.2, `mean ${mean} sd ${sd}`);

    const inv = draws("{distribution: inv_log_uniform_values, min: 0.1, max: 10}");
    assert.ok(inv.every((v) => v >= 0.1 - 1e-9 && v <= 10 + 1e-9));

    const weighted = draws("{values: [a, b], probabilities: [0.9, 0.1]}") as unknown as string[];
    const share = weighted.filter((v) => v === "a").length / weighted.length;
    assert.ok(share > 0.87 && share < 0.93, `share of a: ${share}`);
  });

  it("builds the command args, nested parameters as one object, and reads them back from a run config", () => {
    const c = config(
      "method: random\nparameters:\n  lr: {value: 0.1}\n  opt:\n    parameters:\n      name: {value: adam}",
    );
    const point = randomPoint(c.params, seededRng(1));
    const args = toArgs(c.params, point);
    assert.deepEqual(args, { lr: { value: 0.1 }, opt: { value: { name: "adam" } } });
    assert.deepEqual(pointOf(c.params, { ...args, _wandb: { value: {} } }), point);
    assert.equal(pointOf(c.params, { lr: { value: 0.1 } }), undefined);
  });
});

describe("bayes (TPE)", () => {
  const c = config(`
method: bayes
metric: {name: loss, goal: minimize}
parameters:
  x: {min: -5.0, max: 5.0}
  kind: {values: [good, bad, ugly]}
`);
  // kind is params[0], x is params[1] (sorted by name)
  const loss = (kind: string, x: number) => (x - 2) ** 2 + (kind === "good" ? 0 : 5);

  it("samples at random until it has enough observations", () => {
    const a = bayesPoint(c.params, [], "minimize", seededRng(3));
    const b = randomPoint(c.params, seededRng(3));
    assert.deepEqual(a, b);
  });

  it("concentrates on the good region once it has observations", () => {
    const rng = seededRng(7);
    const observations: Observation[] = [];
    for (let i = 0; i < 40; i++) {
      const point = bayesPoint(c.params, observations, "minimize", rng);
      observations.push({ point, metric: loss(point[0] as string, point[1] as number) });
    }
    const late = observations.slice(20);
    const good = late.filter((o) => o.point[0] === "good").length;
    const near = late.filter((o) => Math.abs((o.point[1] as number) - 2) < 1.5).length;
    assert.ok(good >= 14, `late runs with kind=good: ${good}/20`);
    assert.ok(near >= 12, `late runs with |x-2| < 1.5: ${near}/20`);
    // Random search for comparison: a third of the draws are good, 30% are near.
    const best = Math.min(...observations.map((o) => o.metric));
    assert.ok(best < 0.2, `best loss ${best}`);
  });
});
