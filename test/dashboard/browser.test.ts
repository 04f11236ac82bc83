// The dashboard in a real browser (Debian's Chromium via playwright-core, one browser per file): sign in, find a
// customer, credit and debit, double submits, read-only keys, forged POSTs, no other origin, axe-core, screenshots.
import fs from 'node:fs';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type Receiver, startReceiver } from '../webhooks/receiver.ts';
import { auditPages, balanceOf, desktop, entryCount, executablePath, expectOwnOriginOnly, overflowsSideways, phone, screenshot, type Seeded, seriousViolations, signIn, watch } from './browser-session.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const dayMs = 86_400_000;

/** Two customers with three weeks of entries (the clock moved a day at a time), a threshold, an endpoint with deliveries. */
async function seed(t: TestApp, clock: ManualClock, hookUrl: string): Promise<Seeded> {
  const post = async (url: string, body: unknown) => {
    const response = await t.request('POST', url, { body });
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    return response.json();
  };
  const ann = (await post('/customers', { email: 'ann.lee@example.com', name: 'Ann Lee' })).customer_id as string;
  const bob = (await post('/customers', { email: 'bob.rao@example.com', name: 'Bob Rao' })).customer_id as string;
  const entry = (customer: string, currency: string, entry_type: string, amount: number, reason: string) =>
    post(`/customers/${customer}/wallets/ledger-entries`, { currency, entry_type, amount, reason });
  await entry(ann, 'USD', 'credit', 5000, 'Welcome credit');
  await entry(ann, 'INR', 'credit', 150_000_000, 'Top-up');
  for (let day = 1; day <= 18; day++) {
    clock.advance(dayMs);
    await entry(ann, 'USD', day % 4 === 0 ? 'credit' : 'debit', day % 4 === 0 ? 1500 : 300 + day * 10, day % 4 === 0 ? 'Top-up' : 'Usage');
    if (day % 3 === 0) await entry(ann, 'INR', 'debit', 120_000, 'Usage');
  }
  await entry(bob, 'USD', 'credit', 300, 'Trial credit');
  // A few more, so that the lists and the screenshots look like a business (two of them below the $10.00 default).
  const others: Array<[string, string, number]> = [
    ['Chen Wei', 'chen.wei@example.com', 12_500],
    ['Dana Okafor', 'dana.okafor@example.com', 850],
    ['Emil Novak', 'emil.novak@example.com', 42_000],
    ['Farah Haddad', 'farah.haddad@example.com', 199],
    ['Gita Sharma', 'gita.sharma@example.com', 2_075],
  ];
  for (const [name, email, amount] of others) {
    const id = (await post('/customers', { email, name })).customer_id as string;
    await entry(id, 'USD', 'credit', amount, 'Prepaid top-up');
  }
  const put = await t.request('PUT', `/low-balance-thresholds/USD`, { body: { amount: 1000 } });
  if (put.statusCode !== 200) throw new Error(`threshold: ${put.body}`);
  const endpoint = await post('/webhooks', { url: hookUrl, description: 'Billing system' });
  await t.coffer.dispatcher.drain();
  await t.coffer.jobs.tick();
  return { ann, bob, endpointId: endpoint.id as string };
}

describe.each(storeKinds)('dashboard in Chromium [%s]', (kind) => {
  let t: TestApp;
  let hook: Receiver;
  let browser: Browser;
  let baseUrl: string;
  let seeded: Seeded;
  let context: BrowserContext;
  let page: Page;
  let watched: ReturnType<typeof watch>;

  beforeAll(async () => {
    if (!fs.existsSync(executablePath)) throw new Error(`${executablePath} is missing: run .ci/setup-browser (apt-get install chromium)`);
    const clock = new ManualClock(new Date(Date.now() - 20 * dayMs));
    t = await startTestApp(kind, { COFFER_WEBHOOK_ALLOW_PRIVATE_URLS: 'true', COFFER_API_KEY_CACHE_MS: '0' }, { clock });
    hook = await startReceiver(() => ({ status: 200 }));
    seeded = await seed(t, clock, hook.url);
    clock.set(new Date());
    baseUrl = await t.listen();
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
    context = await browser.newContext({ viewport: desktop });
    watched = watch(context);
    page = watched.track(await context.newPage());
  });
  afterAll(async () => {
    await browser?.close();
    await hook?.close();
    await t?.close();
  });

  it('signs in with an API key, and finds a customer by email', async () => {
    await page.goto(`${baseUrl}/dashboard`);
    await page.waitForURL(`${baseUrl}/dashboard/sign-in`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, kind, 'sign-in-desktop');
    await signIn(page, baseUrl, t.apiKey);
    await page.getByLabel('Search customers').fill('ann.lee@example.com');
    // htmx searches as you type: the results swap in without a page load.
    await page.locator('#customer-results caption', { hasText: 'matching “ann.lee@example.com”' }).waitFor();
    expect(await page.locator('#customer-results tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'Ann Lee' }).click();
    await page.waitForURL(`${baseUrl}/dashboard/customers/${seeded.ann}`);
    await expect.poll(() => page.getByTestId('balance-INR').innerText()).toBe('₹14,92,800.00');
    await page.locator('.chart-area canvas').first().waitFor();
  });

  it('credits an amount typed as money and shows the new balance and the entry', async () => {
    const before = await balanceOf(t, seeded.ann, 'USD');
    await page.getByRole('radio', { name: 'Credit' }).check();
    await page.getByLabel('Currency', { exact: true }).first().selectOption('USD');
    await page.getByLabel('Amount').fill('12.34');
    await page.getByLabel('Reason').fill('Goodwill credit');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('status').filter({ hasText: 'Credited $12.34' }).waitFor();
    expect(await balanceOf(t, seeded.ann, 'USD')).toBe(before + 1234);
    const expected = `$${((before + 1234) / 100).toFixed(2)}`;
    expect(await page.getByTestId('balance-USD').innerText()).toBe(expected);
    const first = page.locator('#ledger tbody tr').first();
    expect(await first.innerText()).toContain('+$12.34');
    expect(await first.innerText()).toContain('Goodwill credit');
    await page.locator('.chart-area canvas').first().waitFor();
  });

  it('a debit beyond the balance shows the error with the amount available, and debits nothing', async () => {
    const before = await balanceOf(t, seeded.ann, 'USD');
    const entries = await entryCount(t, seeded.ann);
    await page.getByRole('radio', { name: 'Debit' }).check();
    await page.getByLabel('Amount').fill('100000');
    await page.getByRole('button', { name: 'Apply' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const available = `$${(before / 100).toFixed(2)}`;
    expect(await alert.innerText()).toContain(`Insufficient funds: the USD wallet holds ${available}`);
    expect(await page.getByLabel('Amount').inputValue()).toBe('100000');
    expect(await balanceOf(t, seeded.ann, 'USD')).toBe(before);
    expect(await entryCount(t, seeded.ann)).toBe(entries);
  });

  it('a double-clicked credit applies once', async () => {
    const before = await balanceOf(t, seeded.ann, 'USD');
    const entries = await entryCount(t, seeded.ann);
    await page.getByRole('radio', { name: 'Credit' }).check();
    await page.getByLabel('Amount').fill('5');
    await page.getByRole('button', { name: 'Apply' }).dblclick();
    await page.getByRole('status').waitFor();
    await page.waitForLoadState('networkidle');
    expect(await balanceOf(t, seeded.ann, 'USD')).toBe(before + 500);
    expect(await entryCount(t, seeded.ann)).toBe(entries + 1);
    // The same form sent twice by hand (its hidden key unchanged) applies once too.
    const form = await page.locator('form[hx-post$="/entries"]').evaluate((element) => Object.fromEntries(new FormData(element as HTMLFormElement)) as Record<string, string>);
    const send = () => page.request.post(`${baseUrl}/dashboard/customers/${seeded.ann}/entries`, { form: { ...form, entry_type: 'credit', amount: '1.00' } });
    const answers = await Promise.all([send(), send()]);
    expect(answers.map((a) => a.status())).toEqual([200, 200]);
    expect(await balanceOf(t, seeded.ann, 'USD')).toBe(before + 600);
    expect(await entryCount(t, seeded.ann)).toBe(entries + 2);
  });

  it('filters the ledger by event type and dates, and pages it', async () => {
    await page.getByLabel('Currency', { exact: true }).nth(1).selectOption('INR');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/currency=INR/);
    const rows = page.locator('#ledger tbody tr');
    await expect.poll(() => rows.count()).toBe(7);
    expect((await rows.allInnerTexts()).every((text) => text.includes('₹'))).toBe(true);
    await page.getByLabel('Event type').selectOption('refund');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('#ledger', { hasText: 'No entries' }).waitFor();
    await page.goto(`${baseUrl}/dashboard/customers/${seeded.ann}`);
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.locator('#ledger caption', { hasText: 'page 2' }).waitFor();
  });

  it('a forged POST without the CSRF token is refused and changes nothing', async () => {
    const before = await entryCount(t, seeded.ann);
    const form = { currency: 'USD', entry_type: 'credit', amount: '50.00', reason: 'forged', idempotency_key: 'dash_AAAAAAAAAAAAAAAAAAAAAAAA' };
    // The session cookie goes with it (same browser context), the token does not.
    const forged = await page.request.post(`${baseUrl}/dashboard/customers/${seeded.ann}/entries`, { form });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain('CSRF token is missing or wrong');
    const wrong = await page.request.post(`${baseUrl}/dashboard/customers/${seeded.ann}/entries`, { form: { ...form, _csrf: 'x'.repeat(43) } });
    expect(wrong.status()).toBe(403);
    const redeliver = await page.request.post(`${baseUrl}/dashboard/webhooks/${seeded.endpointId}/redeliver`, { form: { event_id: 'evt_x' } });
    expect(redeliver.status()).toBe(403);
    expect(await entryCount(t, seeded.ann)).toBe(before);
  });

  it('every page: no request to another origin, no CSP refusal, no serious axe-core violation, works at phone width; screenshots', async () => {
    const pages = [
      { name: 'customers', url: '/dashboard/customers' },
      { name: 'customer', url: `/dashboard/customers/${seeded.ann}` },
      { name: 'low-balance', url: '/dashboard/low-balance' },
      { name: 'webhooks', url: '/dashboard/webhooks' },
      { name: 'webhook-endpoint', url: `/dashboard/webhooks/${seeded.endpointId}` },
      { name: 'events', url: '/dashboard/events' },
    ];
    await auditPages(page, baseUrl, kind, pages, {
      ready: async (entry) => {
        if (entry.name === 'customer') await page.locator('.chart-area canvas').first().waitFor();
      },
      // The customer page whole (balances, the form, the charts and the ledger); the others as a screen shows them.
      fullPage: (entry, width) => entry.name === 'customer' && width === 'desktop',
    });
    await page.goto(`${baseUrl}/dashboard/low-balance`);
    expect(await page.locator('tbody').innerText()).toContain('Bob Rao');
    await page.goto(`${baseUrl}/dashboard/webhooks/${seeded.endpointId}`);
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: /^Redeliver/ }).first().click();
    await page.getByRole('status').filter({ hasText: 'will be delivered again' }).waitFor();

    expectOwnOriginOnly(watched, baseUrl);
    expect(watched.requested.some((url) => url.endsWith('/dashboard/assets/htmx.min.js'))).toBe(true);
  });

  it('is keyboard-navigable: the skip link comes first and the search field is reached with Tab', async () => {
    await page.goto(`${baseUrl}/dashboard/customers`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    for (let presses = 0; presses < 12; presses++) {
      if (await page.evaluate(() => document.activeElement?.id === 'customer-search')) break;
      await page.keyboard.press('Tab');
    }
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('customer-search');
    await page.keyboard.type('Bob');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Bob Rao' }).waitFor();
  });

  it('a read-only key can look but every action is refused with a clear message', async () => {
    const readOnly = await browser.newContext({ viewport: desktop });
    try {
      const other = await readOnly.newPage();
      await signIn(other, baseUrl, t.readOnlyKey);
      await other.goto(`${baseUrl}/dashboard/customers/${seeded.ann}`);
      expect(await other.locator('#read-only-note').innerText()).toContain('read-only');
      const before = await balanceOf(t, seeded.ann, 'USD');
      await other.getByLabel('Amount').fill('1.00');
      await other.getByRole('button', { name: 'Apply' }).click();
      const alert = other.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toContain('this API key is read-only');
      expect(await balanceOf(t, seeded.ann, 'USD')).toBe(before);
      await other.goto(`${baseUrl}/dashboard/webhooks/${seeded.endpointId}`);
      await other.getByRole('button', { name: /^Redeliver/ }).first().click();
      expect(await other.getByRole('alert').innerText()).toContain('read-only');
      await other.getByRole('button', { name: 'Sign out' }).click();
      await other.waitForURL(/\/dashboard\/sign-in\?signed_out=1$/);
      await other.setViewportSize(phone);
      expect(await seriousViolations(other)).toEqual([]);
      expect(await overflowsSideways(other)).toBe(false);
      await screenshot(other, kind, 'sign-in-phone');
      await other.goto(`${baseUrl}/dashboard/customers`);
      expect(other.url()).toBe(`${baseUrl}/dashboard/sign-in`);
    } finally {
      await readOnly.close();
    }
  });
});
