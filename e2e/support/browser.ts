/**
 * A real browser for the web UI's end-to-end tests: Debian's Chromium (installed by
 * scripts/setup-browser.sh) driven by playwright-core. Playwright's own browser builds are never
 * downloaded. Each launch gets a fresh profile directory, removed on close, and records every page
 * error and console error so a test can assert that none happened.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { REPO_ROOT } from "./server.ts";

export const CHROMIUM = "/usr/bin/chromium";

/** The flags of the brief: headless, no sandbox (CI runs as root), and no traffic of Chromium's own. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught exceptions in any page of this browser (`pageerror`). */
  readonly pageErrors: Error[];
  /** `console.error` output and browser-reported errors (CSP violations, failed loads). */
  readonly consoleErrors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run \`bash scripts/setup-browser.sh\` (installs Debian's chromium)`,
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "ballast-chromium-"));
  // A persistent context is how Playwright takes a profile directory of our choosing (--user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  const pageErrors: Error[] = [];
  const consoleErrors: string[] = [];
  const watch = (page: Page) => {
    page.on("pageerror", (error) => pageErrors.push(error));
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(`${message.text()} (${page.url()})`);
    });
  };
  context.on("page", watch);
  for (const page of context.pages()) watch(page);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    pageErrors,
    consoleErrors,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Builds the web UI into apps/web/dist with Vite, so the server under test serves today's sources.
 * scripts/test-all.sh builds it once before the suites and sets BALLAST_WEB_BUILT=1, so the browser
 * test files do not each build it again.
 */
export function buildWebApp(): Promise<void> {
  if (process.env.BALLAST_WEB_BUILT === "1") return Promise.resolve();
  return new Promise((resolve, reject) => {
    // Vite as the web workspace resolves it (hoisted to the root today, but not necessarily).
    const webPackage = join(REPO_ROOT, "apps", "web", "package.json");
    const vite = join(dirname(createRequire(webPackage).resolve("vite/package.json")), "bin", "vite.js");
    const child = spawn(process.execPath, [vite, "build", "--logLevel", "warn"], {
      cwd: join(REPO_ROOT, "apps", "web"),
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`vite build failed (exit ${code}); see the output above`)),
    );
  });
}
