// The dashboard's analytics in a real browser (Debian's Chromium via playwright-core), both stores: the Reports page
// (activity chart and table, liability, breakage, CSV links) and the customer page's trend and forecast; axe-core,
// phone width, no other origin, the charts drawn, screenshots.
import fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { auditPages, expectOwnOriginOnly, openSignedIn, phone, watch } from './browser-session.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(storeKinds)('dashboard reports and customer analytics in Chromium [%s]', (kind) => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let customerId: string;
  let context: BrowserContext;
  let page: Page;
  let watched: ReturnType<typeof watch>;

  const post = async (url: string, body: unknown) => {
    const response = await t.request('POST', url, { body });
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    return response.json();
  };

  beforeAll(async () => {
    const clock = new ManualClock(new Date(Date.now() - 12 * 86_400_000));
    t = await startTestApp(kind, { COFFER_API_KEY_CACHE_MS: '0' }, { clock });
    customerId = (await post('/customers', { email: 'ann.lee@example.com', name: 'Ann Lee' })).customer_id;
    await post(`/customers/${customerId}/wallets/ledger-entries`, { currency: 'USD', entry_type: 'credit', amount: 20_000, reason: 'Welcome' });
    await post(`/customers/${customerId}/wallets/ledger-entries`, { currency: 'INR', entry_type: 'credit', amount: 1_500_000, reason: 'Welcome' });
    for (let day = 0; day < 10; day++) {
      clock.advance(86_400_000);
      await post(`/customers/${customerId}/wallets/ledger-entries`, { currency: 'USD', entry_type: 'debit', amount: 900 + 37 * day, reason: 'Usage' });
    }
    clock.set(new Date());
    baseUrl = await t.listen();
    ({ browser, context, watched, page } = await openSignedIn(baseUrl, t.apiKey));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('the Reports page and the customer analytics: axe-core, phone width, charts drawn, no other origin; screenshots', async () => {
    const pages = [
      { name: 'reports', url: '/dashboard/reports' },
      { name: 'customer-analytics', url: `/dashboard/customers/${customerId}`, scrollTo: '#trend-heading' },
    ];
    await auditPages(page, baseUrl, kind, pages, { ready: async (entry) => expect(await page.locator('[data-trend][data-drawn="yes"] canvas').count(), `${entry.name} charts`).toBeGreaterThan(0) });
    expectOwnOriginOnly(watched, baseUrl);
  });

  it('Reports is in the nav; the CSV link downloads the activity; the forecast shows per currency', async () => {
    await page.goto(`${baseUrl}/dashboard/customers`);
    await page.getByRole('link', { name: 'Reports', exact: true }).click();
    await page.waitForURL(`${baseUrl}/dashboard/reports`);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the activity as CSV' }).click();
    const file = await (await download).path();
    const text = fs.readFileSync(file, 'utf8');
    expect(text.split('\r\n')[0]).toBe('period_start,currency,event_type,credit_amount,debit_amount,entry_count');
    expect(text).toContain(',USD,merchant_adjustment,0,900,1');
    await page.goto(`${baseUrl}/dashboard/customers/${customerId}`);
    expect(await page.getByTestId('forecast-spend-USD').innerText()).not.toBe('$0.00');
    expect(await page.getByTestId('forecast-confidence-INR').innerText()).toContain('Low');
  });
});
