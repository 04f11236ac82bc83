// Subscriptions paid from the wallet over HTTP on both stores, with the clock moved by the test: a year of monthly
// renewals on a covering wallet that then runs dry and falls back to the card; 31 January anchoring; missed periods
// billed once each, in order; pause, resume and cancel; bad input refused naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { attachMethod, walletOf } from '../billing/support.ts';
import { createCustomer, credit } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { createSubscription, eventTypesOf, invoicesOf, runUntil, subscriptionOf } from './support.ts';

describe.each(storeKinds)('subscriptions [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2027-01-31T09:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, {}, { clock });
  });
  afterAll(async () => t?.close());

  const customerWith = async (balance: number, method: string | null) => {
    const customer = await createCustomer(t);
    if (balance > 0) await credit(t, customer.customer_id, balance);
    if (method !== null) await attachMethod(t, customer.customer_id, method);
    return customer.customer_id;
  };
  const expectClean = async () => expect((await verifyStore(t.coffer.store)).findings).toEqual([]);

  it('a year of monthly renewals from a covering wallet, anchored on 31 January, then the card once it runs dry', async () => {
    const start = clock.now();
    const customerId = await customerWith(12 * 1500, 'pm_card_succeeds');
    const sub = await createSubscription(t, { customer_id: customerId, amount: 1500 });
    expect(sub).toMatchObject({ status: 'active', next_billing_date: start.toISOString(), payment_frequency_interval: 'Month', recurring_pre_tax_amount: 1500, periods_billed: 0 });
    expect(sub.subscription_id).toMatch(/^sub_/);

    await runUntil(t, clock, new Date('2027-12-31T10:00:00.000Z'));
    const afterYear = await subscriptionOf(t, sub.subscription_id);
    expect(afterYear).toMatchObject({ status: 'active', periods_billed: 12, next_billing_date: '2028-01-31T09:00:00.000Z', previous_billing_date: '2027-12-31T09:00:00.000Z' });
    const invoices = await invoicesOf(t, sub.subscription_id);
    expect(invoices.map((i) => i.subscription_period_start!.slice(0, 10))).toEqual([
      '2027-01-31', '2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31', '2027-06-30',
      '2027-07-31', '2027-08-31', '2027-09-30', '2027-10-31', '2027-11-30', '2027-12-31',
    ]);
    expect(invoices.every((i) => i.status === 'paid')).toBe(true);
    const payments = await t.coffer.store.db.selectFrom('payments').selectAll().where('customer_id', '=', customerId).execute();
    expect(payments.map((p) => [Number(p.wallet_amount), Number(p.method_amount)])).toEqual(Array.from({ length: 12 }, () => [1500, 0]));
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 0, available_balance: 0 });

    // The wallet is empty: January 2028 and February 2028 (29th, a leap year) are charged to the card.
    await runUntil(t, clock, new Date('2028-02-29T10:00:00.000Z'));
    const later = await invoicesOf(t, sub.subscription_id);
    expect(later.map((i) => i.subscription_period_start)).toContain('2028-02-29T09:00:00.000Z');
    const charged = await t.coffer.store.db.selectFrom('payments').selectAll().where('customer_id', '=', customerId).orderBy('id').execute();
    expect(charged.slice(12).map((p) => [p.status, Number(p.wallet_amount), Number(p.method_amount)])).toEqual([['succeeded', 0, 1500], ['succeeded', 0, 1500]]);
    const types = await eventTypesOf(t, sub.subscription_id);
    expect(types[0]).toBe('subscription.active');
    expect(types.filter((type) => type === 'subscription.renewed')).toHaveLength(13);
    await expectClean();
  });

  it('a clock moved far ahead bills each missed period once, in order; a second run bills nothing more', async () => {
    clock.set(new Date('2030-03-15T00:00:00.000Z'));
    const customerId = await customerWith(100_000, null);
    const sub = await createSubscription(t, { customer_id: customerId, amount: 700, interval: 'week', interval_count: 2 });
    clock.set(new Date('2030-06-01T00:00:00.000Z'));
    await runUntil(t, clock, clock.now());
    await runUntil(t, clock, clock.now());
    const invoices = await invoicesOf(t, sub.subscription_id);
    // 15 March + 2 weeks × k up to 1 June: k = 0…5 (24 May is the last start before 1 June).
    expect(invoices.map((i) => i.subscription_period_start!.slice(0, 10))).toEqual(['2030-03-15', '2030-03-29', '2030-04-12', '2030-04-26', '2030-05-10', '2030-05-24']);
    // In order: the wallet's debits, oldest first, pay the periods in their order.
    const entries = await t.coffer.store.db.selectFrom('ledger_entries').select(['reference_object_id']).where('customer_id', '=', customerId).where('is_credit', '=', 0).orderBy('wallet_seq').execute();
    const periodOfPayment = new Map((await t.coffer.store.db.selectFrom('payments').select(['id', 'invoice_id']).where('customer_id', '=', customerId).execute()).map((p) => [p.id, invoices.find((i) => i.id === p.invoice_id)!.subscription_period_start]));
    expect(entries.map((e) => periodOfPayment.get(e.reference_object_id!))).toEqual(invoices.map((i) => i.subscription_period_start));
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 100_000 - 6 * 700 });
    expect((await subscriptionOf(t, sub.subscription_id)).next_billing_date).toBe('2030-06-07T00:00:00.000Z');
  });

  it('pause skips the periods that start while paused; resume bills from the next one; cancel at the next billing date', async () => {
    clock.set(new Date('2031-01-10T00:00:00.000Z'));
    const customerId = await customerWith(100_000, null);
    const sub = await createSubscription(t, { customer_id: customerId, amount: 1000 });
    await runUntil(t, clock, clock.now());
    const paused = await t.request('PATCH', `/subscriptions/${sub.subscription_id}`, { body: { status: 'paused' } });
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json()).toMatchObject({ status: 'paused', paused_at: clock.now().toISOString() });
    expect((await t.request('PATCH', `/subscriptions/${sub.subscription_id}`, { body: { status: 'paused', pause: false } })).json().code).toBe('INVALID_SUBSCRIPTION');
    await runUntil(t, clock, new Date('2031-03-20T00:00:00.000Z'));
    expect(await invoicesOf(t, sub.subscription_id)).toHaveLength(1);
    const resumed = await t.request('PATCH', `/subscriptions/${sub.subscription_id}`, { body: { pause: false } });
    expect(resumed.json()).toMatchObject({ status: 'active', next_billing_date: '2031-04-10T00:00:00.000Z', paused_at: null });
    const again = await t.request('PATCH', `/subscriptions/${sub.subscription_id}`, { body: { status: 'active' } });
    expect(again.statusCode).toBe(200);
    await runUntil(t, clock, new Date('2031-04-11T00:00:00.000Z'));
    expect((await invoicesOf(t, sub.subscription_id)).map((i) => i.subscription_period_start!.slice(0, 10))).toEqual(['2031-01-10', '2031-04-10']);
    const cancelLater = await t.request('PATCH', `/subscriptions/${sub.subscription_id}`, { body: { cancel_at_next_billing_date: true } });
    expect(cancelLater.json()).toMatchObject({ status: 'active', cancel_at_next_billing_date: true });
    await runUntil(t, clock, new Date('2031-06-01T00:00:00.000Z'));
    const ended = await subscriptionOf(t, sub.subscription_id);
    expect(ended).toMatchObject({ status: 'cancelled', cancelled_at: '2031-05-10T00:00:00.000Z' });
    expect(await invoicesOf(t, sub.subscription_id)).toHaveLength(2);
    const resume = await t.request('PATCH', `/subscriptions/${sub.subscription_id}`, { body: { status: 'active' } });
    expect(resume.statusCode).toBe(409);
    expect(resume.json().code).toBe('SUBSCRIPTION_STATUS_CONFLICT');
    expect(await eventTypesOf(t, sub.subscription_id)).toEqual(['subscription.active', 'subscription.paused', 'subscription.active', 'subscription.renewed', 'subscription.cancelled']);
  });

  it('expires_at: no period starting at or after it is billed, and the subscription expires', async () => {
    clock.set(new Date('2032-01-01T00:00:00.000Z'));
    const customerId = await customerWith(100_000, null);
    const sub = await createSubscription(t, { customer_id: customerId, amount: 100, interval: 'day', expires_at: '2032-01-03T00:00:00.000Z' });
    await runUntil(t, clock, new Date('2032-01-10T00:00:00.000Z'));
    expect(await subscriptionOf(t, sub.subscription_id)).toMatchObject({ status: 'expired', periods_billed: 2 });
    expect((await eventTypesOf(t, sub.subscription_id)).at(-1)).toBe('subscription.expired');
  });

  it('cancel now, list and filters, and bad input refused naming the field with nothing written', async () => {
    const customerId = await customerWith(0, null);
    const sub = await createSubscription(t, { customer_id: customerId, amount: 100, starts_at: new Date(clock.now().getTime() + 86_400_000).toISOString() });
    const cancelled = await t.request('PATCH', `/subscriptions/${sub.subscription_id}`, { body: { status: 'cancelled' } });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    await runUntil(t, clock, new Date(clock.now().getTime() + 5 * 86_400_000));
    expect(await invoicesOf(t, sub.subscription_id)).toHaveLength(0);
    const list = await t.request('GET', `/subscriptions?customer_id=${customerId}&status=cancelled`);
    expect(list.json().items.map((s: { subscription_id: string }) => s.subscription_id)).toEqual([sub.subscription_id]);

    const before = await t.coffer.store.db.selectFrom('subscriptions').select(t.coffer.store.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ customer_id: customerId, amount: 0 }, 422, 'INVALID_REQUEST_BODY', 'amount'],
      [{ customer_id: customerId, amount: 100, interval: 'fortnight' }, 422, 'INVALID_REQUEST_BODY', 'interval'],
      [{ customer_id: customerId, amount: 100, interval_count: 0 }, 422, 'INVALID_REQUEST_BODY', 'interval_count'],
      [{ customer_id: customerId, amount: 100, starts_at: 'tomorrow' }, 422, 'INVALID_REQUEST_BODY', 'starts_at'],
      [{ customer_id: customerId, amount: 100, wallet: { mode: 'cap' } }, 400, 'INVALID_SUBSCRIPTION', 'cap_amount'],
      [{ customer_id: customerId, amount: 100, expires_at: '2000-01-01T00:00:00Z' }, 400, 'INVALID_SUBSCRIPTION', 'expires_at'],
      [{ customer_id: customerId, amount: 100, payment_method_id: 'pm_nowhere' }, 404, 'PAYMENT_METHOD_NOT_FOUND', 'pm_nowhere'],
      [{ customer_id: 'cus_missing', amount: 100 }, 404, 'CUSTOMER_NOT_FOUND', 'cus_missing'],
      [{ customer_id: customerId, amount: 100, currency: 'EUR' }, 422, 'UNSUPPORTED_CURRENCY', 'EUR'],
      [{ customer_id: customerId, amount: 100, surprise: 1 }, 422, 'INVALID_REQUEST_BODY', 'surprise'],
    ];
    for (const [body, status, code, field] of cases) {
      const response = await t.request('POST', '/subscriptions', { body: { currency: 'USD', interval: 'month', ...body } });
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().code).toBe(code);
      expect(response.json().message).toContain(field);
    }
    const after = await t.coffer.store.db.selectFrom('subscriptions').select(t.coffer.store.db.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect((await t.request('GET', '/subscriptions/sub_missing')).statusCode).toBe(404);
    const other = await t.addBusiness('Other');
    expect((await t.request('GET', `/subscriptions/${sub.subscription_id}`, { key: other.apiKey })).statusCode).toBe(404);
    expect((await t.request('PATCH', `/subscriptions/${sub.subscription_id}`, { body: { status: 'paused' }, key: t.readOnlyKey })).statusCode).toBe(403);
  });
});
