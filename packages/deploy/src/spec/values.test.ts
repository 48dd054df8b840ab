import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonEqual, MergeError, mergeLayers, mergeValues, provenance } from "./values.ts";

describe("mergeValues (channel < console < resource)", () => {
  it("merges maps key by key; the higher layer wins scalars; the W&B example", () => {
    // reference/deployment-spec.md §1.6: CR {a:1,l:[x]}, user {a:2,b:3,l:[y]}, channel {b:4,c:5,l:[z]}
    const merged = mergeLayers([
      { name: "channel", values: { b: 4, c: 5, l: ["z"] } },
      { name: "user", values: { a: 2, b: 3, l: ["y"] } },
      { name: "resource", values: { a: 1, l: ["x"] } },
    ]);
    // W&B concatenates lists ([x, y, z]); here the highest layer that sets a list owns it.
    assert.deepEqual(merged, { a: 1, b: 3, c: 5, l: ["x"] });
  });

  it("replaces lists instead of concatenating them, so ingress.tls is not duplicated", () => {
    const tls = [{ secretName: "wandb-ingress-tls", hosts: ["wandb.example.com"] }];
    const merged = mergeValues({ ingress: { tls, class: "nginx" } }, { ingress: { tls } });
    assert.deepEqual(merged, { ingress: { tls, class: "nginx" } });
  });

  it("a null in a higher layer removes the key", () => {
    assert.deepEqual(
      mergeValues(
        { global: { bucket: { kmsKey: "k", name: "b" } } },
        { global: { bucket: { kmsKey: null } } },
      ),
      {
        global: { bucket: { name: "b" } },
      },
    );
  });

  it("a map against a scalar is an error naming the path and both layers", () => {
    assert.throws(
      () =>
        mergeLayers([
          { name: "release channel", values: { global: { bucket: { name: "b" } } } },
          { name: "resource", values: { global: { bucket: "s3://b" } } },
        ]),
      (error: unknown) =>
        error instanceof MergeError &&
        error.path === "global.bucket" &&
        /resource layer sets a string where the .*release channel layer has a map/.test(error.message),
    );
  });

  it("never mutates or aliases its inputs", () => {
    const under = { global: { extraEnv: { A: "1" } } };
    const over = { global: { extraEnv: { B: "2" } } };
    const merged = mergeValues(under, over);
    (merged.global as { extraEnv: Record<string, string> }).extraEnv.C = "3";
    assert.deepEqual(under, { global: { extraEnv: { A: "1" } } });
    assert.deepEqual(over, { global: { extraEnv: { B: "2" } } });
  });
});

describe("provenance", () => {
  it("names the highest layer that set each leaf", () => {
    const origins = provenance([
      { name: "release channel", values: { app: { image: { tag: "1.0" } }, global: { size: "small" } } },
      { name: "console", values: { global: { size: "large", extraEnv: { X: "1" } } } },
      { name: "resource", values: { global: { host: "https://w.example.com" } } },
    ]);
    assert.deepEqual(origins, {
      "app.image.tag": "release channel",
      "global.size": "console",
      "global.extraEnv.X": "console",
      "global.host": "resource",
    });
  });
});

describe("jsonEqual", () => {
  it("ignores key order and compares lists in order", () => {
    assert.ok(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
    assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: null }));
  });
});
