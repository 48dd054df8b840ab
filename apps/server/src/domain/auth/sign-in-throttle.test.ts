import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAppError } from "@ballast/core";
import { SignInThrottle } from "./sign-in-throttle.ts";

const LIMITS = { perUsername: 3, perAddress: 5, windowMs: 60_000, maxKeys: 4 };

function refusal(run: () => void): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    assert.ok(isAppError(error) && error.code === "TOO_MANY_ATTEMPTS", String(error));
    assert.equal(error.status, 429);
    return Number(error.details?.retryAfterSeconds);
  }
}

describe("SignInThrottle", () => {
  it("refuses a username past its failures until the oldest leaves the window", () => {
    const throttle = new SignInThrottle(LIMITS);
    for (const t of [0, 10_000, 20_000]) {
      throttle.check("ada", "10.0.0.1", t);
      throttle.failed("ada", "10.0.0.1", t);
    }
    assert.equal(
      refusal(() => throttle.check("ada", "10.0.0.2", 30_000)),
      30,
    );
    assert.equal(
      refusal(() => throttle.check("ada", undefined, 59_999)),
      1,
    );
    throttle.check("ada", "10.0.0.2", 60_000);
    throttle.check("grace", "10.0.0.1", 30_000);
  });

  it("a success clears the username's count, not the address's", () => {
    const throttle = new SignInThrottle(LIMITS);
    for (let t = 0; t < 2; t++) throttle.failed("ada", "10.0.0.1", t);
    throttle.succeeded("ada");
    for (let t = 2; t < 4; t++) throttle.failed("ada", "10.0.0.1", t);
    throttle.check("ada", "10.0.0.1", 5);
    throttle.failed("bob", "10.0.0.1", 6);
    assert.ok(
      refusal(() => throttle.check("carol", "10.0.0.1", 7)),
      "five failures from one address",
    );
    throttle.check("carol", "10.0.0.9", 7);
  });

  it("keeps at most maxKeys keys, dropping the stalest", () => {
    const throttle = new SignInThrottle({ ...LIMITS, perUsername: 1 });
    throttle.failed("a", undefined, 0);
    for (const name of ["b", "c", "d", "e"]) throttle.failed(name, undefined, 1);
    throttle.check("a", undefined, 2);
    assert.ok(refusal(() => throttle.check("e", undefined, 2)));
  });
});
