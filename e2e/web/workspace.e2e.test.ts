/**
 * The project workspace in Chromium and its JSON API, against runs the real `wandb` client logged
 * (e2e/python/web_workspace.py): four runs with distinct lr/batch/loss, one named with an XSS
 * payload. The table lists them, sorts by summary.loss and filters by config.lr on the server,
 * groups by config.batch, keeps a picked column across a reload, and renders the payload as text.
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
  runs: { id: string; name: string; lr: number; batch: number; loss: number }[];
}

const XSS = '<img src=x onerror="window.__xss=1">';

describe("web UI: workspace", () => {
  let fx: WebFixture;
  let dir: string;
  let logged: Logged;
  let bobKey: string;

  const get = (path: string, key: string | null = fx.apiKey) => apiGet(fx, path, key);
  const json = (path: string) => apiJson(fx, path);
  const base = () => `/api/v1/projects/${logged.entity}/${logged.project}`;
  const names = (body: unknown) => (at(body, "runs") as { displayName: string }[]).map((r) => r.displayName);
  const byLoss = () => [...logged.runs].sort((a, b) => a.loss - b.loss).map((r) => r.name);

  before(
    async () => {
      await setupPython();
      dir = await mkdtemp(join(tmpdir(), "ballast-web-workspace-"));
      fx = await startWebFixture();
      const { result } = await runScript<Logged>("web_workspace.py", ["--project", "sweep-lr"], {
        baseUrl: fx.url,
        apiKey: fx.apiKey,
        dir: join(dir, "client"),
      });
      logged = result;
      bobKey = await createUser(fx.server.dataDir, "bob", "bob@example.com");
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await fx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("the runs API orders, filters and pages on the server, with only the asked-for columns", async () => {
    const sorted = await json(`${base()}/runs?order=%2Bsummary.loss&column=config.lr&column=summary.loss`);
    assert.equal(at(sorted, "total"), 4);
    assert.deepEqual(names(sorted), byLoss());
    const first = at(sorted, "runs", 0) as Record<string, unknown>;
    assert.deepEqual(first.values, { "config.lr": 0.001, "summary.loss": 0.2 });
    assert.equal(first.state, "finished");
    assert.equal(first.user, "admin");
    assert.deepEqual(first.tags, ["best"]);
    assert.match(String(first.createdAt), /^\d{4}-\d\d-\d\dT/);

    const filter = (f: unknown) =>
      `${base()}/runs?order=-summary.loss&filters=${encodeURIComponent(JSON.stringify(f))}`;
    const fast = await json(filter({ $and: [{ "config.lr": { $gt: 0.02 } }] }));
    assert.equal(at(fast, "total"), 2);
    assert.deepEqual(names(fast), ["alpha", XSS]);
    assert.deepEqual(names(await json(filter({ "config.batch": { $in: [64] } }))), [XSS, "bravo"]);
    assert.deepEqual(names(await json(filter({ tags: { $in: ["best"] } }))), ["charlie"]);
    assert.deepEqual(
      names(await json(filter({ "config.optimizer.name": "adam", displayName: { $regex: "^b" } }))),
      ["bravo"],
    );

    const window = await json(`${base()}/runs?order=%2Bsummary.loss&offset=1&limit=2`);
    assert.equal(at(window, "total"), 4);
    assert.equal(at(window, "offset"), 1);
    assert.deepEqual(names(window), byLoss().slice(1, 3));
    assert.deepEqual(at(window, "runs", 0, "values"), {}, "no columns asked for, none sent");
  });

  test("keys for the column picker, groups with counts, recent runs", async () => {
    const keys = (await json(`${base()}/run-keys`)) as { config: string[]; summary: string[] };
    for (const key of ["config.lr", "config.batch", "config.optimizer.name", "config.optimizer.beta1"])
      assert.ok(keys.config.includes(key), `${key} in ${keys.config}`);
    assert.ok(
      keys.summary.includes("summary.loss") && keys.summary.includes("summary.acc"),
      String(keys.summary),
    );
    assert.ok(!keys.config.some((k) => k.startsWith("config._wandb")), "the client's own config is hidden");

    const groups = await json(`${base()}/run-groups?by=config.batch`);
    assert.deepEqual(at(groups, "groups"), [
      { value: 32, count: 2 },
      { value: 64, count: 2 },
    ]);
    const filtered = await json(
      `${base()}/run-groups?by=state&filters=${encodeURIComponent('{"config.lr": {"$lt": 0.02}}')}`,
    );
    assert.deepEqual(at(filtered, "groups"), [{ value: "finished", count: 2 }]);

    const recent = (await json("/api/v1/recent-runs?limit=3")) as {
      runs: { project: string; displayName: string }[];
    };
    assert.equal(recent.runs.length, 3);
    assert.deepEqual(
      recent.runs.map((r) => r.displayName),
      [XSS, "charlie", "bravo"],
      "newest first",
    );
    assert.ok(recent.runs.every((r) => r.project === logged.project));
  });

  test("bad queries are 400s; other users and anonymous callers read nothing", async () => {
    for (const query of [
      `filters=${encodeURIComponent('{"config.lr": {"$bogus": 1}}')}`,
      "filters=not-json",
      "order=%2Btags",
      "limit=0",
      "limit=501",
      "offset=-1",
      "column=loss",
    ]) {
      const response = await get(`${base()}/runs?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(at(await response.json(), "error", "code"), "INVALID_ARGUMENT", query);
    }
    assert.equal((await get(`${base()}/run-groups?by=tags`)).status, 400);
    for (const path of [`${base()}/runs`, `${base()}/run-keys`, `${base()}/run-groups?by=state`]) {
      const bob = await get(path, bobKey);
      assert.ok(bob.status === 403 || bob.status === 404, `bob ${path}: ${bob.status}`);
      const text = await bob.text();
      assert.ok(!text.includes("alpha") && !text.includes("config.lr"), text);
      assert.equal((await get(path, null)).status, 401, `anonymous ${path}`);
    }
    assert.deepEqual(at(await json2(get("/api/v1/recent-runs", bobKey)), "runs"), []);
  });

  test("in Chromium: list, sort, filter, group, pick a column; the XSS name stays text", async () => {
    const { page } = fx;
    let dialogs = 0;
    page.on("dialog", (dialog) => {
      dialogs++;
      void dialog.dismiss();
    });
    await page.goto(`${fx.url}/`);
    await page.getByRole("link", { name: logged.project }).first().click();
    await page.waitForURL(`${fx.url}/${logged.entity}/${logged.project}`);
    const rows = page.locator('[data-testid="run-row"]');
    const shownNames = () => page.locator('[data-testid="run-row"] [data-column="name"]').allTextContents();
    await rows.nth(3).waitFor();
    assert.deepEqual([...(await shownNames())].sort(), logged.runs.map((r) => r.name).sort());
    // The first runs are selected by default (all four here), each with a checked box.
    await page.getByTestId("runs-summary").getByText("4 runs · 4 selected").waitFor();
    assert.equal(await page.locator('[data-testid="run-row"] input[type="checkbox"]:checked').count(), 4);

    // Sort by summary.loss: ascending, then descending.
    const lossHeader = page.locator('th[data-column="summary.loss"] button');
    await lossHeader.click();
    await page.locator('th[data-column="summary.loss"][aria-sort="ascending"]').waitFor();
    await waitFor(async () => JSON.stringify(await shownNames()) === JSON.stringify(byLoss()));
    await lossHeader.click();
    await waitFor(async () => JSON.stringify(await shownNames()) === JSON.stringify(byLoss().reverse()));
    const lossCells = await page
      .locator('[data-testid="run-row"] [data-column="summary.loss"]')
      .allTextContents();
    assert.deepEqual(lossCells, ["0.9", "0.6", "0.4", "0.2"]);

    // Filter config.lr > 0.02.
    await page.getByRole("button", { name: "Add filter" }).click();
    await page.getByLabel("Filter field").fill("config.lr");
    await page.getByLabel("Filter operator").selectOption("$gt");
    await page.getByLabel("Filter value").fill("0.02");
    await page.getByTestId("runs-summary").getByText("2 runs").waitFor();
    await waitFor(async () => JSON.stringify(await shownNames()) === JSON.stringify(["alpha", XSS]));
    await page.getByRole("button", { name: "Remove filter" }).click();
    await page.getByTestId("runs-summary").getByText("4 runs").waitFor();

    // Group by config.batch: two collapsed groups with counts; expanding one shows its runs.
    await page.getByLabel("Group by").selectOption("config.batch");
    const headers = page.getByTestId("group-header");
    await headers.nth(1).waitFor();
    assert.deepEqual(await headers.allTextContents(), ["▸ config.batch: 32 (2)", "▸ config.batch: 64 (2)"]);
    assert.equal(await rows.count(), 0, "groups start collapsed");
    await headers.first().click();
    await waitFor(async () => JSON.stringify(await shownNames()) === JSON.stringify(["alpha", "charlie"]));
    await page.getByLabel("Group by").selectOption("");

    // Pick a column; it stays picked after a reload (localStorage, per project).
    await page.getByText(/^Columns \(/).click();
    await page.getByRole("checkbox", { name: "Job type" }).check();
    await page.locator('th[data-column="jobType"]').waitFor();
    await page.reload();
    await page.locator('th[data-column="jobType"]').waitFor();
    await rows.nth(3).waitFor();
    await screenshot(page, "workspace");

    // The payload is the run's name, shown as text; nothing ran.
    const xssRow = page.locator(`[data-testid="run-row"][data-run="${logged.runs[3]?.id}"]`);
    assert.equal(await xssRow.locator('[data-column="name"]').textContent(), XSS);
    assert.equal(await page.locator('.runs-table img[src="x"]').count(), 0);
    assert.equal(await page.evaluate("typeof window.__xss"), "undefined");
    assert.equal(dialogs, 0);
    // Run names link to the run page.
    assert.equal(
      await xssRow.locator("a").getAttribute("href"),
      `/${logged.entity}/${logged.project}/runs/${logged.runs[3]?.id}`,
    );
  });
});

async function json2(response: Promise<Response>): Promise<unknown> {
  const r = await response;
  assert.equal(r.status, 200);
  return r.json();
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the table");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
