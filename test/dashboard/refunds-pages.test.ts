// The dashboard's third wave over HTTP, both stores: a payment's page (refunds, disputes with their shortfall, the
// Refund form), the Refunds page (status and customer filters, paging) and a refund's page, the Subscriptions page and
// the customer page's subscriptions. The Refund action: checked in the ledger (an entry event_type refund whose
// reference_object_id is the refund), applied once when the form is sent twice (one after the other or at once),
// refused in words beyond the refundable amount, for bad input (naming the field), without the CSRF token, for a
// read-only key and for another business — and a refused one changes nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardContentSecurityPolicy } from '../../src/dashboard/dashboard-app.ts';
import { refundsPageSize } from '../../src/dashboard/refunds-page.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { type SeededBilling, seedBilling } from './billing-seed.ts';
import { client as formClient, csrfOf, keyOf } from './form-client.ts';

const client = (t: TestApp) => formClient(t.coffer.app);

describe.each(storeKinds)('dashboard refunds, disputes and subscriptions over HTTP [%s]', (kind) => {
  let t: TestApp;
  let clock: ManualClock;
  let customerId: string;
  let seeded: SeededBilling;
  let topUpId: string;
  let disputedCustomer: string;
  let lostDisputeId: string;
  let openDisputeId: string;

  const post = async (url: string, body: unknown) => {
    const response = await t.request('POST', url, { body });
    if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}: ${response.body}`);
    return response.json();
  };

  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-06-01T12:00:00Z'));
    t = await startTestApp(kind, { COFFER_API_KEY_CACHE_MS: '0' }, { clock });
    customerId = (await post('/customers', { email: 'ann@example.com', name: 'Ann Lee' })).customer_id;
    seeded = await seedBilling(t, customerId, clock.now());
    // A top-up by card, nearly all spent, then disputed beyond what the wallet has: a shortfall.
    disputedCustomer = (await post('/customers', { email: 'dee@example.com', name: 'Dee Park' })).customer_id;
    await post(`/customers/${disputedCustomer}/payment-methods`, { payment_method_id: 'pm_card_succeeds' });
    const topUp = await post(`/customers/${disputedCustomer}/wallets/top-ups`, { currency: 'USD', amount: 5000, idempotency_key: `topup_${disputedCustomer}` });
    topUpId = topUp.payment.payment_id;
    await post(`/customers/${disputedCustomer}/wallets/ledger-entries`, { currency: 'USD', entry_type: 'debit', amount: 4500, reason: 'Usage' });
    const lost = await post(`/payments/${topUpId}/disputes`, { amount: 3000, reason: 'Fraudulent' });
    lostDisputeId = lost.dispute_id;
    await post(`/disputes/${lostDisputeId}/resolve`, { outcome: 'lost' });
    clock.advance(1); // ids are time-ordered: the open dispute is the newer one
    openDisputeId = (await post(`/payments/${topUpId}/disputes`, { amount: 1000 })).dispute_id;
  });
  afterAll(async () => {
    await t?.close();
  });

  const usd = async (customer = customerId) => (await t.request('GET', `/customers/${customer}/wallets`)).json().items.find((w: { currency: string }) => w.currency === 'USD');
  const refundsOf = async (paymentId: string) => (await t.request('GET', `/refunds?payment_id=${paymentId}&page_size=100`)).json().items as Array<{ refund_id: string; amount: number; status: string; wallet_amount: number; card_amount: number }>;
  const entries = async (customer = customerId) =>
    (await t.request('GET', `/customers/${customer}/wallets/ledger-entries?page_size=100`)).json().items as Array<{ event_type: string; reference_object_id: string | null; amount: number; is_credit: boolean }>;
  const paymentPath = (id: string) => `/dashboard/payments/${id}`;

  it("a dashboard refund to the wallet is one refund entry in the ledger, referenced by the refund; the form sent again refunds nothing more", async () => {
    const writer = client(t);
    await writer.signIn(t.apiKey);
    const page = await writer.get(paymentPath(seeded.walletPaymentId));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-testid="payment-refundable">$20.00<');
    expect(page.body).toContain('<label for="refund-amount">Amount (USD)</label>');
    const before = await usd();
    const form = { _csrf: csrfOf(page.body), idempotency_key: keyOf(page.body), amount: '5.00', destination: 'wallet', reason: 'Late delivery' };
    const done = await writer.post(`${paymentPath(seeded.walletPaymentId)}/refunds`, form, { 'hx-request': 'true', 'hx-target': 'main' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.body).toMatch(/role="status">Refund ref_\w+ of \$5\.00 is succeeded: \$5\.00 to the wallet\./);
    expect(done.body).toContain('data-testid="payment-refundable">$15.00<');
    const [refund] = await refundsOf(seeded.walletPaymentId);
    expect(refund).toMatchObject({ amount: 500, status: 'succeeded', wallet_amount: 500, card_amount: 0 });
    expect(done.body).toContain(`href="/dashboard/refunds/${refund.refund_id}"`);
    const referenced = (await entries()).filter((entry) => entry.reference_object_id === refund.refund_id);
    expect(referenced).toEqual([expect.objectContaining({ event_type: 'refund', amount: 500, is_credit: true })]);
    expect((await usd()).balance).toBe(before.balance + 500);

    // The same form again: after the first, and twice at once.
    const again = await writer.post(`${paymentPath(seeded.walletPaymentId)}/refunds`, form);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain(`This form was already applied once (refund ${refund.refund_id}, $5.00); it was not applied again.`);
    const fresh = await writer.get(paymentPath(seeded.walletPaymentId));
    const twice = { ...form, idempotency_key: keyOf(fresh.body), amount: '1.00' };
    const both = await Promise.all([0, 1].map(() => writer.post(`${paymentPath(seeded.walletPaymentId)}/refunds`, twice)));
    expect(both.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(both.filter((r) => r.body.includes('already applied once'))).toHaveLength(1);
    expect((await refundsOf(seeded.walletPaymentId)).map((r) => r.amount).sort((a, b) => a - b)).toEqual([100, 500]);
    expect((await usd()).balance).toBe(before.balance + 600);

    // The refund's page: its parts, and a link to the customer's refund entries.
    const detail = await writer.get(`/dashboard/refunds/${refund.refund_id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).toContain('data-testid="refund-wallet">$5.00<');
    expect(detail.body).toContain('data-testid="refund-card">$0.00 · nothing to the card<');
    expect(detail.body).toContain('Late delivery');
    expect(detail.body).toContain(`href="/dashboard/customers/${customerId}?event_type=refund"`);
  });

  it('a refund as paid takes the wallet part first and sends the rest to the card', async () => {
    const writer = client(t);
    await writer.signIn(t.apiKey);
    const page = await writer.get(paymentPath(seeded.cardPaymentId));
    expect(page.body).toContain('data-testid="payment-refundable">$60.00<');
    const done = await writer.post(`${paymentPath(seeded.cardPaymentId)}/refunds`, { _csrf: csrfOf(page.body), idempotency_key: keyOf(page.body), amount: '$20', destination: 'original' });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.body).toContain('$10.00 to the wallet, $10.00 to the card.');
    const [refund] = await refundsOf(seeded.cardPaymentId);
    expect(refund).toMatchObject({ amount: 2000, wallet_amount: 1000, card_amount: 1000 });
    const referenced = (await entries()).filter((entry) => entry.reference_object_id === refund.refund_id);
    expect(referenced).toEqual([expect.objectContaining({ event_type: 'refund', amount: 1000, is_credit: true })]);
  });

  it('refused in words, nothing refunded: beyond the refundable amount, bad amounts and destinations, no CSRF token, a read-only key, another business', async () => {
    const writer = client(t);
    await writer.signIn(t.apiKey);
    const path = `${paymentPath(seeded.walletPaymentId)}/refunds`;
    const snapshot = async () => JSON.stringify([await usd(), await refundsOf(seeded.walletPaymentId)]);
    const before = await snapshot();
    const page = await writer.get(paymentPath(seeded.walletPaymentId));
    const form = { _csrf: csrfOf(page.body), idempotency_key: keyOf(page.body), destination: 'wallet' };
    const beyond = await writer.post(path, { ...form, amount: '100.00' });
    expect(beyond.statusCode).toBe(400);
    expect(beyond.body).toContain('role="alert">Amount: at most $14.00 is left to refund of this payment (you asked for $100.00). Nothing was refunded.');
    expect(beyond.body).toContain('value="100.00"');
    for (const [amount, words] of [
      ['12.345', 'Amount: USD has 2 decimal places at most'],
      ['abc', 'Amount: &quot;abc&quot; is not an amount'],
      ['', 'Amount: Enter an amount'],
      ['0', 'Amount: The amount must be more than zero'],
    ]) {
      const refused = await writer.post(path, { ...form, amount });
      expect(refused.statusCode, amount).toBe(422);
      expect(refused.body, amount).toContain(words);
    }
    const destination = await writer.post(path, { ...form, amount: '1.00', destination: 'card' });
    expect(destination.statusCode).toBe(422);
    expect(destination.body).toContain('Destination: choose');
    const noKey = await writer.post(path, { _csrf: form._csrf, amount: '1.00', destination: 'wallet' });
    expect(noKey.statusCode).toBe(422);
    expect((await writer.post(path, { ...form, _csrf: '', amount: '1.00' })).statusCode).toBe(403);
    expect((await writer.post(path, { idempotency_key: form.idempotency_key, amount: '1.00' })).statusCode).toBe(403);
    // A top-up is refunded to the card only; a failed payment not at all.
    const topUp = await writer.get(paymentPath(topUpId));
    expect(topUp.body).not.toContain('value="wallet"');
    const toWallet = await writer.post(`${paymentPath(topUpId)}/refunds`, { _csrf: form._csrf, idempotency_key: keyOf(topUp.body), amount: '1.00', destination: 'wallet' });
    expect(toWallet.statusCode).toBe(400);
    expect(toWallet.body).toContain('role="alert">Refused: A top-up is refunded to the card');

    const readOnly = client(t);
    await readOnly.signIn(t.readOnlyKey);
    const roPage = await readOnly.get(paymentPath(seeded.walletPaymentId));
    expect(roPage.body).toContain('This API key is read-only: refunds are refused.');
    const refused = await readOnly.post(path, { _csrf: csrfOf(roPage.body), idempotency_key: keyOf(roPage.body), amount: '1.00', destination: 'wallet' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Refused: this API key is read-only, so it cannot refund.');

    const stranger = client(t);
    await stranger.signIn((await t.addBusiness('Other')).apiKey);
    const theirs = await stranger.get('/dashboard/refunds');
    expect((await stranger.get(paymentPath(seeded.walletPaymentId))).statusCode).toBe(404);
    const [own] = await refundsOf(seeded.walletPaymentId); // either of its refunds
    expect((await stranger.get(`/dashboard/refunds/${own.refund_id}`)).statusCode).toBe(404);
    expect(theirs.body).not.toContain(own.refund_id);
    expect((await stranger.get('/dashboard/subscriptions')).body).toContain('No subscriptions yet');
    const strangerRefund = await stranger.post(path, { _csrf: csrfOf(theirs.body), idempotency_key: form.idempotency_key, amount: '1.00', destination: 'wallet' });
    expect(strangerRefund.statusCode).toBe(404);
    expect(await snapshot()).toBe(before);
  });

  it("a payment's disputes: open and lost, with what was held, taken and the shortfall", async () => {
    const visitor = client(t);
    await visitor.signIn(t.readOnlyKey);
    const page = await visitor.get(paymentPath(topUpId));
    expect(page.statusCode).toBe(200);
    const disputes = /<section id="payment-disputes"[\s\S]*?<\/section>/.exec(page.body)![0];
    expect(disputes).toContain(`data-testid="dispute-status-${lostDisputeId}">lost<`);
    expect(disputes).toContain(`data-testid="dispute-shortfall-${lostDisputeId}">$25.00<`);
    expect(disputes).toContain(`data-testid="dispute-status-${openDisputeId}">open<`);
    expect(disputes).toContain('Fraudulent');
    expect(disputes.indexOf(openDisputeId)).toBeLessThan(disputes.indexOf(lostDisputeId));
    // The payments list links each payment to its page.
    expect((await visitor.get('/dashboard/payments')).body).toContain(`href="/dashboard/payments/${topUpId}"`);
  });

  it('the Refunds page: filtered by status and customer, paged, newest first', async () => {
    const visitor = client(t);
    await visitor.signIn(t.readOnlyKey);
    const invoice = await post('/invoices', { customer_id: disputedCustomer, currency: 'USD', line_items: [{ description: 'Tiny', amount: 100 }], wallet: { mode: 'never' } });
    const paid = await post(`/invoices/${invoice.invoice_id}/pay`, {});
    const made: string[] = [];
    for (let index = 0; index < refundsPageSize + 1; index++) {
      clock.advance(1);
      made.push((await post('/refunds', { payment_id: paid.payment_id, amount: 1, destination: 'wallet' })).refund_id);
    }
    const first = await visitor.get(`/dashboard/refunds?customer_id=${disputedCustomer}`);
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain(`Refunds of ${disputedCustomer}, newest first, page 1`);
    expect(first.body).toContain(made.at(-1));
    expect(first.body).not.toContain(made[0]);
    expect(first.body).toContain(`href="/dashboard/refunds?customer_id=${disputedCustomer}&amp;page=1" rel="next"`);
    const second = await visitor.get(`/dashboard/refunds?customer_id=${disputedCustomer}&page=1`);
    expect(second.body).toContain(made[0]);
    expect(second.body).not.toContain('rel="next"');
    const succeeded = await visitor.get(`/dashboard/refunds?status=succeeded&customer_id=${customerId}`, { 'hx-request': 'true', 'hx-target': 'refund-results' });
    expect(succeeded.body).not.toContain('<html');
    expect(succeeded.body).toContain('Ann Lee');
    expect(succeeded.body).not.toContain(made[0]);
    const [cardRefund] = await refundsOf(seeded.cardPaymentId);
    const pending = await visitor.get('/dashboard/refunds?status=pending');
    if (cardRefund.status === 'pending') expect(pending.body).toContain(cardRefund.refund_id);
    expect(pending.body).not.toContain(made[0]);
    expect((await visitor.get('/dashboard/refunds?status=failed')).body).toContain('No refunds match');
  });

  it('subscriptions: the Subscriptions page filtered by status, and the customer page with status, next billing date and amount', async () => {
    const active = await post('/subscriptions', { customer_id: customerId, currency: 'USD', amount: 1999, interval: 'month', starts_at: '2026-07-01T00:00:00.000Z' });
    const paused = await post('/subscriptions', { customer_id: customerId, currency: 'USD', amount: 500, interval: 'week', interval_count: 2, starts_at: '2026-07-01T00:00:00.000Z' });
    const pausing = await t.request('PATCH', `/subscriptions/${paused.subscription_id}`, { body: { pause: true } });
    expect(pausing.statusCode, pausing.body).toBe(200);
    const visitor = client(t);
    await visitor.signIn(t.readOnlyKey);
    const all = await visitor.get('/dashboard/subscriptions');
    expect(all.statusCode).toBe(200);
    expect(all.body).toContain(active.subscription_id);
    expect(all.body).toContain(paused.subscription_id);
    expect(all.body).toContain('every 2 weeks');
    const onlyPaused = await visitor.get('/dashboard/subscriptions?status=paused');
    expect(onlyPaused.body).toContain(paused.subscription_id);
    expect(onlyPaused.body).not.toContain(active.subscription_id);
    expect(onlyPaused.body).toContain('Subscriptions with status paused');
    const customer = await visitor.get(`/dashboard/customers/${customerId}`);
    const section = /<section id="subscriptions"[\s\S]*?<\/section>/.exec(customer.body)![0];
    expect(section).toContain(`data-testid="subscription-status-${active.subscription_id}">active<`);
    expect(section).toContain(`data-testid="subscription-next-${active.subscription_id}">2026-07-01 00:00 UTC<`);
    expect(section).toContain('$19.99');
    expect(section).toContain(`href="/dashboard/subscriptions?customer_id=${customerId}"`);
    expect((await visitor.get(`/dashboard/subscriptions?customer_id=${disputedCustomer}`)).body).toContain('No subscriptions match');
  });

  it('every new page has the CSP, no inline script or style, a label on each control; hostile queries and paths never get a 5xx', async () => {
    const visitor = client(t);
    await visitor.signIn(t.apiKey);
    const [refund] = await refundsOf(seeded.walletPaymentId);
    for (const url of ['/dashboard/refunds', `/dashboard/refunds/${refund.refund_id}`, paymentPath(seeded.walletPaymentId), paymentPath(topUpId), '/dashboard/subscriptions']) {
      const response = await visitor.get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-security-policy'], url).toBe(dashboardContentSecurityPolicy);
      for (const tag of response.body.match(/<script\b[^>]*>/g) ?? []) expect(tag, url).toMatch(/ src="\/dashboard\/assets\//);
      expect(response.body, url).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      for (const [, id] of response.body.matchAll(/<(?:input|select|textarea)(?![^>]*type="(?:hidden|radio)")[^>]*\bid="([^"]+)"/g)) {
        expect(response.body, `${url}: #${id}`).toContain(`<label for="${id}">`);
      }
    }
    const token = csrfOf((await visitor.get('/dashboard/refunds')).body);
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '0', '1', 'pending', 'paused', 'succeeded', customerId, 'cus_x', '-1', '99999999', '1e3', '٣'));
    const before = JSON.stringify([await usd(), await refundsOf(seeded.walletPaymentId)]);
    await fc.assert(
      fc.asyncProperty(fc.record({ status: text, customer_id: text, page: text }, { requiredKeys: [] }), text, text, async (query, id, amount) => {
        const search = new URLSearchParams(query).toString();
        for (const url of [`/dashboard/refunds?${search}`, `/dashboard/subscriptions?${search}`, `/dashboard/refunds/${encodeURIComponent(id)}`, paymentPath(encodeURIComponent(id))]) {
          expect((await visitor.get(url)).statusCode, url).toBeLessThan(500);
        }
        // No idempotency key: refused whatever the rest says.
        const refused = await visitor.post(`${paymentPath(seeded.walletPaymentId)}/refunds`, { _csrf: token, amount, destination: id });
        expect(refused.statusCode).toBeGreaterThanOrEqual(400);
        expect(refused.statusCode).toBeLessThan(500);
        expect((await visitor.post(`${paymentPath(encodeURIComponent(`pay_${id}`))}/refunds`, { _csrf: token, amount: '1' })).statusCode).toBeLessThan(500);
      }),
      { numRuns: 30 },
    );
    expect(JSON.stringify([await usd(), await refundsOf(seeded.walletPaymentId)])).toBe(before);
  });
});
