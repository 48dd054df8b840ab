/** The pure parts of the mail domain: links, message texts, the error mapping and the request limit. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "@ballast/core";
import { isLinkToken, linkTokenHash, linkUrl, newLinkToken } from "./email-link.ts";
import { parseInvitedRole } from "./invitation.service.ts";
import { invitationMessage, passwordResetMessage } from "./mail-messages.ts";
import { mailError, senderAddress } from "./mailer.ts";
import { RequestLimiter } from "./request-limiter.ts";

describe("email links", () => {
  it("are 32 random bytes in base64url, stored as their SHA-256", () => {
    const a = newLinkToken();
    const b = newLinkToken();
    assert.ok(isLinkToken(a.token));
    assert.notEqual(a.token, b.token);
    assert.equal(a.hash, linkTokenHash(a.token));
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal(isLinkToken("short"), false);
    assert.equal(isLinkToken(`${a.token}/`), false);
    assert.equal(linkUrl("https://b.example.com/w", "invite", "T"), "https://b.example.com/w/invite/T");
  });
});

describe("mail messages", () => {
  it("name the inviter, team and role and carry the absolute link on its own line", () => {
    const message = invitationMessage({
      to: "x@example.com",
      link: "https://b.example.com/invite/T",
      inviter: "alice",
      team: "vision",
      role: "viewer",
      expiresAt: Date.UTC(2030, 0, 2),
    });
    assert.equal(message.subject, "You are invited to join vision on Ballast");
    assert.match(message.text, /^alice has invited you to the team vision on Ballast \(as viewer\)\./);
    assert.ok(message.text.split("\n").includes("https://b.example.com/invite/T"));
    assert.match(message.text, /Wed, 02 Jan 2030/);
    const instance = invitationMessage({
      ...message,
      link: "L",
      inviter: null,
      team: null,
      role: "member",
      expiresAt: 0,
    });
    assert.match(instance.text, /^You have been invited to Ballast\./);
    const reset = passwordResetMessage({
      to: "x@example.com",
      username: "bob",
      link: "https://h/reset-password/T",
    });
    assert.ok(reset.text.split("\n").includes("https://h/reset-password/T"));
    assert.match(reset.text, /user bob/);
  });

  it("come from SMTP_FROM, else noreply at the public host", () => {
    assert.equal(senderAddress("ops@example.com", "https://b.example.com"), "ops@example.com");
    assert.equal(senderAddress(undefined, "https://b.example.com:8443/x"), "Ballast <noreply@b.example.com>");
  });
});

describe("mailError", () => {
  const as = (error: unknown) => mailError(error, "smtp:25", "x@example.com");
  it("makes faults that may clear by themselves UNAVAILABLE (503), never a 4xx", () => {
    for (const error of [
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNECTION" }),
      Object.assign(new Error("timeout"), { code: "ETIMEDOUT" }),
      Object.assign(new Error("busy"), { code: "EENVELOPE", responseCode: 451, command: "RCPT TO" }),
      Object.assign(new Error("bad login"), { code: "EAUTH", responseCode: 535 }),
      Object.assign(new Error("later"), { code: "EMESSAGE", responseCode: 554 }),
      "not even an error",
    ]) {
      const mapped = as(error);
      assert.ok(mapped instanceof AppError);
      assert.equal(mapped.code, "UNAVAILABLE", String(error));
      assert.equal(mapped.status, 503);
    }
    assert.match(as(Object.assign(new Error(), { code: "EAUTH", responseCode: 535 })).message, /SMTP_USER/);
  });

  it("makes a recipient refused outright INVALID_ARGUMENT naming the address", () => {
    const mapped = as(
      Object.assign(new Error("no such user"), { code: "EENVELOPE", responseCode: 550, command: "RCPT TO" }),
    );
    assert.equal(mapped.code, "INVALID_ARGUMENT");
    assert.match(mapped.message, /x@example\.com.*550/);
  });
});

describe("parseInvitedRole", () => {
  it("defaults to member, takes the three roles for a team, only member without one", () => {
    assert.equal(parseInvitedRole(undefined, undefined), "member");
    assert.equal(parseInvitedRole("viewer", "t"), "viewer");
    assert.equal(parseInvitedRole("admin", "t"), "admin");
    assert.throws(() => parseInvitedRole("owner", "t"), /role must be one of/);
    assert.throws(() => parseInvitedRole("admin", undefined), /needs a team/);
  });
});

describe("RequestLimiter", () => {
  const limits = { perEmail: 2, perAddress: 3, windowMs: 1000, maxKeys: 100 };
  it("refuses past the per-email limit until the oldest request leaves the window", () => {
    const limiter = new RequestLimiter(limits);
    limiter.take("a@x", "1.1.1.1", 0);
    limiter.take("a@x", "1.1.1.2", 100);
    assert.throws(
      () => limiter.take("a@x", "1.1.1.3", 200),
      (error: AppError) => error.code === "TOO_MANY_ATTEMPTS" && error.details?.retryAfterSeconds === 1,
    );
    limiter.take("a@x", "1.1.1.3", 1000);
  });

  it("refuses past the per-address limit whatever the emails", () => {
    const limiter = new RequestLimiter(limits);
    limiter.take("a@x", "9.9.9.9", 0);
    limiter.take("b@x", "9.9.9.9", 0);
    limiter.take("c@x", "9.9.9.9", 0);
    assert.throws(() => limiter.take("d@x", "9.9.9.9", 10), /Too many password reset requests/);
    // The refused request was not counted against d@x.
    limiter.take("d@x", "8.8.8.8", 10);
    limiter.take("d@x", "8.8.8.8", 10);
  });
});
