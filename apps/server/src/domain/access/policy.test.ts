/** The policy table, cell by cell: role (or none) × account kind × action. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MemberRole, UserRecord } from "../../stores/records.ts";
import { type Action, allows } from "./policy.ts";

type Who = Pick<UserRecord, "isAdmin" | "accountType">;
const person: Who = { isAdmin: false, accountType: "user" };
const instanceAdmin: Who = { isAdmin: true, accountType: "user" };
const service: Who = { isAdmin: false, accountType: "service" };

// [who, role in the entity, read, write, manage]
const TABLE: [string, Who, MemberRole | undefined, boolean, boolean, boolean][] = [
  ["team admin", person, "admin", true, true, true],
  ["member", person, "member", true, true, false],
  ["viewer", person, "viewer", true, false, false],
  ["outsider", person, undefined, false, false, false],
  ["instance admin, not a member", instanceAdmin, undefined, true, false, true],
  ["instance admin, viewer", instanceAdmin, "viewer", true, false, true],
  ["instance admin, member", instanceAdmin, "member", true, true, true],
  ["service account, member", service, "member", true, true, false],
  ["service account, viewer", service, "viewer", true, false, false],
  ["service account, admin (never granted, still no manage)", service, "admin", true, true, false],
  ["service account, outsider", service, undefined, false, false, false],
];

describe("policy table", () => {
  for (const [label, user, role, read, write, manage] of TABLE) {
    it(label, () => {
      const expected: Record<Action, boolean> = { read, write, manage };
      for (const action of ["read", "write", "manage"] as const) {
        assert.equal(allows(user, role, action), expected[action], `${label}: ${action}`);
      }
    });
  }
});
