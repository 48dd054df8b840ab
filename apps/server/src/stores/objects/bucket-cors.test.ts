import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CorsRule, corsFix, judgeCors } from "./bucket-cors.ts";

const ORIGIN = "https://ballast.example.com";
/** The seeds' example rule, for this origin. */
const SEED_RULE: CorsRule = {
  AllowedOrigins: [ORIGIN],
  AllowedMethods: ["GET", "PUT"],
  AllowedHeaders: ["*"],
};

describe("judgeCors", () => {
  it("accepts the seeds' rule, a `*` origin, and a wildcard origin pattern", () => {
    assert.deepEqual(judgeCors([SEED_RULE], "b", ORIGIN), { status: "ok" });
    assert.deepEqual(judgeCors([{ ...SEED_RULE, AllowedOrigins: ["*"] }], "b", ORIGIN), { status: "ok" });
    assert.deepEqual(judgeCors([{ ...SEED_RULE, AllowedOrigins: ["https://*.example.com"] }], "b", ORIGIN), {
      status: "ok",
    });
    // Any complete rule counts, whatever comes before it; methods are compared case-insensitively.
    assert.deepEqual(
      judgeCors(
        [
          { AllowedOrigins: ["https://other.example"], AllowedMethods: ["GET"], AllowedHeaders: ["*"] },
          { ...SEED_RULE, AllowedMethods: ["get", "put", "HEAD"] },
        ],
        "b",
        ORIGIN,
      ),
      { status: "ok" },
    );
  });

  it("names what is missing: no rules, another origin, a missing method, limited headers", () => {
    const none = judgeCors([], "my-bucket", ORIGIN);
    assert.equal(none.status, "missing");
    assert.match(none.status === "missing" ? none.problem : "", /my-bucket has no CORS rules/);
    for (const rule of [
      { ...SEED_RULE, AllowedOrigins: ["https://ballast.example.com.evil"] },
      { ...SEED_RULE, AllowedOrigins: ["http://ballast.example.com"] },
      { ...SEED_RULE, AllowedOrigins: ["https://*.example.com*"] },
      { ...SEED_RULE, AllowedMethods: ["GET"] },
      { ...SEED_RULE, AllowedHeaders: ["content-type"] },
      { AllowedOrigins: [ORIGIN] },
    ]) {
      const verdict = judgeCors([rule], "my-bucket", ORIGIN);
      assert.equal(verdict.status, "missing", JSON.stringify(rule));
      assert.match(
        verdict.status === "missing" ? verdict.problem : "",
        /lets https:\/\/ballast\.example\.com GET and PUT/,
      );
    }
  });
});

describe("corsFix", () => {
  it("gives the seeds' XML and the aws command for the bucket and origin", () => {
    const fix = corsFix("my-bucket", "https://a.example&b");
    assert.match(fix, /<AllowedOrigin>https:\/\/a\.example&amp;b<\/AllowedOrigin>/);
    assert.match(fix, /<AllowedMethod>GET<\/AllowedMethod>\n\s*<AllowedMethod>PUT<\/AllowedMethod>/);
    assert.match(fix, /<AllowedHeader>\*<\/AllowedHeader>/);
    const command = /aws s3api put-bucket-cors --bucket my-bucket --cors-configuration '(.*)'$/m.exec(fix);
    assert.ok(command?.[1], fix);
    const rules = JSON.parse(command[1]) as { CORSRules: CorsRule[] };
    // The command's rule is one the check accepts.
    assert.deepEqual(judgeCors(rules.CORSRules, "my-bucket", "https://a.example&b"), { status: "ok" });
  });
});
