import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "./config.ts";

describe("loadConfig", () => {
  it("has working defaults", () => {
    const config = loadConfig({ env: {}, flags: { dataDir: "data" } });
    assert.equal(config.port, 8080);
    assert.equal(config.metricsEnabled, true);
    assert.equal(config.shutdownDrainSeconds, 0);
    assert.equal(config.sessionLengthHours, 720);
    assert.equal(config.settingsRefreshSeconds, 30);
    assert.equal(config.auditExportIntervalSeconds, 300);
  });

  it("lists every bad setting at once, each with what it accepts", () => {
    assert.throws(
      () =>
        loadConfig({
          env: {
            BALLAST_METRICS: "yes",
            BALLAST_SHUTDOWN_DRAIN_SECONDS: "-1",
            BALLAST_SESSION_LENGTH_HOURS: "0",
            BALLAST_SETTINGS_REFRESH_SECONDS: "0.5",
            BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS: "5m",
          },
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const name of [
          "BALLAST_METRICS",
          "BALLAST_SHUTDOWN_DRAIN_SECONDS",
          "BALLAST_SESSION_LENGTH_HOURS",
          "BALLAST_SETTINGS_REFRESH_SECONDS",
          "BALLAST_AUDIT_EXPORT_INTERVAL_SECONDS",
        ]) {
          assert.match(error.message, new RegExp(name));
        }
        return true;
      },
    );
    assert.equal(loadConfig({ env: { BALLAST_SHUTDOWN_DRAIN_SECONDS: "10" } }).shutdownDrainSeconds, 10);
    assert.throws(() => loadConfig({ env: { BALLAST_SHUTDOWN_DRAIN_SECONDS: "301" } }), ConfigError);
  });
});
