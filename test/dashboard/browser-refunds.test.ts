// The dashboard's third-wave pages in a real browser (Debian's Chromium via playwright-core), both stores: a payment's
// page with its disputes and the Refund form, the Refunds page and a refund's page, the Subscriptions page and the
// customer's subscriptions; a refund by button (checked in the ledger), the refundable amount exceeded in words, a
// double-clicked Refund applied once, a read-only key refused; axe-core, phone width, no other origin, screenshots.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type SeededBilling, seedBilling } from './billing-seed.ts';
import { auditPages, desktop, expectOwnOriginOnly, openSignedIn, phone, signIn, watch } from './browser-session.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

describe.each(storeKinds)('dashboard refunds, disputes and subscriptions in Chromium [%s]', (kind) => {
  let t: TestApp;
  let browser: Browser;
  let baseUrl: string;
  let customerId: string;
  let seeded: SeededBilling;
  let topUpId: string;
  let refundId: string;
  let context: BrowserContext;
  let page: Page;
  let watched: ReturnType<typeof watch>;

  const post = async (url: string, body: unknown) => {
    const response = await t.request('POST', url, { body });
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    return response.json();
  };
  const refundsOf = async (paymentId: string) => (await t.request('GET', `/refunds?payment_id=${paymentId}&page_size=100`)).json().items as Array<{ refund_id: string; amount: number }>;
  const balance = async () => (await t.request('GET', `/customers/${customerId}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD').balance as number;

  beforeAll(async () => {
    const clock = new ManualClock(new Date(Date.now() - 3_600_000));
    t = await startTestApp(kind, { COFFER_API_KEY_CACHE_MS: '0' }, { clock });
    customerId = (await post('/customers', { email: 'ann.lee@example.com', name: 'Ann Lee' })).customer_id;
    seeded = await seedBilling(t, customerId, clock.now());
    clock.advance(1000);
    refundId = (await post('/refunds', { payment_id: seeded.cardPaymentId, amount: 1500, destination: 'wallet', reason: 'Damaged in transit' })).refund_id;
    const dee = (await post('/customers', { email: 'dee.park@example.com', name: 'Dee Park' })).customer_id;
    await post(`/customers/${dee}/payment-methods`, { payment_method_id: 'pm_card_succeeds' });
    topUpId = (await post(`/customers/${dee}/wallets/top-ups`, { currency: 'USD', amount: 5000, idempotency_key: `topup_${dee}` })).payment.payment_id;
    await post(`/customers/${dee}/wallets/ledger-entries`, { currency: 'USD', entry_type: 'debit', amount: 4200, reason: 'Usage' });
    clock.advance(1000);
    const lost = await post(`/payments/${topUpId}/disputes`, { amount: 2000, reason: 'Fraudulent' });
    await post(`/disputes/${lost.dispute_id}/resolve`, { outcome: 'lost' });
    clock.advance(1000);
    await post(`/payments/${topUpId}/disputes`, { amount: 500, reason: 'Not received' });
    for (const [customer, amount, interval] of [[customerId, 1999, 'month'], [dee, 4900, 'year'], [customerId, 500, 'week']] as const) {
      clock.advance(1000);
      await post('/subscriptions', { customer_id: customer, currency: 'USD', amount, interval, starts_at: new Date(Date.now() + 7 * 86_400_000).toISOString() });
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
      { name: 'refunds', url: '/dashboard/refunds' },
      { name: 'refund', url: `/dashboard/refunds/${refundId}` },
      { name: 'payment', url: `/dashboard/payments/${seeded.cardPaymentId}` },
      { name: 'payment-disputes', url: `/dashboard/payments/${topUpId}`, scrollTo: '#payment-disputes' },
      { name: 'subscriptions', url: '/dashboard/subscriptions' },
      { name: 'customer-subscriptions', url: `/dashboard/customers/${customerId}`, scrollTo: '#subscriptions' },
    ];
    await auditPages(page, baseUrl, kind, pages);
    expectOwnOriginOnly(watched, baseUrl);
  });

  it('refunds a payment by button: the ledger has the refund entry; beyond the refundable amount says so; a double click refunds once', async () => {
    await page.goto(`${baseUrl}/dashboard/payments`);
    await page.getByRole('link', { name: seeded.walletPaymentId, exact: true }).click();
    await page.waitForURL(`${baseUrl}/dashboard/payments/${seeded.walletPaymentId}`);
    const before = await balance();
    await page.getByLabel('Amount (USD)').fill('50');
    await page.getByLabel('All to the wallet').check();
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'at most $20.00 is left to refund' }).waitFor();
    expect(await refundsOf(seeded.walletPaymentId)).toEqual([]);
    expect(await page.getByLabel('Amount (USD)').inputValue()).toBe('50');

    await page.getByLabel('Amount (USD)').fill('7.50');
    await page.getByLabel('Reason').fill('Late delivery');
    await page.getByRole('button', { name: 'Refund', exact: true }).dblclick();
    await page.getByRole('status').filter({ hasText: 'of $7.50 is succeeded' }).waitFor();
    await page.waitForLoadState('networkidle');
    const refunds = await refundsOf(seeded.walletPaymentId);
    expect(refunds.map((r) => r.amount)).toEqual([750]);
    expect(await balance()).toBe(before + 750);
    const entries = (await t.request('GET', `/customers/${customerId}/wallets/ledger-entries?page_size=100`)).json().items as Array<{ event_type: string; reference_object_id: string | null; amount: number }>;
    expect(entries.filter((entry) => entry.reference_object_id === refunds[0].refund_id)).toEqual([expect.objectContaining({ event_type: 'refund', amount: 750 })]);
    expect(await page.getByTestId('payment-refundable').innerText()).toBe('$12.50');
    await page.getByRole('link', { name: refunds[0].refund_id, exact: true }).click();
    await page.waitForURL(`${baseUrl}/dashboard/refunds/${refunds[0].refund_id}`);
    expect(await page.getByTestId('refund-wallet').innerText()).toBe('$7.50');
  });

  it('a read-only key sees the Refund form refused in words; nothing changes', async () => {
    const readOnly = await browser.newContext({ viewport: desktop });
    try {
      const other = await readOnly.newPage();
      await signIn(other, baseUrl, t.readOnlyKey);
      await other.goto(`${baseUrl}/dashboard/payments/${seeded.cardPaymentId}`);
      expect(await other.locator('main').innerText()).toContain('This API key is read-only: refunds are refused.');
      const before = await refundsOf(seeded.cardPaymentId);
      await other.getByLabel('Amount (USD)').fill('1.00');
      await other.getByRole('button', { name: 'Refund', exact: true }).click();
      await other.getByRole('alert').filter({ hasText: 'cannot refund' }).waitFor();
      expect(await refundsOf(seeded.cardPaymentId)).toEqual(before);
    } finally {
      await readOnly.close();
    }
  });

  it('filters refunds and subscriptions by status; the disputes show their status and shortfall', async () => {
    await page.goto(`${baseUrl}/dashboard/refunds`);
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=failed/);
    await page.getByText('No refunds match').waitFor();

    await page.goto(`${baseUrl}/dashboard/subscriptions`);
    expect(await page.locator('#subscription-results tbody tr').count()).toBe(3);
    await page.getByLabel('Status').selectOption('paused');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=paused/);
    await page.getByText('No subscriptions match').waitFor();

    await page.goto(`${baseUrl}/dashboard/payments/${topUpId}`);
    const disputes = await page.locator('#payment-disputes tbody tr').allInnerTexts();
    expect(disputes).toHaveLength(2);
    expect(disputes[0]).toContain('open');
    expect(disputes[1]).toContain('lost');
    expect(disputes[1]).toContain('$12.00'); // $20.00 disputed, $8.00 held and taken, $12.00 short
  });
});
