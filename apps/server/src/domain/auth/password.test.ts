import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAppError } from "@ballast/core";
import { checkPasswordRules, dummyPasswordHash, hashPassword, verifyPassword } from "./password.ts";

describe("password hashing", () => {
  it("stores scrypt with its parameters and a fresh salt, and verifies only the right password", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    assert.match(a, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(a, b, "two hashes of one password differ by salt");
    assert.equal(await verifyPassword("correct horse", a), true);
    assert.equal(await verifyPassword("correct horse", b), true);
    assert.equal(await verifyPassword("correct hors", a), false);
    assert.equal(await verifyPassword("Correct horse", a), false);
    assert.equal(await verifyPassword("", a), false);
  });

  it("verifies hashes made with other parameters (they can be raised without a migration)", async () => {
    const light = await hashPassword("pässwörd-1", { ln: 10, r: 8, p: 1 });
    assert.match(light, /^\$scrypt\$ln=10,r=8,p=1\$/);
    assert.equal(await verifyPassword("pässwörd-1", light), true);
    // Unicode is normalised: the decomposed spelling of the same text matches.
    assert.equal(await verifyPassword("pa\u0308sswo\u0308rd-1", light), true);
  });

  it("never matches a malformed, tampered or out-of-range stored hash", async () => {
    const good = await hashPassword("secret-pass", { ln: 10, r: 8, p: 1 });
    const [, , , salt, hash] = good.split("$");
    const cases = [
      "",
      "plain text",
      good.replace("ln=10", "ln=11"), // other parameters: another key
      `$scrypt$ln=10,r=8,p=1$${salt}$${(hash ?? "").slice(0, -2)}AA`,
      `$scrypt$ln=30,r=8,p=1$${salt}$${hash}`, // would demand 2^30 × 1 KiB
      `$scrypt$ln=4,r=8,p=1$${salt}$${hash}`,
      `$argon2id$v=19$m=65536,t=3,p=4$${salt}$${hash}`,
    ];
    for (const stored of cases) assert.equal(await verifyPassword("secret-pass", stored), false, stored);
  });

  it("has a dummy hash of the default cost for unknown users, made once", async () => {
    const dummy = await dummyPasswordHash();
    assert.match(dummy, /^\$scrypt\$ln=15,r=8,p=1\$/);
    assert.equal(await dummyPasswordHash(), dummy);
  });

  it("hashes many at once (queued behind the concurrency limit)", async () => {
    const hashes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => hashPassword(`password-${i}`, { ln: 10, r: 8, p: 1 })),
    );
    for (const [i, stored] of hashes.entries())
      assert.equal(await verifyPassword(`password-${i}`, stored), true);
  });

  it("requires at least 8 characters (counted as code points) and bounds the length", () => {
    const refused = (password: string) =>
      assert.throws(
        () => checkPasswordRules(password),
        (e) => isAppError(e) && e.code === "INVALID_ARGUMENT",
      );
    refused("");
    refused("1234567");
    refused("😀😀😀😀"); // 8 UTF-16 units, 4 characters
    refused("x".repeat(1025));
    checkPasswordRules("12345678");
    checkPasswordRules("😀😀😀😀😀😀😀😀");
  });
});
