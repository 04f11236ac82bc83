// Dunning on both stores with the clock moved by the test: a declined renewal puts the subscription on_hold and
// retries on the configured schedule; a top-up meanwhile makes the next retry succeed (dunning.recovered); after the
// last retry the subscription is cancelled and its invoice voided. Plus subscriptions.charge through the official SDK.
import type DodoPayments from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { attachMethod, walletOf } from '../billing/support.ts';
import { createCustomer, credit } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { createSubscription, eventTypesOf, eventsOf, invoicesOf, runUntil, subscriptionOf } from './support.ts';

const hour = 3_600_000;

describe.each(storeKinds)('subscription dunning [%s]', (kind) => {
  let t: TestApp;
  let client: DodoPayments;
  const clock = new ManualClock(new Date('2027-05-01T12:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_DUNNING_RETRY_HOURS: '24,72' }, { clock });
    client = sdkClient(await t.listen(), t.apiKey, { maxRetries: 0 });
  });
  afterAll(async () => t?.close());

  it('decline → on_hold → a retry that fails → a top-up → the next retry succeeds, and the next period renews', async () => {
    const start = clock.now().getTime();
    const customer = await createCustomer(t);
    await attachMethod(t, customer.customer_id, 'pm_card_declines');
    const sub = await createSubscription(t, { customer_id: customer.customer_id, amount: 2500 });
    await runUntil(t, clock, new Date(start + hour));
    const held = await subscriptionOf(t, sub.subscription_id);
    expect(held).toMatchObject({ status: 'on_hold', periods_billed: 0, dunning: { attempt: 0, started_at: new Date(start).toISOString(), next_retry_at: new Date(start + 24 * hour).toISOString() } });
    expect(await eventTypesOf(t, sub.subscription_id)).toEqual(['subscription.active', 'subscription.on_hold', 'dunning.started', 'subscription.failed']);

    await runUntil(t, clock, new Date(start + 25 * hour));
    expect((await subscriptionOf(t, sub.subscription_id)).dunning).toMatchObject({ attempt: 1, next_retry_at: new Date(start + 72 * hour).toISOString() });
    // The customer tops the wallet up: the next retry pays from it, the declining card is not asked.
    await credit(t, customer.customer_id, 3000);
    await runUntil(t, clock, new Date(start + 73 * hour));
    const recovered = await subscriptionOf(t, sub.subscription_id);
    expect(recovered).toMatchObject({ status: 'active', periods_billed: 1, dunning: null, next_billing_date: '2027-06-01T12:00:00.000Z' });
    const invoices = await invoicesOf(t, sub.subscription_id);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({ status: 'paid', attempt_count: 3 });
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 500 });
    const events = await eventsOf(t, sub.subscription_id);
    expect(events.map((e) => e.type).slice(4)).toEqual(['dunning.recovered', 'subscription.active']);
    expect(events[4].data).toMatchObject({ payload_type: 'DunningAttempt', invoice_id: invoices[0].id, payment_id: invoices[0].payment_id, attempt: 1 });

    // The next period: the wallet has 500, the card declines again → dunning for June.
    await runUntil(t, clock, new Date('2027-06-01T13:00:00.000Z'));
    expect(await subscriptionOf(t, sub.subscription_id)).toMatchObject({ status: 'on_hold', periods_billed: 1 });
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 500, held_amount: 0 });
    expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
  });

  it('after the last retry fails the subscription is cancelled and the unpaid renewal voided', async () => {
    clock.set(new Date('2028-01-01T00:00:00.000Z'));
    const customer = await createCustomer(t);
    await attachMethod(t, customer.customer_id, 'pm_card_insufficient_funds');
    const sub = await createSubscription(t, { customer_id: customer.customer_id, amount: 900 });
    await runUntil(t, clock, new Date('2028-01-10T00:00:00.000Z'));
    expect(await subscriptionOf(t, sub.subscription_id)).toMatchObject({ status: 'cancelled', cancelled_at: '2028-01-04T00:00:00.000Z' });
    const invoices = await invoicesOf(t, sub.subscription_id);
    expect(invoices.map((i) => [i.status, Number(i.attempt_count)])).toEqual([['void', 3]]);
    expect(await eventTypesOf(t, sub.subscription_id)).toEqual(['subscription.active', 'subscription.on_hold', 'dunning.started', 'subscription.failed', 'subscription.cancelled']);
    const charges = await t.coffer.store.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customer.customer_id).execute();
    expect(charges).toHaveLength(3);
  });

  it('a new primary method attached during dunning makes the next retry succeed', async () => {
    clock.set(new Date('2029-01-01T00:00:00.000Z'));
    const customer = await createCustomer(t);
    await attachMethod(t, customer.customer_id, 'pm_card_declines');
    const sub = await createSubscription(t, { customer_id: customer.customer_id, amount: 900 });
    await runUntil(t, clock, new Date('2029-01-01T01:00:00.000Z'));
    await attachMethod(t, customer.customer_id, 'pm_card_succeeds', true);
    await runUntil(t, clock, new Date('2029-01-02T01:00:00.000Z'));
    expect(await subscriptionOf(t, sub.subscription_id)).toMatchObject({ status: 'active', periods_billed: 1 });
  });

  it('subscriptions.charge, retrieve, list and update through the official SDK; allow_customer_credits_usage decides the wallet part', async () => {
    const customer = await createCustomer(t);
    await credit(t, customer.customer_id, 1000);
    await attachMethod(t, customer.customer_id, 'pm_card_succeeds');
    const sub = await createSubscription(t, { customer_id: customer.customer_id, amount: 100, starts_at: new Date(clock.now().getTime() + 10 * 86_400_000).toISOString() });
    const fromWallet = await client.subscriptions.charge(sub.subscription_id, { product_price: 400, customer_balance_config: { allow_customer_credits_usage: true } });
    expect(fromWallet.payment_id).toMatch(/^pay_/);
    expect(await client.payments.retrieve(fromWallet.payment_id)).toMatchObject({ status: 'succeeded', wallet_amount: 400, method_amount: 0 });
    const noWallet = await client.subscriptions.charge(sub.subscription_id, { product_price: 300, customer_balance_config: { allow_customer_credits_usage: false } });
    expect(await client.payments.retrieve(noWallet.payment_id)).toMatchObject({ status: 'succeeded', wallet_amount: 0, method_amount: 300 });
    expect(await walletOf(t, customer.customer_id)).toMatchObject({ balance: 600 });

    const retrieved = await client.subscriptions.retrieve(sub.subscription_id);
    expect(retrieved).toMatchObject({ subscription_id: sub.subscription_id, status: 'active', customer: { customer_id: customer.customer_id }, payment_frequency_interval: 'Month' });
    const page = await client.subscriptions.list({ customer_id: customer.customer_id });
    expect(page.items.map((s) => s.subscription_id)).toEqual([sub.subscription_id]);
    const updated = await client.subscriptions.update(sub.subscription_id, { cancel_at_next_billing_date: true, metadata: { plan: 'pro' } });
    expect(updated).toMatchObject({ cancel_at_next_billing_date: true, metadata: { plan: 'pro' } });
    await expect(client.subscriptions.charge('sub_missing', { product_price: 1 })).rejects.toMatchObject({ status: 404 });
    await expect(client.subscriptions.charge(sub.subscription_id, { product_price: 1, product_currency: 'INR' })).rejects.toMatchObject({ status: 400 });
    expect((await invoicesOf(t, sub.subscription_id)).map((i) => i.subscription_period_start)).toEqual([null, null]);
  });
});
