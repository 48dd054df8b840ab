import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BadNotice, createdKeys } from "./bucket-events.ts";

const event = (records: unknown[]) => JSON.stringify({ Records: records });
const created = (bucket: string, key: string, eventName = "ObjectCreated:Put") => ({
  eventName,
  s3: { bucket: { name: bucket }, object: { key, size: 1 } },
});

describe("createdKeys", () => {
  it("reads S3 and MinIO ObjectCreated records, decoding keys and keeping those under the prefix", () => {
    const body = event([
      created("b", "p/q/runs/1/files/my+file%C3%A9.txt"),
      created("b", "p/q/artifacts/2/objects/ab/x", "s3:ObjectCreated:CompleteMultipartUpload"),
      created("b", "other/runs/1/files/x"),
      created("not-ours", "p/q/runs/1/files/y"),
      { ...created("b", "p/q/runs/1/files/z"), eventName: "ObjectRemoved:Delete" },
    ]);
    assert.deepEqual(createdKeys(body, "b", "p/q"), [
      "runs/1/files/my fileé.txt",
      "artifacts/2/objects/ab/x",
    ]);
    assert.deepEqual(createdKeys(event([created("b", "runs/1/files/a")]), "b", ""), ["runs/1/files/a"]);
  });

  it("unwraps SNS notifications and drops S3's test event", () => {
    const sns = JSON.stringify({ Type: "Notification", Message: event([created("b", "runs/3/files/f")]) });
    assert.deepEqual(createdKeys(sns, "b", ""), ["runs/3/files/f"]);
    assert.deepEqual(createdKeys(JSON.stringify({ Event: "s3:TestEvent", Bucket: "b" }), "b", ""), []);
  });

  it("refuses what is not an S3 event, so it can be dead-lettered", () => {
    for (const body of [
      "not json",
      "{}",
      JSON.stringify({ Records: [{ eventName: "ObjectCreated:Put" }] }),
    ]) {
      assert.throws(() => createdKeys(body, "b", ""), BadNotice, body);
    }
  });
});
