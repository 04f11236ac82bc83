// The dashboard's second-wave pages in a real browser (Debian's Chromium via playwright-core), both stores: a customer's
// held, available and expiring amounts, lots, holds, invoices and payments; the Invoices, Payments and invoice pages;
// Release and Void by button, refused for a read-only key; the PDF link; axe-core, no other origin, screenshots.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type SeededBilling, seedBilling } from './billing-seed.ts';
import { auditPages, desktop, expectOwnOriginOnly, openSignedIn, phone, signIn, watch } from './browser-session.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(storeKinds)('dashboard billing pages in Chromium [%s]', (kind) => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let customerId: string;
  let seeded: SeededBilling;
  let context: BrowserContext;
  let page: Page;
  let watched: ReturnType<typeof watch>;

  const usd = async () => (await t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');

  beforeAll(async () => {
    const clock = new ManualClock(new Date(Date.now() - 3_600_000));
    t = await startTestApp(kind, { COFFER_API_KEY_CACHE_MS: '0' }, { clock });
    customerId = (await t.request('POST', '/customers', { body: { email: 'ann.lee@example.com', name: 'Ann Lee' } })).json().customer_id;
    seeded = await seedBilling(t, customerId, clock.now());
    const bob = (await t.request('POST', '/customers', { body: { email: 'bob.rao@example.com', name: 'Bob Rao' } })).json().customer_id;
    await t.request('POST', `/customers/${bob}/wallets/ledger-entries`, { body: { currency: 'USD', entry_type: 'credit', amount: 900 } });
    for (const [description, amount] of [['Starter plan', 1200], ['Usage, April', 380]] as const) {
      clock.advance(1000);
      const invoice = (await t.request('POST', '/invoices', { body: { customer_id: bob, currency: 'USD', line_items: [{ description, amount }] } })).json();
      await t.request('POST', `/invoices/${invoice.invoice_id}/pay`, { body: {} });
    }
    clock.set(new Date());
    baseUrl = await t.listen();
    ({ browser, context, watched, page } = await openSignedIn(baseUrl, t.apiKey));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('each new page: axe-core finds no serious violation, it fits a phone, no request leaves the origin; screenshots', async () => {
    const pages = [
      { name: 'customer-billing', url: `/dashboard/customers/${customerId}`, scrollTo: '#lots' },
      { name: 'invoices', url: '/dashboard/invoices' },
      { name: 'invoice', url: `/dashboard/invoices/${seeded.paidInvoiceId}` },
      { name: 'payments', url: '/dashboard/payments' },
    ];
    await auditPages(page, baseUrl, kind, pages);
    expectOwnOriginOnly(watched, baseUrl);
  });

  it("shows the customer's amounts and sections, filters invoices by status, and links each payment's PDF", async () => {
    await page.goto(`${baseUrl}/dashboard/customers/${customerId}`);
    const wallet = await usd();
    const dollars = (minor: number) => `$${(minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
    expect(await page.getByTestId('held-USD').innerText()).toBe(dollars(wallet.held_amount));
    expect(await page.getByTestId('available-USD').innerText()).toBe(dollars(wallet.available_balance));
    expect(await page.getByTestId('expiring-USD').innerText()).toContain(dollars(wallet.expiring_amount));
    expect(await page.locator('#lots tbody tr').count()).toBe(2);
    expect(await page.locator('#lots tbody').innerText()).toContain('promotional');

    await page.goto(`${baseUrl}/dashboard/invoices`);
    await page.getByLabel('Status').selectOption('open');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=open/);
    await page.locator('#invoice-results caption', { hasText: 'with status open' }).waitFor();
    const rows = await page.locator('#invoice-results tbody tr').allInnerTexts();
    // Ann's declined and open invoices, and Bob's first (his wallet paid part, he has no card: it stays open).
    expect(rows.length).toBe(3);
    expect(rows.every((row) => row.includes('open'))).toBe(true);
    await page.getByRole('link', { name: seeded.declinedInvoiceId }).click();
    await page.waitForURL(`${baseUrl}/dashboard/invoices/${seeded.declinedInvoiceId}`);
    expect(await page.locator('main').innerText()).toContain('The card was declined');

    await page.goto(`${baseUrl}/dashboard/payments`);
    const href = await page.getByRole('link', { name: `Invoice PDF of payment ${seeded.walletPaymentId}` }).getAttribute('href');
    const pdf = await page.request.get(`${baseUrl}${href}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('a read-only key sees the Release and Void buttons refused in words; nothing changes', async () => {
    const readOnly = await browser.newContext({ viewport: desktop });
    try {
      const other = await readOnly.newPage();
      await signIn(other, baseUrl, t.readOnlyKey);
      await other.goto(`${baseUrl}/dashboard/customers/${customerId}`);
      await other.getByRole('button', { name: `Release hold ${seeded.holdId}` }).click();
      await other.locator('#hold-message [role="alert"]', { hasText: 'this API key is read-only' }).waitFor();
      expect((await t.request('GET', `/holds/${seeded.holdId}`)).json().status).toBe('active');
      await other.goto(`${baseUrl}/dashboard/invoices/${seeded.openInvoiceId}`);
      expect(await other.locator('main').innerText()).toContain('This API key is read-only: voiding is refused.');
      await other.getByRole('button', { name: 'Void invoice' }).click();
      await other.getByRole('alert').filter({ hasText: 'cannot void an invoice' }).waitFor();
      expect((await t.request('GET', `/invoices/${seeded.openInvoiceId}`)).json().status).toBe('open');
    } finally {
      await readOnly.close();
    }
  });

  it('a read-write key releases a hold and voids an open invoice with the buttons', async () => {
    await page.goto(`${baseUrl}/dashboard/customers/${customerId}`);
    const available = (await usd()).available_balance as number;
    await page.getByRole('button', { name: `Release hold ${seeded.holdId}` }).click();
    await page.getByRole('status').filter({ hasText: `Released hold ${seeded.holdId}` }).waitFor();
    expect(await page.getByTestId('held-USD').innerText()).toBe('$0.00');
    expect((await usd()).available_balance).toBe(available + 700);
    expect(await page.getByRole('button', { name: `Release hold ${seeded.holdId}` }).count()).toBe(0);

    await page.goto(`${baseUrl}/dashboard/invoices/${seeded.openInvoiceId}`);
    await page.getByRole('button', { name: 'Void invoice' }).click();
    await page.getByRole('status').filter({ hasText: 'is void' }).waitFor();
    expect((await t.request('GET', `/invoices/${seeded.openInvoiceId}`)).json().status).toBe('void');
    expect(await page.getByRole('button', { name: 'Void invoice' }).count()).toBe(0);
  });
});
