/**
 * CI check: Swagger UI at /docs renders in a real browser with no network beyond the service.
 *
 *   bun checks/docs-browser.ts
 *
 * Starts dist/signup-service (temp DATA_DIR, free 127.0.0.1 port) and Debian Chromium through
 * playwright-core; every request whose host is not 127.0.0.1 is aborted and recorded. Opens /docs
 * and waits (at most 20 s) until the page text shows the POST /signup operation, so whatever was
 * blocked was not needed to render it. Fails on page errors (uncaught exceptions) and on failed
 * requests to the service itself (its own /docs/assets, /docs/json). Prints the blocked list and
 * the path of a full-page screenshot (kept).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { fail, log, onCleanup, runCheck, startService, tempDir } from "./lib";

const CHROMIUM = "/usr/bin/chromium";
const RENDER_TIMEOUT_MS = 20_000;
const SIGNUP_OPERATION = /POST\s*\/signup/;

runCheck("checks/docs-browser.ts", 90_000, async () => {
  if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does it)`);
  const service = await startService();
  log(`signup-service ready at ${service.url}`);

  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    timeout: 30_000,
  });
  onCleanup(() => browser.close());
  log(`chromium ${browser.version()} launched`);

  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: "block" });
  const blocked: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    let host = "";
    try {
      const parsed = new URL(url);
      if (parsed.protocol === "http:" || parsed.protocol === "https:") host = parsed.hostname;
    } catch {
      // unparsable: blocked below
    }
    if (host === "127.0.0.1") return route.continue();
    blocked.push(`${route.request().method()} ${url}`);
    return route.abort("blockedbyclient");
  });

  const page = await context.newPage();
  page.setDefaultTimeout(RENDER_TIMEOUT_MS);
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const ownFailures: string[] = [];
  const isOwn = (url: string) => url.startsWith(`${service.url}/`) && !url.endsWith("/favicon.ico");
  page.on("pageerror", (error) => pageErrors.push(error.stack ?? error.message));
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("requestfailed", (request) => {
    if (isOwn(request.url())) ownFailures.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText ?? "failed"}`);
  });
  page.on("response", (response) => {
    if (isOwn(response.url()) && response.status() >= 400) {
      ownFailures.push(`${response.request().method()} ${response.url()}: HTTP ${response.status()}`);
    }
  });

  const started = performance.now();
  const response = await page.goto(`${service.url}/docs`, { waitUntil: "domcontentloaded", timeout: RENDER_TIMEOUT_MS });
  if (response?.status() !== 200) fail(`GET /docs answered ${response?.status() ?? "nothing"}`);
  let rendered = true;
  try {
    // A string, not a function: the checks are typechecked without the DOM library.
    await page.waitForFunction(`${SIGNUP_OPERATION}.test(document.body ? document.body.innerText : "")`, undefined, {
      timeout: RENDER_TIMEOUT_MS,
      polling: 100,
    });
  } catch {
    rendered = false;
  }
  const renderMs = performance.now() - started;

  const screenshot = join(tempDir("signup-docs-screenshot-", true), "docs.png");
  await page.screenshot({ path: screenshot, fullPage: true, timeout: 10_000 }).catch((error: unknown) => {
    log(`screenshot failed: ${String(error)}`);
  });

  console.log(`\nblocked requests (host not 127.0.0.1): ${blocked.length === 0 ? "none" : ""}`);
  for (const entry of blocked) console.log(`  ${entry}`);
  if (consoleErrors.length > 0) console.log(`console errors:\n  ${consoleErrors.join("\n  ")}`);
  console.log(`screenshot: ${existsSync(screenshot) ? screenshot : "(not saved)"}`);

  const problems: string[] = [];
  if (!rendered) {
    const text = String(await page.evaluate("document.body ? document.body.innerText : ''").catch(() => "")).slice(0, 500);
    problems.push(
      `/docs did not show ${SIGNUP_OPERATION} within ${RENDER_TIMEOUT_MS / 1000} s` +
        (blocked.length > 0 ? " (it may need one of the blocked requests above)" : "") +
        `; page text starts:\n    ${text.replace(/\n/g, "\n    ")}`,
    );
  } else {
    log(`POST /signup visible after ${(renderMs / 1000).toFixed(1)} s, with ${blocked.length} requests blocked`);
  }
  if (pageErrors.length > 0) problems.push(`page errors:\n    ${pageErrors.join("\n    ")}`);
  if (ownFailures.length > 0) problems.push(`requests to the service failed:\n    ${ownFailures.join("\n    ")}`);
  if (problems.length > 0) fail(problems.join("\n  "));
});
