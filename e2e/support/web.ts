/**
 * The shared setting of the web UI's browser tests: today's web sources built, a fresh server, its
 * first admin given a password through the setup API, and Chromium signed in as that admin. The
 * admin's API key (`server.server.firstLogin`) is what the real `wandb` client logs data with.
 * `screenshot` keeps pictures of the main pages in test-results/screenshots/ for people to look at.
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { startTestServer, type TestServer } from "./api.ts";
import { buildWebApp, launchBrowser, type TestBrowser } from "./browser.ts";
import { REPO_ROOT } from "./server.ts";

export const SCREENSHOTS = join(REPO_ROOT, "test-results", "screenshots");
export const ADMIN = { username: "admin", email: "admin@example.com", password: "correct horse battery" };

export interface WebFixture {
  readonly server: TestServer;
  readonly browser: TestBrowser;
  readonly page: Page;
  /** The server's base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** The admin's API key, for the `wandb` client and scripted API calls. */
  readonly apiKey: string;
  close(): Promise<void>;
}

export async function startWebFixture(env: Record<string, string> = {}): Promise<WebFixture> {
  await buildWebApp();
  const server = await startTestServer(env);
  const url = server.server.url;
  const token = server.server.setupToken;
  assert.ok(token, "a fresh server offers first-run setup");
  // Setup with the first start's admin name gives that user (and its API key) a password.
  const setup = await fetch(`${url}/api/v1/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, ...ADMIN }),
  });
  assert.equal(setup.status, 200, await setup.text());
  const browser = await launchBrowser();
  const { page } = browser;
  await page.goto(`${url}/`);
  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: ADMIN.username }).waitFor();
  return {
    server,
    browser,
    page,
    url,
    apiKey: server.server.firstLogin ?? "",
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** Saves a full-page PNG as test-results/screenshots/<name>.png (kept by the test run). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The `Authorization` value the W&B clients send for an API key. */
export const basicAuth = (key: string): string => `Basic ${Buffer.from(`api:${key}`).toString("base64")}`;

/** GET `path` on the fixture's server with `key` (the admin's by default; `null` sends no credential). */
export function apiGet(fx: WebFixture, path: string, key: string | null = fx.apiKey): Promise<Response> {
  return fetch(`${fx.url}${path}`, key === null ? {} : { headers: { authorization: basicAuth(key) } });
}

/** GET `path` as the admin, asserting a 200; the parsed JSON. */
export async function apiJson(fx: WebFixture, path: string): Promise<unknown> {
  const response = await apiGet(fx, path);
  const text = await response.text();
  assert.equal(response.status, 200, `${path}: ${text}`);
  return JSON.parse(text);
}
