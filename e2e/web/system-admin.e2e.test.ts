/**
 * `/system-admin` in a real browser (Debian's Chromium) against a real server and MinIO: the admin
 * reaches it from the user menu, sees the overview, is told exactly why a bucket it cannot reach
 * is refused, then switches the file storage to the bucket and sees it applied.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Minio, startMinio } from "../support/minio.ts";
import { screenshot, startWebFixture, type WebFixture } from "../support/web.ts";

describe("web UI: system admin", () => {
  let fx: WebFixture;
  let minio: Minio;

  before(
    async () => {
      minio = await startMinio();
      fx = await startWebFixture();
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await fx?.close();
    await minio?.dispose();
  });

  test("shows the overview and switches the file storage to a bucket it checked", {
    timeout: 120_000,
  }, async () => {
    const { page } = fx;
    await page.getByRole("button", { name: "admin" }).click();
    await page.getByRole("menuitem", { name: "System admin" }).click();
    await page.getByRole("heading", { name: "System admin" }).waitFor();
    const overview = page.getByRole("table", { name: "Instance overview" });
    assert.match((await overview.textContent()) ?? "", /File storage\s*local disk — default/);
    assert.match((await overview.textContent()) ?? "", /Database\s*the SQLite database/);

    const host = new URL(minio.endpoint).host;
    const form = page.getByRole("form", { name: "File storage" });
    await form
      .getByLabel("Bucket")
      .fill(`s3://${minio.accessKeyId}:not-the-secret@${host}/${minio.bucket}/ui`);
    await form.getByLabel("Region").fill(minio.region);
    await form.getByRole("button", { name: "Check and save" }).click();
    const alert = form.getByRole("alert");
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? "", /The bucket cannot be reached with these settings/);
    assert.doesNotMatch((await alert.textContent()) ?? "", /not-the-secret/);

    await form
      .getByLabel("Bucket")
      .fill(`s3://${minio.accessKeyId}:${minio.secretAccessKey}@${host}/${minio.bucket}/ui`);
    await form.getByRole("button", { name: "Check and save" }).click();
    await form.getByRole("status").waitFor();
    await page.getByText(/S3 bucket s3:\/\/.*:\*\*\*@.*set here/).waitFor();
    assert.doesNotMatch(await page.content(), new RegExp(minio.secretAccessKey));
    await screenshot(page, "system-admin");
  });
});
