// Renewals across real processes: two `coffer serve` on one database billing many subscriptions with missed periods
// (each period invoiced exactly once, counted per period), two in-process apps racing to bill the same period, and a
// `coffer serve` SIGKILLed in the middle of a renewal (after restart the period is paid once). Runs dist/: build first.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/db/database.ts';
import { verifyStore } from '../../src/ops/verify.ts';
import { systemClock } from '../../src/shared/clock.ts';
import { idGenerator } from '../../src/shared/ids.ts';
import { Renewals } from '../../src/subscriptions/renewal.ts';
import { poster, quickChildEnv, useChildSuite, waitUntil } from '../support/child-suite.ts';
import { buildSiblingApp, createCustomer, credit } from '../support/fixtures.ts';
import { storeKinds } from '../support/stores.ts';
import { startTestApp } from '../support/test-app.ts';
import { createSubscription } from './support.ts';

const apiKey = `coffer_test_${'s'.repeat(24)}`;
const env = quickChildEnv(apiKey, { COFFER_BILLING_RECOVERY_DELAY_MS: '2500' });
const day = 86_400_000;
const post = poster(apiKey);

/** Invoices per (subscription, period start) of these subscriptions: every count must be 1. */
async function invoicesPerPeriod(side: Store, subscriptionIds: string[]) {
  const rows = await side.db
    .selectFrom('invoices')
    .select(['subscription_id', 'subscription_period_start', side.db.fn.countAll().as('n')])
    .where('subscription_id', 'in', subscriptionIds)
    .groupBy(['subscription_id', 'subscription_period_start'])
    .execute();
  return rows.map((row) => ({ subscription: row.subscription_id, period: row.subscription_period_start, n: Number(row.n) }));
}

describe.each(storeKinds)('subscription renewals across processes [%s]', (kind) => {
  const suite = useChildSuite(kind, () => env);
  let side: Store;
  const serve = (extra: Record<string, string> = {}) => suite.serve(extra);

  it.runIf(kind === 'postgres')('two coffer serve processes bill each missed period of 8 subscriptions exactly once', async () => {
    const [first, second] = [await serve(), await serve()];
    side = await suite.side();
    const subscriptionIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const baseUrl = (i % 2 === 0 ? first : second).baseUrl!;
      const customer = await post(baseUrl, '/customers', { email: `two-${i}@example.com`, name: `Two ${i}` });
      await post(baseUrl, `/customers/${customer.customer_id}/wallets/ledger-entries`, { amount: 100_000, currency: 'USD', entry_type: 'credit' });
      const sub = await post(baseUrl, '/subscriptions', { customer_id: customer.customer_id, currency: 'USD', amount: 100, interval: 'day', starts_at: new Date(Date.now() - 11.5 * day).toISOString() });
      subscriptionIds.push(sub.subscription_id);
    }
    const billed = await waitUntil(async () => {
      const rows = await side.db.selectFrom('subscriptions').select('next_period_index').where('id', 'in', subscriptionIds).execute();
      return rows.every((row) => Number(row.next_period_index) === 12);
    }, 90_000);
    expect(billed, first.output() + second.output()).toBe(true);
    const counts = await invoicesPerPeriod(side, subscriptionIds);
    expect(counts).toHaveLength(8 * 12);
    expect(counts.filter((c) => c.n !== 1)).toEqual([]);
    const debits = await side.db.selectFrom('ledger_entries').select(side.db.fn.countAll().as('n')).where('event_type', '=', 'payment').executeTakeFirstOrThrow();
    expect(Number(debits.n)).toBe(8 * 12);
    expect((await verifyStore(side)).findings).toEqual([]);
  });

  it('SIGKILL mid-renewal (between hold and charge): after restart the period is billed once and paid once', async () => {
    let server = await serve({ COFFER_BILLING_STEP_PAUSE_MS: '1500' });
    const baseUrl = server.baseUrl!;
    side = await suite.side();
    const customer = await post(baseUrl, '/customers', { email: 'kill@example.com', name: 'Kill' });
    const customerId = customer.customer_id as string;
    await post(baseUrl, `/customers/${customerId}/wallets/ledger-entries`, { amount: 600, currency: 'USD', entry_type: 'credit' });
    await post(baseUrl, `/customers/${customerId}/payment-methods`, { payment_method_id: 'pm_card_succeeds' });
    const sub = await post(baseUrl, '/subscriptions', { customer_id: customerId, currency: 'USD', amount: 1000, interval: 'month' });
    const reached = await waitUntil(async () => {
      const row = await side.db.selectFrom('payments').innerJoin('invoices', 'invoices.id', 'payments.invoice_id').select('payments.step').where('invoices.subscription_id', '=', sub.subscription_id).executeTakeFirst();
      return row?.step === 'held';
    }, 30_000);
    expect(reached, server.output()).toBe(true);
    server.kill();
    await server.exited;

    server = await serve();
    const done = await waitUntil(async () => {
      const row = await side.db.selectFrom('subscriptions').select('next_period_index').where('id', '=', sub.subscription_id).executeTakeFirstOrThrow();
      return Number(row.next_period_index) === 1;
    }, 60_000);
    expect(done, server.output()).toBe(true);
    const invoices = await side.db.selectFrom('invoices').selectAll().where('subscription_id', '=', sub.subscription_id).execute();
    expect(invoices.map((i) => i.status)).toEqual(['paid']);
    const charges = await side.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
    expect(charges.map((c) => [Number(c.amount), c.status])).toEqual([[400, 'succeeded']]);
    const wallet = await side.db.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();
    expect([Number(wallet.balance), Number(wallet.held_amount)]).toEqual([0, 0]);
    expect((await verifyStore(side)).findings).toEqual([]);
  });
});

// On PostgreSQL two apps (two pools) race; on SQLite one app, whose connection serialises the statements but not the
// interleaving of the 24 runs between them (two SQLite processes answer SQLITE_BUSY to a racing writer: a job retry).
describe.each(storeKinds)('racing runs billing one period [%s]', (kind) => {
  it('24 concurrent bill calls make one invoice and one payment', async () => {
    const t = await startTestApp(kind);
    const sibling = kind === 'postgres' ? await buildSiblingApp(t, {}) : t.coffer;
    try {
      const customer = await createCustomer(t);
      await credit(t, customer.customer_id, 10_000);
      const sub = await createSubscription(t, { customer_id: customer.customer_id, amount: 700, starts_at: new Date(Date.now() + day).toISOString() });
      const payload = { business_id: t.businessId, subscription_id: sub.subscription_id, period_index: 0, retry: 0 };
      const renewals = [t.coffer, sibling].map(
        (app) => new Renewals({ db: app.store.db, clock: app.clock, newId: idGenerator(systemClock), currencies: ['USD'], billing: app.billing, timeZoneOf: async () => 'UTC', dunningRetryHours: [24] }),
      );
      const outcomes = await Promise.all(Array.from({ length: 24 }, (_, i) => renewals[i % 2].bill(payload)));
      expect(outcomes.some((o) => o.status === 'done')).toBe(true);
      // Any run that saw the payment in progress is told to come back; run once more to settle.
      await renewals[0].bill(payload);
      const invoices = await t.coffer.store.db.selectFrom('invoices').selectAll().where('subscription_id', '=', sub.subscription_id).execute();
      expect(invoices.map((i) => [i.status, Number(i.attempt_count)])).toEqual([['paid', 1]]);
      const row = await t.coffer.store.db.selectFrom('subscriptions').selectAll().where('id', '=', sub.subscription_id).executeTakeFirstOrThrow();
      expect(Number(row.next_period_index)).toBe(1);
      const entries = await t.coffer.store.db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customer.customer_id).where('event_type', '=', 'payment').execute();
      expect(entries.map((e) => Number(e.amount))).toEqual([700]);
      expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
    } finally {
      if (sibling !== t.coffer) await sibling.close();
      await t.close();
    }
  });
});
