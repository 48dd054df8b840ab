import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { escapeHelp, escapeLabelValue, formatValue, Registry } from "./exposition.ts";

describe("Prometheus text exposition 0.0.4", () => {
  it("escapes label values: backslash, double quote and line feed, nothing else", () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    assert.equal(escapeLabelValue("tab\there ü {}=,"), "tab\there ü {}=,");
    assert.equal(escapeHelp('back\\slash "quotes" stay\nnext'), 'back\\\\slash "quotes" stay\\nnext');
  });

  it("writes special values the way the format spells them", () => {
    assert.equal(formatValue(Number.POSITIVE_INFINITY), "+Inf");
    assert.equal(formatValue(Number.NEGATIVE_INFINITY), "-Inf");
    assert.equal(formatValue(Number.NaN), "NaN");
    assert.equal(formatValue(0.25), "0.25");
    assert.equal(formatValue(1e-7), "1e-7");
  });

  it("renders counters and gauges with HELP, TYPE and escaped labels; unlabelled ones start at 0", () => {
    const registry = new Registry();
    const requests = registry.counter("t_requests_total", "Requests.\nSecond line", ["route"]);
    const idle = registry.counter("t_idle_total", "Never incremented.");
    const gauge = registry.gauge("t_level", "A level.");
    requests.inc({ route: '/a/"b"\\c\n' });
    requests.inc({ route: '/a/"b"\\c\n' }, 2);
    requests.inc({ route: "/x" });
    gauge.set({}, -1.5);
    assert.equal(idle.name, "t_idle_total");
    assert.equal(
      registry.render(),
      [
        "# HELP t_requests_total Requests.\\nSecond line",
        "# TYPE t_requests_total counter",
        't_requests_total{route="/a/\\"b\\"\\\\c\\n"} 3',
        't_requests_total{route="/x"} 1',
        "# HELP t_idle_total Never incremented.",
        "# TYPE t_idle_total counter",
        "t_idle_total 0",
        "# HELP t_level A level.",
        "# TYPE t_level gauge",
        "t_level -1.5",
        "",
      ].join("\n"),
    );
  });

  it("renders histograms with cumulative buckets, +Inf equal to _count, and _sum", () => {
    const registry = new Registry();
    const h = registry.histogram("t_seconds", "Durations.", ["route"], [0.01, 0.1, 1]);
    for (const v of [0.005, 0.01, 0.05, 0.5, 0.7, 3]) h.observe({ route: "/r" }, v);
    h.observe({ route: "/s" }, 0.02);
    const lines = registry.render().trimEnd().split("\n");
    assert.deepEqual(lines, [
      "# HELP t_seconds Durations.",
      "# TYPE t_seconds histogram",
      // 0.01 falls in le="0.01": bounds are inclusive
      't_seconds_bucket{route="/r",le="0.01"} 2',
      't_seconds_bucket{route="/r",le="0.1"} 3',
      't_seconds_bucket{route="/r",le="1"} 5',
      't_seconds_bucket{route="/r",le="+Inf"} 6',
      `t_seconds_sum{route="/r"} ${0.005 + 0.01 + 0.05 + 0.5 + 0.7 + 3}`,
      't_seconds_count{route="/r"} 6',
      't_seconds_bucket{route="/s",le="0.01"} 0',
      't_seconds_bucket{route="/s",le="0.1"} 1',
      't_seconds_bucket{route="/s",le="1"} 1',
      't_seconds_bucket{route="/s",le="+Inf"} 1',
      't_seconds_sum{route="/s"} 0.02',
      't_seconds_count{route="/s"} 1',
    ]);
  });

  it("runs collectors before rendering, so scrape-time values are current", () => {
    const registry = new Registry();
    const gauge = registry.gauge("t_now", "Set at scrape time.");
    let n = 0;
    registry.onCollect(() => gauge.set({}, ++n));
    assert.match(registry.render(), /^t_now 1$/m);
    assert.match(registry.render(), /^t_now 2$/m);
  });

  it("refuses invalid names, reserved labels, wrong label sets, falling counters and unordered buckets", () => {
    const registry = new Registry();
    assert.throws(() => registry.counter("bad-name", "x"), /invalid metric name/);
    assert.throws(() => registry.counter("t_a_total", "x", ["le"]), /invalid label name/);
    assert.throws(() => registry.counter("t_b_total", "x", ["__x"]), /invalid label name/);
    const c = registry.counter("t_c_total", "x", ["route"]);
    assert.throws(() => c.inc({}), /label route missing/);
    assert.throws(() => c.inc({ route: "/", other: "y" }), /are not/);
    assert.throws(() => c.inc({ route: "/" }, -1), /only goes up/);
    assert.throws(() => registry.counter("t_c_total", "again"), /registered twice/);
    assert.throws(() => registry.histogram("t_h", "x", [], [1, 1]), /strictly increasing/);
    assert.throws(() => registry.histogram("t_i", "x", [], [1, Number.POSITIVE_INFINITY]), /finite/);
  });
});
