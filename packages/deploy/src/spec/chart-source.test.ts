import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeChart } from "./chart-source.ts";

describe("decodeChart", () => {
  it("reads the three shapes in W&B's order: local, OCI, repository", () => {
    assert.deepEqual(decodeChart({ path: "/charts/ballast" }), {
      chart: { kind: "local", path: "/charts/ballast" },
    });
    assert.deepEqual(decodeChart({ url: "oci://registry.example.com/charts/ballast", version: "1.2.3" }), {
      chart: {
        kind: "oci",
        url: "oci://registry.example.com/charts/ballast",
        version: "1.2.3",
        plainHttp: false,
      },
    });
    // The seed's example: a classic repository.
    assert.deepEqual(
      decodeChart({ url: "http://charts.yourdomain.com", name: "operator-wandb", version: "0.18.0" }),
      {
        chart: {
          kind: "repo",
          url: "http://charts.yourdomain.com",
          name: "operator-wandb",
          version: "0.18.0",
        },
      },
    );
  });

  it("takes registry credentials from a Secret with W&B's default keys", () => {
    const decoded = decodeChart({
      url: "https://charts.example.com",
      name: "ballast",
      credentialSecret: { name: "helm-creds" },
    });
    assert.ok(decoded && "chart" in decoded && decoded.chart.kind === "repo");
    assert.deepEqual(decoded.chart.credentialSecret, {
      name: "helm-creds",
      usernameKey: "HELM_USERNAME",
      passwordKey: "HELM_PASSWORD",
    });
  });

  it("explains a chart it cannot use instead of ignoring it", () => {
    const problem = (raw: unknown): string => {
      const decoded = decodeChart(raw as never);
      assert.ok(decoded && "problem" in decoded, `expected a problem for ${JSON.stringify(raw)}`);
      return decoded.problem;
    };
    assert.match(problem({ url: "https://charts.example.com" }), /chart.name is required/);
    assert.match(problem({ url: "oci://r.example.com/ballast" }), /chart.version is required/);
    assert.match(problem({ url: "ftp://x/y", name: "n" }), /must start with https/);
    assert.match(problem({ name: "ballast" }), /needs a path .* or a url/);
    assert.match(problem({ url: "oci://r/x", version: "1", username: "u" }), /both username and password/);
    assert.equal(decodeChart(null), undefined);
    assert.equal(decodeChart({}), undefined);
  });
});
