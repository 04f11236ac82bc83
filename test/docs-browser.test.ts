// /docs in a real browser (Debian's Chromium, headless, driven by playwright-core): it renders every operation with an
// official-SDK example, shows no vendor buttons, and makes no request to any origin but Coffer's own.
import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storeKinds } from './support/stores.ts';
import { type TestApp, startTestApp } from './support/test-app.ts';

const executablePath = '/usr/bin/chromium';
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(storeKinds)('/docs in Chromium [%s]', (kind) => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  beforeAll(async () => {
    if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} is missing: run .ci/setup-browser (apt-get install chromium)`);
    t = await startTestApp(kind);
    baseUrl = await t.listen();
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders every operation with a dodopayments example, no vendor buttons, and no request to another origin', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const refused: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') refused.push(message.text());
    });

    await page.goto(`${baseUrl}/docs`, { waitUntil: 'load' });
    const doc = (await t.request('GET', '/openapi.json', { key: null })).json();
    const summaries = Object.values<Record<string, { summary: string }>>(doc.paths).flatMap((methods) => Object.values(methods).map((o) => o.summary));
    expect(summaries.length).toBeGreaterThanOrEqual(7);
    for (const summary of summaries) await page.locator('h2', { hasText: summary }).first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');

    const ownOrigin = new URL(baseUrl).origin;
    const elsewhere = requested.filter((url) => !url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== ownOrigin);
    expect(elsewhere).toEqual([]);
    expect(requested).toContain(`${ownOrigin}/openapi.json`);
    expect(refused.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);

    const text = await page.locator('body').innerText();
    for (const vendor of ['Ask AI', 'Generate MCP', 'Deploy']) expect(text).not.toContain(vendor);
    expect(await page.getByRole('button', { name: /ask ai|mcp|deploy/i }).count()).toBe(0);

    const sample = page.getByText('new DodoPayments(', { exact: false }).first();
    await sample.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await sample.isVisible()).toBe(true);
    expect(text).toContain("from 'dodopayments'");
    await page.close();
  });
});
