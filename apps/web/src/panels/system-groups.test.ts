import assert from "node:assert/strict";
import { test } from "node:test";
import { groupSystemKeys } from "./system-groups.ts";

test("keys that differ by a device number share a chart", () => {
  assert.deepEqual(
    groupSystemKeys([
      "system.gpu.1.temp",
      "system.cpu",
      "system.gpu.0.temp",
      "system.gpu.10.temp",
      "system.disk.in",
    ]),
    [
      { title: "cpu", keys: [{ key: "system.cpu", label: "cpu" }] },
      { title: "disk.in", keys: [{ key: "system.disk.in", label: "disk.in" }] },
      {
        title: "gpu.*.temp",
        keys: [
          { key: "system.gpu.0.temp", label: "0" },
          { key: "system.gpu.1.temp", label: "1" },
          { key: "system.gpu.10.temp", label: "10" },
        ],
      },
    ],
  );
});
