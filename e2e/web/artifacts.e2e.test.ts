/**
 * The artifact pages and the run page's Artifacts and Media tabs in Chromium, against data the real
 * `wandb` client logged (e2e/python/web_artifacts.py): a dataset artifact with two files, metadata
 * and aliases, used by a second run; images with captions at four steps, an HTML page carrying an
 * XSS payload, and a 120-row table. Also the JSON API's answers and access rules, and the headers
 * that keep user files inert in the app's origin.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { at } from "../support/api.ts";
import { runScript, setupPython } from "../support/python.ts";
import { createUser } from "../support/server.ts";
import { apiGet, apiJson, screenshot, startWebFixture, type WebFixture } from "../support/web.ts";

interface Logged {
  entity: string;
  project: string;
  producer: string;
  consumer: string;
  media: string;
  version: string;
  sizes: Record<string, number>;
}

describe("web UI: artifacts and media", () => {
  let fx: WebFixture;
  let dir: string;
  let logged: Logged;
  let bobKey: string;

  const get = (path: string, key: string | null = fx.apiKey) => apiGet(fx, path, key);
  const json = (path: string) => apiJson(fx, path);

  before(
    async () => {
      await setupPython();
      dir = await mkdtemp(join(tmpdir(), "ballast-web-artifacts-"));
      fx = await startWebFixture();
      const { result } = await runScript<Logged>(
        "web_artifacts.py",
        ["--project", "vision", "--dir", join(dir, "data")],
        {
          baseUrl: fx.url,
          apiKey: fx.apiKey,
          dir: join(dir, "client"),
        },
      );
      logged = result;
      bobKey = await createUser(fx.server.dataDir, "bob", "bob@example.com");
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await fx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const base = () => `/api/v1/artifacts/${logged.entity}/${logged.project}`;
  const runApi = (run: string) => `/api/v1/runs/${logged.entity}/${logged.project}/${run}`;

  test("the JSON API lists collections, versions, files with signed links, and lineage", async () => {
    const types = at(await json(base()), "types") as {
      name: string;
      collections: { name: string; versionCount: number }[];
    }[];
    const dataset = types.find((t) => t.name === "dataset");
    assert.deepEqual(
      dataset?.collections.map((c) => [c.name, c.versionCount]),
      [["tiny-ds", 1]],
    );

    const version = await json(`${base()}/dataset/tiny-ds/best`);
    assert.equal(at(version, "version"), "v0");
    assert.deepEqual(at(version, "aliases"), ["best", "latest", "prod"]);
    assert.equal(at(version, "createdBy", "name"), logged.producer);
    assert.deepEqual(
      (at(version, "usedBy") as { name: string }[]).map((r) => r.name),
      [logged.consumer],
    );
    assert.equal(at(version, "metadata", "rows"), 50);

    // Paged by path: one file per page here, so the cursor is exercised.
    const first = await json(`${base()}/dataset/tiny-ds/v0/files?limit=1`);
    const next = at(first, "next");
    assert.equal(next, "labels.txt");
    const second = await json(`${base()}/dataset/tiny-ds/v0/files?limit=1&after=${next}`);
    assert.equal(at(second, "next"), null);
    const file = at(second, "files", 0) as { path: string; size: number; url: string };
    assert.equal(file.path, "train.csv");
    assert.equal(file.size, logged.sizes["train.csv"]);
    const download = await fetch(file.url);
    assert.equal(download.status, 200);
    assert.match(await download.text(), /^x,y\n0,0\n/);
    assert.equal(download.headers.get("content-type"), "application/octet-stream");
    assert.equal(download.headers.get("content-security-policy"), "sandbox; default-src 'none'");
    assert.equal(download.headers.get("x-content-type-options"), "nosniff");

    const runArtifacts = await json(`${runApi(logged.consumer)}/artifacts`);
    assert.deepEqual(
      (at(runArtifacts, "used") as { collection: string }[]).map((a) => a.collection),
      ["tiny-ds"],
    );
  });

  test("media: image steps with signed PNG links, a paged table, sandboxed HTML", async () => {
    const keys = at(await json(`${runApi(logged.media)}/media`), "keys");
    assert.deepEqual(keys, [
      { key: "page", kind: "html" },
      { key: "samples", kind: "image" },
      { key: "tbl", kind: "table" },
    ]);
    const steps = at(await json(`${runApi(logged.media)}/media?key=samples`), "steps") as {
      step: number;
      items: { caption: string; url: string }[];
    }[];
    assert.deepEqual(steps.map((s) => [s.step, s.items[0]?.caption]).slice(0, 2), [
      [0, "caption for step 0"],
      [1, "caption for step 1"],
    ]);
    const image = await fetch(steps[0]?.items[0]?.url ?? "");
    assert.equal(image.headers.get("content-type"), "image/png");
    assert.equal(image.headers.get("content-security-policy"), "sandbox; default-src 'none'");

    const tableKey = at(await json(`${runApi(logged.media)}/media?key=tbl`), "steps", 0, "items", 0, "path");
    const page = await json(
      `${runApi(logged.media)}/media/table?path=${encodeURIComponent(String(tableKey))}&offset=100&limit=50`,
    );
    assert.equal(at(page, "total"), 120);
    assert.deepEqual(at(page, "rows", 19), [119, 119 * 119, "row-119"]);

    const htmlPath = at(await json(`${runApi(logged.media)}/media?key=page`), "steps", 0, "items", 0, "path");
    const html = await get(`${runApi(logged.media)}/media/html?path=${encodeURIComponent(String(htmlPath))}`);
    assert.equal(html.status, 200);
    assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(html.headers.get("content-security-policy") ?? "", /^sandbox; default-src 'none'; /);
    assert.match(await html.text(), /Hello from HTML media/);
    // Only media HTML files are served as HTML.
    const other = await get(`${runApi(logged.media)}/media/html?path=wandb-metadata.json`);
    assert.equal(other.status, 400);
  });

  test("another user cannot read the private project's artifacts or media; no credential → 401", async () => {
    for (const path of [
      base(),
      `${base()}/dataset/tiny-ds`,
      `${base()}/dataset/tiny-ds/v0`,
      `${base()}/dataset/tiny-ds/v0/files`,
      `${runApi(logged.consumer)}/artifacts`,
      `${runApi(logged.media)}/media`,
      `${runApi(logged.media)}/media?key=samples`,
    ]) {
      const denied = await get(path, bobKey);
      assert.equal(denied.status, 403, `bob: ${path}`);
      assert.equal(at(await denied.json(), "error", "code"), "PERMISSION_DENIED");
      assert.equal((await get(path, null)).status, 401, `anonymous: ${path}`);
    }
    assert.equal((await get(`${base()}/dataset/nope`)).status, 404);
    assert.equal((await get(`${base()}/model/tiny-ds`)).status, 404, "the type is part of the address");
  });

  test("artifact pages: collections by type, versions, files and lineage links", async () => {
    const { page } = fx;
    await page.goto(`${fx.url}/${logged.entity}/${logged.project}/artifacts`);
    const row = page.getByTestId("collection").filter({ hasText: "tiny-ds" });
    await row.waitFor();
    assert.deepEqual((await row.locator("td").allTextContents()).slice(0, 3), ["tiny-ds", "1", "v0"]);
    await screenshot(page, "artifacts");

    await row.getByRole("link", { name: "tiny-ds" }).click();
    const version = page.getByTestId("version");
    await version.first().waitFor();
    assert.deepEqual(await version.first().getByTestId("alias").allTextContents(), [
      "best",
      "latest",
      "prod",
    ]);
    await version.first().getByRole("link", { name: "v0" }).click();

    await page.getByTestId("artifact-file").first().waitFor();
    const rows = page.getByTestId("artifact-file");
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await rows.nth(0).locator("td").allTextContents(), [
      "labels.txt",
      `${logged.sizes["labels.txt"]} B`,
      "Download",
    ]);
    assert.deepEqual(await rows.nth(1).locator("td").allTextContents(), [
      "train.csv",
      `${logged.sizes["train.csv"]} B`,
      "Download",
    ]);
    const producer = page.getByTestId("lineage-producer").getByRole("link");
    assert.equal(
      await producer.getAttribute("href"),
      `/${logged.entity}/${logged.project}/runs/${logged.producer}`,
    );
    const consumer = page.getByTestId("lineage-consumers").getByRole("link");
    assert.equal(
      await consumer.getAttribute("href"),
      `/${logged.entity}/${logged.project}/runs/${logged.consumer}`,
    );
    // Metadata is text: the payload in it is shown, not run.
    assert.match(
      (await page.getByTestId("metadata").textContent()) ?? "",
      /"note": "<script>window\.top\.__xss=1<\/script>/,
    );
    await screenshot(page, "artifact-version");
    await consumer.click();
    await page.waitForURL(`**/runs/${logged.consumer}`);
  });

  test("media tab: image per step with caption, paged table, HTML in a script-less sandbox", async () => {
    const { page } = fx;
    let dialogs = 0;
    page.on("dialog", (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    await page.goto(`${fx.url}/${logged.entity}/${logged.project}/runs/${logged.media}?tab=media`);
    const images = page.getByRole("region", { name: "Media samples" });
    await images.getByTestId("media-caption").waitFor();
    assert.equal(await images.getByTestId("media-step").textContent(), "step 3", "the last step first");

    const slider = images.getByLabel("Step");
    await slider.fill("1");
    assert.equal(await images.getByTestId("media-step").textContent(), "step 1");
    assert.equal(await images.getByTestId("media-caption").textContent(), "caption for step 1");
    const img = images.locator("img");
    assert.match((await img.getAttribute("src")) ?? "", /^\/storage\/runs\/\d+\/files\/media\/images\//);
    await img.evaluate((el) => (el as unknown as { decode(): Promise<void> }).decode());
    assert.deepEqual(
      await img.evaluate((el) => {
        const image = el as unknown as { naturalWidth: number; naturalHeight: number; alt: string };
        return [image.naturalWidth, image.naturalHeight, image.alt];
      }),
      [16, 8, "caption for step 1"],
    );
    await slider.fill("2");
    assert.match(
      (await images.getByTestId("media-caption").textContent()) ?? "",
      /^step 2 <script>window\.top\.__xss=1<\/script>/,
    );

    const table = page.getByRole("region", { name: "Media tbl" });
    await table.getByTestId("table-range").waitFor();
    assert.equal(await table.getByTestId("table-range").textContent(), "Rows 1–50 of 120");
    await table.getByRole("button", { name: "Next" }).click();
    await table.getByText("Rows 51–100 of 120").waitFor();
    assert.deepEqual(await table.getByTestId("table-row").first().locator("td").allTextContents(), [
      "50",
      "2500",
      "row-50",
    ]);
    assert.equal(await table.getByTestId("table-row").count(), 50);

    const frame = page.getByRole("region", { name: "Media page" }).locator("iframe");
    assert.equal(await frame.getAttribute("sandbox"), "", "no sandbox permission is granted");
    await page.frameLocator("iframe.media-html").locator("#hello").waitFor();
    assert.equal(
      await page.frameLocator("iframe.media-html").locator("#hello").textContent(),
      "Hello from HTML media",
    );
    await screenshot(page, "run-media");
    // Give the payload's onerror (a failed image load) time to fire if it could.
    await page.waitForTimeout(500);
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss), undefined);
    assert.equal(dialogs, 0);
    assert.deepEqual(fx.browser.pageErrors, [], "no uncaught JavaScript error");
  });
});
