/**
 * The run page in Chromium against runs the real `wandb` client logged (e2e/python/run_page.py):
 * config, summary, tags and notes (edited and persisted), ~600 console lines with ANSI colours and
 * search, the run's files with a working download, and a live run whose new console lines appear
 * without a reload. An XSS payload in the notes, a config value and a console line stays text.
 * Also the JSON API behind it: CSRF on PATCH, access for another user, clear 400s, log paging.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { at } from "../support/api.ts";
import { killScripts, runScript, setupPython, startScript } from "../support/python.ts";
import { createUser } from "../support/server.ts";
import { basicAuth as basic, screenshot, startWebFixture, type WebFixture } from "../support/web.ts";

const XSS = '<img src=x onerror="window.__xss=1">';
const LINES = 600;

interface Logged {
  run_id: string;
  entity: string;
  project: string;
  file: { name: string; size: number; md5_b64: string };
}

describe("web UI: the run page", () => {
  let fx: WebFixture;
  let dir: string;
  let logged: Logged;
  let bobKey: string;
  const dialogs: string[] = [];

  before(
    async () => {
      await setupPython();
      dir = await mkdtemp(join(tmpdir(), "ballast-web-run-"));
      fx = await startWebFixture();
      fx.page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const { result } = await runScript<Logged>(
        "run_page.py",
        ["--project", "run-page", "--lines", String(LINES), "--xss", XSS],
        { baseUrl: fx.url, apiKey: fx.apiKey, dir: join(dir, "client") },
      );
      logged = result;
      bobKey = await createUser(fx.server.dataDir, "bob", "bob@example.com");
    },
    { timeout: 300_000 },
  );

  after(async () => {
    killScripts();
    await fx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runApi = () => `${fx.url}/api/v1/runs/${logged.entity}/${logged.project}/${logged.run_id}`;
  const runPage = () => `${fx.url}/${logged.entity}/${logged.project}/runs/${logged.run_id}`;

  /** The browser's session cookie and its CSRF token, for API calls made as the signed-in admin. */
  async function browserSession(): Promise<{ cookie: string; csrf: string }> {
    const cookies = await fx.page.context().cookies(fx.url);
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    const session = await fetch(`${fx.url}/api/v1/session`, { headers: { cookie } });
    const csrf = at(await session.json(), "csrfToken");
    assert.equal(typeof csrf, "string");
    return { cookie, csrf: csrf as string };
  }

  test("the JSON API: overview, log pages, files, CSRF, access and clear 400s", async () => {
    const admin = { authorization: basic(fx.apiKey) };
    const overview = await fetch(runApi(), { headers: admin });
    assert.equal(overview.status, 200);
    const body = (await overview.json()) as Record<string, unknown>;
    assert.equal(body.state, "finished");
    assert.equal(at(body, "config", "payload"), XSS);
    assert.equal(at(body, "config", "model", "name"), "mlp");
    assert.equal(at(body, "summary", "best_acc"), 0.95);
    assert.deepEqual(body.tags, ["baseline", "gpu"]);
    assert.equal(body.notes, XSS);
    assert.match(String(body.python), /^CPython 3\./);
    assert.ok(Array.isArray(body.args) && body.args.includes("--lines"), JSON.stringify(body.args));
    assert.equal(body.canWrite, true);

    // Console lines are paged by line number; `after` is exclusive.
    const page = await (await fetch(`${runApi()}/logs?limit=2`, { headers: admin })).json();
    assert.equal(at(page, "lines", 0, "line"), 0);
    assert.ok(String(at(page, "lines", 0, "text")).endsWith("\x1b[31mred line\x1b[0m and plain"));
    assert.equal(at(page, "next"), 1);
    assert.equal(at(page, "more"), true);
    const nextPage = await (await fetch(`${runApi()}/logs?limit=2&after=1`, { headers: admin })).json();
    assert.equal(at(nextPage, "lines", 0, "line"), 2);
    const all = await (await fetch(`${runApi()}/logs?limit=5000`, { headers: admin })).json();
    const texts = (at(all, "lines") as { text: string }[]).map((l) => l.text);
    assert.ok(texts.length > LINES, `${texts.length} lines`);
    assert.equal(at(all, "more"), false);
    assert.ok(texts.some((t) => t.endsWith("needle in the haystack")));

    // Files, and a signed link that downloads the saved bytes.
    const files = (await (await fetch(`${runApi()}/files`, { headers: admin })).json()) as {
      files: { name: string; size: number; md5: string }[];
    };
    const saved = files.files.find((f) => f.name === logged.file.name);
    assert.deepEqual(saved && [saved.size, saved.md5], [logged.file.size, logged.file.md5_b64]);
    const link = await fetch(`${runApi()}/files/url?name=${encodeURIComponent(logged.file.name)}`, {
      headers: admin,
    });
    const download = await fetch(String(at(await link.json(), "url")));
    assert.equal(await download.text(), "id,label\n1,cat\n2,dog\n");

    // Anonymous: 401. Bob is not a member of the admin's entity: every read and the edit refused.
    assert.equal((await fetch(runApi())).status, 401);
    const bob = { authorization: basic(bobKey) };
    for (const path of ["", "/logs", "/files", `/files/url?name=${logged.file.name}`]) {
      const response = await fetch(`${runApi()}${path}`, { headers: bob });
      assert.equal(response.status, 403, `bob GET ${path}`);
      assert.equal(at(await response.json(), "error", "code"), "PERMISSION_DENIED");
    }
    const bobPatch = await fetch(runApi(), {
      method: "PATCH",
      headers: { ...bob, "content-type": "application/json" },
      body: JSON.stringify({ notes: "bob was here" }),
    });
    assert.equal(bobPatch.status, 403);

    // The browser's cookie alone cannot edit: the CSRF token must come with it.
    const { cookie, csrf } = await browserSession();
    const patch = (headers: Record<string, string>, payload: unknown) =>
      fetch(runApi(), {
        method: "PATCH",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: JSON.stringify(payload),
      });
    const noToken = await patch({}, { notes: "no token" });
    assert.equal(noToken.status, 403);
    assert.equal(at(await noToken.json(), "error", "code"), "CSRF_TOKEN_INVALID");
    const edited = await patch({ "x-csrf-token": csrf }, { tags: [" baseline ", "api", "api"] });
    assert.equal(edited.status, 200);
    assert.deepEqual(at(await edited.json(), "tags"), ["baseline", "api"]);

    // Bad input: a clear 400 naming the problem.
    for (const [payload, pattern] of [
      [{ tags: "gpu" }, /tags.*list of strings/],
      [{ tags: ["x".repeat(65)] }, /tag must be 1 to 64/],
      [{ notes: 5 }, /notes.*string/],
      [{ displayName: "   " }, /displayName/],
      [{ state: "finished" }, /Unknown field "state"/],
      [["not", "an", "object"], /JSON object/],
    ] as const) {
      const response = await patch({ "x-csrf-token": csrf }, payload);
      const text = await response.text();
      assert.equal(response.status, 400, `${JSON.stringify(payload)}: ${text}`);
      assert.match(String(at(JSON.parse(text), "error", "message")), pattern);
    }
    const badLimit = await fetch(`${runApi()}/logs?limit=0`, { headers: admin });
    assert.equal(badLimit.status, 400);
    const missing = await fetch(`${runApi()}-nope`, { headers: admin });
    assert.equal(at(await missing.json(), "error", "code"), "RUN_NOT_FOUND");
    // Put the tags back for the browser test.
    assert.equal((await patch({ "x-csrf-token": csrf }, { tags: ["baseline", "gpu"] })).status, 200);
  });

  test("overview: values as text, tags and notes edited and kept after a reload", async () => {
    const { page } = fx;
    await page.goto(runPage());
    await page.getByRole("heading", { level: 1 }).waitFor();
    assert.match(await page.title(), new RegExp(`${logged.project} · Ballast$`));
    const breadcrumb = page.getByRole("navigation", { name: "Breadcrumb" });
    assert.equal(((await breadcrumb.textContent()) ?? "").split("/").length, 3);

    const config = page.getByRole("table", { name: "Config" });
    assert.equal(
      await config
        .getByRole("row", { name: /^payload/ })
        .locator("td")
        .textContent(),
      XSS,
    );
    assert.equal(
      await config
        .getByRole("row", { name: /^model\.name/ })
        .locator("td")
        .textContent(),
      "mlp",
    );
    assert.equal(await config.getByRole("row", { name: /^lr/ }).locator("td").textContent(), "0.001");
    const summary = page.getByRole("table", { name: "Summary" });
    assert.equal(
      await summary
        .getByRole("row", { name: /^best_acc/ })
        .locator("td")
        .textContent(),
      "0.95",
    );
    assert.equal(
      await summary
        .getByRole("row", { name: /^note / })
        .locator("td")
        .textContent(),
      "summary text",
    );
    assert.equal(await page.getByTestId("run-notes").textContent(), XSS);
    assert.match(String(await page.getByTestId("about-python").textContent()), /CPython 3\./);
    assert.match(
      String(await page.getByTestId("about-command").textContent()),
      /run_page\.py --project run-page/,
    );
    assert.equal(await page.getByTestId("run-state").textContent(), "finished");

    await page.getByLabel("Add tags").fill("best, <b>bold</b>");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByTestId("run-tag").filter({ hasText: "best" }).waitFor();
    await page.getByRole("button", { name: "Remove tag gpu" }).click();
    await page.getByRole("button", { name: "Remove tag gpu" }).waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Edit notes" }).click();
    await page.getByLabel("Notes").fill(`Edited in the browser\n${XSS}`);
    await page.getByRole("button", { name: "Save notes" }).click();
    await page.getByRole("button", { name: "Edit notes" }).waitFor();

    await page.reload();
    await page.getByTestId("run-notes").waitFor();
    assert.deepEqual(await page.getByTestId("run-tag").locator("span").allTextContents(), [
      "baseline",
      "best",
      "<b>bold</b>",
    ]);
    assert.equal(await page.getByTestId("run-notes").textContent(), `Edited in the browser\n${XSS}`);
    await screenshot(page, "run-overview");
  });

  test("logs: every line, the red span coloured, search with next/previous", async () => {
    const { page } = fx;
    await page.goto(`${runPage()}?tab=logs`);
    const status = page.getByTestId("log-status");
    // The status line counts the lines loaded ("1,234 lines") once loading is done.
    await status.filter({ hasNotText: "Loading" }).filter({ hasText: "lines" }).waitFor();
    const count = Number(
      /^([\d,]+) lines/.exec(String(await status.textContent()))?.[1]?.replaceAll(",", ""),
    );
    assert.ok(count > LINES, `${count} lines loaded`);
    // Virtualized: the DOM holds the rows in view, not all of them.
    const rendered = await page.getByTestId("log-line").count();
    assert.ok(rendered > 10 && rendered < 200, `${rendered} rows rendered`);

    const red = page.getByTestId("log-line").first().locator("span.ansi-fg-1");
    assert.equal(await red.textContent(), "red line");
    assert.equal(
      await red.evaluate((el) => {
        const view = globalThis as unknown as { getComputedStyle(e: unknown): { color: string } };
        return view.getComputedStyle(el).color;
      }),
      "rgb(255, 123, 114)",
    );
    const plainRest = page.getByTestId("log-line").first().locator(".log-text");
    assert.equal(await plainRest.textContent(), "red line and plain");
    const xssLine = page.getByTestId("log-line").filter({ hasText: "onerror" });
    assert.equal(await xssLine.locator(".log-text").textContent(), XSS);

    const search = page.getByLabel("Search the logs", { exact: true }).and(page.locator("input"));
    await search.fill("NEEDLE in the");
    await search.press("Enter");
    const current = page.locator("mark.log-match.current");
    await current.waitFor();
    assert.equal(await current.textContent(), "needle in the");
    assert.equal(await page.getByTestId("match-count").textContent(), "1 of 1");

    await search.fill("line 01");
    await search.press("Enter");
    await page
      .getByTestId("match-count")
      .filter({ hasText: /^1 of 100$/ })
      .waitFor();
    assert.match(String(await current.textContent()), /^line 01$/);
    assert.match(
      String(await current.locator("xpath=ancestor::*[@data-testid='log-line']").textContent()),
      /line 0100 of/,
    );
    await page.getByRole("button", { name: "Previous match" }).click();
    await page
      .getByTestId("match-count")
      .filter({ hasText: /^100 of 100$/ })
      .waitFor();
    assert.match(
      String(await current.locator("xpath=ancestor::*[@data-testid='log-line']").textContent()),
      /line 0199 of/,
    );
    await page.getByRole("button", { name: "Next match" }).click();
    await page
      .getByTestId("match-count")
      .filter({ hasText: /^1 of 100$/ })
      .waitFor();
    await screenshot(page, "run-logs");
  });

  test("files: the tree with sizes, and a download of the saved file", async () => {
    const { page } = fx;
    await page.goto(runPage());
    await page.getByRole("tab", { name: "Files" }).click();
    const outputs = page.getByRole("button", { name: /outputs\// });
    await outputs.click();
    const row = page.locator(`[data-testid="file-row"][data-path="${logged.file.name}"]`);
    assert.match(String(await row.textContent()), new RegExp(`predictions\\.csv\\s*${logged.file.size} B`));
    assert.ok(await page.locator('[data-testid="file-row"][data-path="wandb-metadata.json"]').count());
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: `Download ${logged.file.name}` }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "predictions.csv");
    const path = await download.path();
    const { readFile } = await import("node:fs/promises");
    assert.equal(await readFile(path, "utf8"), "id,label\n1,cat\n2,dog\n");
    await screenshot(page, "run-files");
  });

  test("a live run's new console lines appear without a reload", { timeout: 120_000 }, async () => {
    const { page } = fx;
    const stop = join(dir, "stop-live");
    const script = await startScript<{ run_id: string; lines: number }>(
      "run_page.py",
      ["--project", "run-page", "--live", stop],
      { baseUrl: fx.url, apiKey: fx.apiKey, dir: join(dir, "live-client") },
    );
    const runId = await new Promise<string>((resolve) =>
      script.onLine((line) => {
        const match = /^STARTED (\S+)/.exec(line);
        if (match?.[1]) resolve(match[1]);
      }),
    );
    try {
      await page.goto(`${fx.url}/${logged.entity}/run-page/runs/${runId}?tab=logs`);
      await page.getByTestId("run-state").filter({ hasText: "running" }).waitFor();
      const newest = async () =>
        Math.max(
          -1,
          ...(await page.getByTestId("log-line").allTextContents()).map((t) =>
            Number(/live line (\d+)/.exec(t)?.[1] ?? -1),
          ),
        );
      await page
        .getByTestId("log-line")
        .filter({ hasText: /live line \d+/ })
        .first()
        .waitFor({ timeout: 30_000 });
      const first = await newest();
      const url = page.url();
      // The page follows: a later line shows up while the page stays loaded (no navigation).
      const deadline = Date.now() + 30_000;
      while ((await newest()) < first + 5) {
        assert.ok(Date.now() < deadline, `no line after live line ${first} appeared within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.equal(page.url(), url);
      assert.ok((await newest()) >= first + 5);
    } finally {
      await writeFile(stop, "");
    }
    const { result } = await script.done;
    // The state follows too, and the last lines arrive after the run ends.
    await page.getByTestId("run-state").filter({ hasText: "finished" }).waitFor({ timeout: 30_000 });
    await page
      .getByTestId("log-line")
      .filter({ hasText: `live line ${result.lines - 1}` })
      .waitFor({ timeout: 15_000 });
  });

  test("nothing user-supplied ran as script", async () => {
    const { page } = fx;
    await page.goto(runPage());
    await page.getByTestId("run-notes").waitFor();
    await page.getByRole("tab", { name: "Logs" }).click();
    await page.getByTestId("log-line").filter({ hasText: "onerror" }).waitFor();
    assert.equal(await page.evaluate("typeof window.__xss"), "undefined");
    assert.deepEqual(dialogs, []);
    assert.deepEqual(fx.browser.pageErrors, [], "no uncaught JavaScript error");
  });
});
