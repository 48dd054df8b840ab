import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { netrcPassword } from "./credentials.ts";
import { checkClock } from "./login.ts";

describe("netrcPassword", () => {
  const netrc = `# written by wandb login
machine api.wandb.ai
  login user
  password cloud-key
machine ballast.example.com:8443 login user password port-key
machine ballast.example.com
  login user
  password host-key
default login user password default-key
`;

  it("prefers host:port, then the bare host name, then default", () => {
    assert.equal(netrcPassword(netrc, ["ballast.example.com:8443", "ballast.example.com"]), "port-key");
    assert.equal(netrcPassword(netrc, ["ballast.example.com:9000", "ballast.example.com"]), "host-key");
    assert.equal(netrcPassword(netrc, ["other.example.com"]), "default-key");
  });

  it("finds nothing without a matching machine or default", () => {
    assert.equal(netrcPassword("machine a login u password p\n", ["b"]), undefined);
  });
});

describe("checkClock", () => {
  const server = new Date("2025-01-01T00:00:00Z");

  it("passes within five minutes and warns beyond, saying which way", () => {
    assert.equal(checkClock(server, new Date("2025-01-01T00:04:59Z")).status, "pass");
    const ahead = checkClock(server, new Date("2025-01-01T00:10:00Z"));
    assert.equal(ahead.status, "warn");
    assert.match(ahead.status === "warn" ? ahead.hints.join(" ") : "", /600 s ahead of the server's/);
    const behind = checkClock(server, new Date("2024-12-31T23:50:00Z"));
    assert.match(behind.status === "warn" ? behind.hints.join(" ") : "", /600 s behind the server's/);
  });
});
