import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OperatorUsageError, operatorSettings } from "./operator.ts";

describe("operatorSettings", () => {
  it("reads W&B's flags, each also as an upper-cased environment variable, a flag winning", () => {
    const settings = operatorSettings(
      [
        "--deployer-channel-url=https://channel.example.com/",
        "--leader-elect",
        "--metrics-bind-address",
        ":8080",
      ],
      {
        DEPLOYER_CHANNEL_URL: "https://ignored.example.com",
        DEFAULT_CHART: "/app/charts/ballast",
        ISOLATION_NAMESPACES: "a, b",
        OPERATOR_NAMESPACE: "wandb-cr",
      },
    );
    assert.equal(settings.channelUrl, "https://channel.example.com");
    assert.equal(settings.leaderElect, true);
    assert.deepEqual(settings.metricsAddress, { host: "0.0.0.0", port: 8080 });
    assert.deepEqual(settings.healthAddress, { host: "0.0.0.0", port: 8081 });
    assert.deepEqual(settings.namespaces, ["a", "b"]);
    assert.equal(settings.defaultChart, "/app/charts/ballast");
    assert.equal(settings.operatorNamespace, "wandb-cr");
    assert.equal(settings.defaultFrequencyMs, 3_600_000);
  });

  it("has no channel when air-gapped or without a URL, and no default chart unless given", () => {
    const airgapped = operatorSettings(["--airgapped"], { DEPLOYER_CHANNEL_URL: "https://c" });
    assert.equal(airgapped.channelUrl, undefined);
    assert.equal(operatorSettings([], {}).channelUrl, undefined);
    assert.equal(operatorSettings([], {}).defaultChart, undefined);
    assert.equal(operatorSettings(["--default-chart="], {}).defaultChart, undefined);
  });

  it("refuses an unknown flag, a flag without its value and a bad duration, and skips W&B's logger flags", () => {
    assert.throws(() => operatorSettings(["--nope"], {}), OperatorUsageError);
    assert.throws(() => operatorSettings(["--default-chart"], {}), /--default-chart needs a value/);
    assert.throws(() => operatorSettings(["--reconcile-frequency=soon"], {}), /duration like 30m/);
    assert.equal(operatorSettings(["--zap-log-level=debug"], {}).leaderElect, false);
  });
});
