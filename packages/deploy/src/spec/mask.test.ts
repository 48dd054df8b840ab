import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MASK, maskText, maskValues, secretStrings } from "./mask.ts";

const values = {
  global: {
    license: "eyJhbGciOi.license",
    bucket: {
      accessKey: "AKIAEXAMPLE",
      secretKey: "wJalrXUtnFEMI",
      name: "b",
      secret: { secretName: "bucket-secret", accessKeyName: "ACCESS_KEY" },
    },
    mysql: {
      host: "db",
      password: "hunter22",
      passwordSecret: { name: "db-secret", passwordKey: "MYSQL_PASSWORD" },
    },
    redis: { host: "redis://:r3dispass@redis:6379" },
    auth: { oidc: { clientId: "ballast", secret: "oidc-shh" } },
    ldap: { bindPW: "ldap-pw" },
    email: { smtp: { password: "smtp-pw" } },
    extraEnv: { MY_TOKEN: "tok123", PLAIN: "visible" },
  },
};

describe("masking", () => {
  it("masks every credential the W&B operator leaks (secretKey, URL passwords) and the ones it masks", () => {
    const masked = JSON.stringify(maskValues(values));
    for (const secret of [
      "eyJhbGciOi.license",
      "AKIAEXAMPLE",
      "wJalrXUtnFEMI",
      "hunter22",
      "r3dispass",
      "oidc-shh",
      "ldap-pw",
      "smtp-pw",
      "tok123",
    ]) {
      assert.ok(!masked.includes(secret), `${secret} leaked: ${masked}`);
    }
    assert.ok(masked.includes(MASK));
  });

  it("keeps what only names where a secret lives, and ordinary values", () => {
    const masked = maskValues(values) as typeof values;
    assert.equal(masked.global.bucket.secret.secretName, "bucket-secret");
    assert.equal(masked.global.bucket.secret.accessKeyName, "ACCESS_KEY");
    assert.equal(masked.global.mysql.passwordSecret.name, "db-secret");
    assert.equal(masked.global.bucket.name, "b");
    assert.equal(masked.global.extraEnv.PLAIN, "visible");
    assert.equal(masked.global.auth.oidc.clientId, "ballast");
    assert.equal(masked.global.redis.host, `redis://:${MASK}@redis:6379`);
  });

  it("scrubs known secrets and URL credentials out of free text (helm's errors)", () => {
    const text = 'Error: render: MYSQL=mysql://wandb:hunter22@db:3306/wandb and key "wJalrXUtnFEMI"';
    const scrubbed = maskText(text, secretStrings(values));
    assert.ok(!scrubbed.includes("hunter22") && !scrubbed.includes("wJalrXUtnFEMI"), scrubbed);
    assert.match(scrubbed, /mysql:\/\/wandb:\*{8}@db:3306/);
  });
});
