import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { desiredSpec } from "./desired.ts";
import { parseFrequency, SpecFormatError, specEqual, specFromSecretData, specToSecretData } from "./spec.ts";

describe("state Secrets", () => {
  it("round-trip a spec through W&B's chart/values/metadata JSON keys", () => {
    const spec = {
      chart: { url: "https://c", name: "ballast", version: "1" },
      values: { a: { b: [1] } },
      metadata: { releaseId: "r1" },
    };
    const back = specFromSecretData("wandb-spec-active", specToSecretData(spec));
    assert.ok(specEqual(spec, back));
    assert.equal(Buffer.from(specToSecretData(spec).values ?? "", "base64").toString(), '{"a":{"b":[1]}}');
  });

  it("refuse a Secret without the values key, naming it", () => {
    assert.throws(
      () => specFromSecretData("wandb-spec-user", { chart: Buffer.from("null").toString("base64") }),
      SpecFormatError,
    );
    assert.throws(
      () =>
        specFromSecretData("wandb-spec-user", { chart: "", values: Buffer.from("[1]").toString("base64") }),
      /must be a JSON object/,
    );
  });
});

describe("desiredSpec", () => {
  const channel = {
    chart: { url: "https://charts.example.com", name: "ballast", version: "1.0.0" },
    values: { app: { image: { tag: "1.0.0" } }, global: { size: "small" } },
    metadata: { releaseId: "r1" },
  };
  it("merges channel < console < resource over the operator defaults, and takes the highest layer's chart", () => {
    const desired = desiredSpec({
      resource: { chart: null, values: { global: { host: "https://w.example.com" } } },
      user: { chart: null, values: { global: { size: "large" } }, metadata: null },
      channel,
      operatorNamespace: "wandb-cr",
    });
    assert.deepEqual(desired.spec.values, {
      global: {
        operator: { apiVersion: "apps.wandb.com/v1", namespace: "wandb-cr" },
        size: "large",
        host: "https://w.example.com",
      },
      app: { image: { tag: "1.0.0" } },
    });
    assert.deepEqual(desired.spec.chart, channel.chart);
    assert.equal(desired.chart?.kind, "repo");
    assert.equal(desired.origins["global.size"], "console");
    assert.equal(desired.origins["app.image.tag"], "release channel");
    assert.deepEqual(desired.spec.metadata, { releaseId: "r1" });
  });

  it("falls back to the operator's bundled chart only when no layer names one", () => {
    const bare = {
      resource: { chart: null, values: {} },
      user: { chart: null, values: {}, metadata: null },
      operatorNamespace: "x",
      defaultChart: "/app/charts/ballast",
    };
    const bundled = desiredSpec({ ...bare, channel: null });
    assert.deepEqual(bundled.chart, { kind: "local", path: "/app/charts/ballast" });
    assert.deepEqual(bundled.spec.chart, { path: "/app/charts/ballast" });
    assert.equal(desiredSpec({ ...bare, channel }).chart?.kind, "repo");
    assert.equal(desiredSpec({ ...bare, defaultChart: undefined, channel: null }).chart, undefined);
  });

  it("names the layer of a chart it cannot use", () => {
    assert.throws(
      () =>
        desiredSpec({
          resource: { chart: { url: "https://c" }, values: {} },
          user: { chart: null, values: {}, metadata: null },
          channel: null,
          operatorNamespace: "x",
        }),
      /resource: chart.name is required/,
    );
  });
});

describe("parseFrequency", () => {
  it("reads Go durations and falls back on anything else", () => {
    assert.equal(parseFrequency("30m", 1), 1_800_000);
    assert.equal(parseFrequency("1h30m", 1), 5_400_000);
    assert.equal(parseFrequency("2s", 1), 10_000); // at least 10 s
    assert.equal(parseFrequency("soon", 7), 7);
    assert.equal(parseFrequency(undefined, 7), 7);
  });
});
