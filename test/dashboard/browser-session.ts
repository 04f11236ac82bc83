// Helpers of the dashboard's browser tests: seed data, sign in, axe-core, screenshots, and the record of every request.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { expect } from 'vitest';
import type { TestApp } from '../support/test-app.ts';

export const executablePath = '/usr/bin/chromium';
export const desktop = { width: 1280, height: 900 };
export const phone = { width: 390, height: 844 };
/** Written on every run (gitignored); the committed set in docs/dashboard/ is refreshed with COFFER_DOC_SCREENSHOTS=1. */
export const artifactsDir = new URL('../../test-artifacts/dashboard/', import.meta.url).pathname;
export const docScreenshotsDir = new URL('../../docs/dashboard/', import.meta.url).pathname;
const pngquant = '/usr/bin/pngquant';
const axeSource = fs.readFileSync(new URL('../../node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');

export interface Seeded {
  ann: string;
  bob: string;
  endpointId: string;
}

/** Requests a context made, and CSP refusals its pages reported on the console. */
export function watch(context: BrowserContext): { requested: string[]; cspErrors: string[]; track(page: Page): Page } {
  const requested: string[] = [];
  const cspErrors: string[] = [];
  context.on('request', (request) => requested.push(request.url()));
  return {
    requested,
    cspErrors,
    track(page) {
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) cspErrors.push(message.text());
      });
      return page;
    },
  };
}

export async function signIn(page: Page, baseUrl: string, apiKey: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard`);
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${baseUrl}/dashboard/customers`);
}

/** axe-core's serious and critical violations on the page as it is now (axe is run through the debugger, not a <script>). */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.targets.join(' ')}`);
}

/** A screenshot of the page under test-artifacts, and under docs/dashboard when asked to refresh the committed set. */
export async function screenshot(page: Page, kind: string, name: string, fullPage = false): Promise<void> {
  const file = path.join(artifactsDir, kind, `${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const image = await page.screenshot({ path: file, fullPage });
  if (process.env.COFFER_DOC_SCREENSHOTS === '1' && kind === 'sqlite') {
    fs.mkdirSync(docScreenshotsDir, { recursive: true });
    const committed = path.join(docScreenshotsDir, `${name}.png`);
    // The committed copies are quantized to a palette (about a quarter of the size); `apt-get install pngquant`.
    if (!fs.existsSync(pngquant)) throw new Error(`COFFER_DOC_SCREENSHOTS=1 needs ${pngquant} (apt-get install pngquant) to keep docs/dashboard small`);
    fs.writeFileSync(committed, execFileSync(pngquant, ['--quality=60-90', '--speed=1', '--strip', '-'], { input: image }));
  }
}

/** Whether the page is wider than its viewport (a phone would have to scroll sideways). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
}

export async function entryCount(t: TestApp, customerId: string): Promise<number> {
  const response = await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=100`);
  return (response.json().items as unknown[]).length;
}

export async function balanceOf(t: TestApp, customerId: string, currency: string): Promise<number> {
  const response = await t.request('GET', `/customers/${customerId}/wallets`);
  return (response.json().items as Array<{ currency: string; balance: number }>).find((w) => w.currency === currency)!.balance;
}

export interface SignedIn {
  browser: Browser;
  context: BrowserContext;
  watched: ReturnType<typeof watch>;
  page: Page;
}

/** Debian's Chromium, one desktop-sized context whose requests are watched, and a page signed in to the dashboard. */
export async function openSignedIn(baseUrl: string, apiKey: string): Promise<SignedIn> {
  if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} is missing: run .ci/setup-browser (apt-get install chromium)`);
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: desktop });
  const watched = watch(context);
  const page = watched.track(await context.newPage());
  await signIn(page, baseUrl, apiKey);
  return { browser, context, watched, page };
}

export interface AuditedPage {
  name: string;
  url: string;
  /** Scrolled into view before the screenshot. */
  scrollTo?: string;
}

/**
 * Each page at desktop and then phone width: `ready` (if given) once it loaded, no serious axe-core violation, nothing
 * wider than the screen, a screenshot `<name>-<desktop|phone>`. Leaves the page at desktop width.
 */
export async function auditPages(
  page: Page,
  baseUrl: string,
  kind: string,
  pages: readonly AuditedPage[],
  options: { ready?: (entry: AuditedPage) => Promise<void>; fullPage?: (entry: AuditedPage, width: 'desktop' | 'phone') => boolean } = {},
): Promise<void> {
  for (const viewport of [desktop, phone]) {
    await page.setViewportSize(viewport);
    const width = viewport === desktop ? 'desktop' : 'phone';
    for (const entry of pages) {
      await page.goto(`${baseUrl}${entry.url}`, { waitUntil: 'networkidle' });
      await options.ready?.(entry);
      expect(await seriousViolations(page), `${entry.name} at ${width}`).toEqual([]);
      expect(await overflowsSideways(page), `${entry.name} at ${width} is wider than the screen`).toBe(false);
      if (entry.scrollTo) await page.locator(entry.scrollTo).evaluate((element) => element.scrollIntoView());
      await screenshot(page, kind, `${entry.name}-${width}`, options.fullPage?.(entry, width) ?? false);
    }
  }
  await page.setViewportSize(desktop);
}

/** Every request the context made went to the dashboard's own origin (or was a data: URL), and no CSP refusal was logged. */
export function expectOwnOriginOnly(watched: ReturnType<typeof watch>, baseUrl: string): void {
  const ownOrigin = new URL(baseUrl).origin;
  expect(watched.requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== ownOrigin)).toEqual([]);
  expect(watched.cspErrors).toEqual([]);
}
