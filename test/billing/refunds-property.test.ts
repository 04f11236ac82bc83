// A model-based test (fast-check) over random top-ups, invoice payments, refunds (partial or full, to the wallet or
// the card, some of them concurrent) and disputes (won, lost, reversals) on both stores: per payment Σ refunds ≤ Σ paid
// and equals its refunded amounts, each refund's parts add up, every wallet balance = Σ its entries and never
// negative, the held amount = Σ active holds, and `coffer verify` finds nothing.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { createCustomer } from '../support/fixtures.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { attachMethod, createInvoice } from './support.ts';

type Step =
  | { kind: 'top_up'; amount: number; declines: boolean }
  | { kind: 'debit'; amount: number }
  | { kind: 'invoice'; amount: number }
  | { kind: 'refund'; payment: number; amount: number | null; wallet: boolean; concurrent: boolean }
  | { kind: 'dispute'; payment: number; amount: number; outcome: 'won' | 'lost' | 'reversal' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('top_up' as const), amount: fc.integer({ min: 1, max: 2000 }), declines: fc.boolean() }),
  fc.record({ kind: fc.constant('debit' as const), amount: fc.integer({ min: 1, max: 1500 }) }),
  fc.record({ kind: fc.constant('invoice' as const), amount: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({
    kind: fc.constant('refund' as const),
    payment: fc.nat(20),
    amount: fc.option(fc.integer({ min: 1, max: 1500 }), { nil: null }),
    wallet: fc.boolean(),
    concurrent: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('dispute' as const), payment: fc.nat(20), amount: fc.integer({ min: 1, max: 2000 }), outcome: fc.constantFrom('won' as const, 'lost' as const, 'reversal' as const) }),
);

describe.each(storeKinds)('refunds and disputes, model-based [%s]', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(async () => t?.close());

  it('random payments, refunds and disputes keep every invariant', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        run += 1;
        const customerId = (await createCustomer(t)).customer_id;
        await attachMethod(t, customerId, 'pm_card_succeeds');
        const payments: Array<{ id: string; topUp: boolean }> = [];
        for (const [i, s] of steps.entries()) {
          if (s.kind === 'top_up') {
            const body = { currency: 'USD', amount: s.amount, idempotency_key: `m${run}-${i}`, payment_method_id: s.declines ? 'pm_card_declines' : null };
            if (s.declines) await t.request('POST', `/customers/${customerId}/payment-methods`, { body: { payment_method_id: 'pm_card_declines' } });
            const response = await t.request('POST', `/customers/${customerId}/wallets/top-ups`, { body });
            expect(response.statusCode, response.body).toBe(200);
            const payment = response.json().payment;
            expect(payment.status).toBe(s.declines ? 'failed' : 'succeeded');
            payments.push({ id: payment.payment_id, topUp: true });
          } else if (s.kind === 'debit') {
            const response = await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: s.amount, currency: 'USD', entry_type: 'debit' } });
            expect([200, 400]).toContain(response.statusCode);
          } else if (s.kind === 'invoice') {
            const invoice = await createInvoice(t, customerId, [s.amount]);
            const response = await t.request('POST', `/invoices/${invoice.invoice_id}/pay`, { body: { payment_method_id: 'pm_card_succeeds' } });
            expect(response.json().status, response.body).toBe('succeeded');
            payments.push({ id: response.json().payment_id, topUp: false });
          } else if (s.kind === 'refund' && payments.length > 0) {
            const payment = payments[s.payment % payments.length];
            const body = { payment_id: payment.id, amount: s.amount, destination: s.wallet && !payment.topUp ? 'wallet' : 'original' };
            const responses = await Promise.all((s.concurrent ? [1, 2] : [1]).map(() => t.request('POST', '/refunds', { body })));
            for (const response of responses) {
              expect([200, 400, 409], response.body).toContain(response.statusCode);
              if (response.statusCode !== 200) expect(['REFUND_EXCEEDS_PAYMENT', 'PAYMENT_NOT_REFUNDABLE']).toContain(response.json().code);
            }
            for (let j = 0; j < 3; j++) await t.coffer.jobs.tick();
          } else if (s.kind === 'dispute' && payments.length > 0) {
            const payment = payments[s.payment % payments.length];
            const opened = await t.request('POST', `/payments/${payment.id}/disputes`, { body: { amount: s.amount, kind: s.outcome === 'reversal' ? 'reversal' : 'dispute' } });
            expect([200, 409], opened.body).toContain(opened.statusCode);
            if (opened.statusCode === 200 && s.outcome !== 'reversal') {
              const resolved = await t.request('POST', `/disputes/${opened.json().dispute_id}/resolve`, { body: { outcome: s.outcome } });
              expect(resolved.statusCode, resolved.body).toBe(200);
            }
          }
        }
        for (let j = 0; j < 3; j++) await t.coffer.jobs.tick();
        await checkInvariants(customerId);
      }),
      { numRuns: 12, seed: 20260412 },
    );
  });

  async function checkInvariants(customerId: string) {
    const db = t.coffer.store.db;
    for (const payment of await db.selectFrom('payments').selectAll().where('customer_id', '=', customerId).execute()) {
      const refunds = await db.selectFrom('refunds').selectAll().where('payment_id', '=', payment.id).where('status', '!=', 'failed').execute();
      const total = refunds.reduce((sum, r) => sum + Number(r.amount), 0);
      expect(total).toBeLessThanOrEqual(Number(payment.total_amount));
      expect(total).toBe(Number(payment.refunded_wallet_amount) + Number(payment.refunded_method_amount));
      expect(Number(payment.refunded_wallet_amount)).toBeLessThanOrEqual(Number(payment.wallet_amount));
      expect(Number(payment.refunded_method_amount)).toBeLessThanOrEqual(Number(payment.method_amount));
      for (const r of refunds) {
        expect(r.status).toBe('succeeded');
        expect(Number(r.wallet_amount) + Number(r.card_amount)).toBe(Number(r.amount));
        // What the wallet was credited (or, for a top-up, debited) for the refund is what it says.
        const entries = await db.selectFrom('ledger_entries').selectAll().where('reference_object_id', '=', r.id).execute();
        const moved = entries.reduce((sum, e) => sum + Number(e.amount), 0);
        expect(moved).toBe(payment.kind === 'top_up' ? Number(r.amount) : Number(r.wallet_amount));
        expect(entries.every((e) => e.event_type === 'refund' && e.is_credit === (payment.kind === 'top_up' ? 0 : 1))).toBe(true);
      }
    }
    const wallet = await db.selectFrom('wallets').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').executeTakeFirstOrThrow();
    const entries = await db.selectFrom('ledger_entries').selectAll().where('customer_id', '=', customerId).where('currency', '=', 'USD').execute();
    const sum = entries.reduce((total, e) => total + (e.is_credit === 1 ? Number(e.amount) : -Number(e.amount)), 0);
    expect(Number(wallet.balance)).toBe(sum);
    expect(Number(wallet.balance)).toBeGreaterThanOrEqual(0);
    expect(Number(wallet.held_amount)).toBeGreaterThanOrEqual(0);
    expect(Number(wallet.held_amount)).toBeLessThanOrEqual(Number(wallet.balance));
    for (const dispute of await db.selectFrom('disputes').selectAll().where('customer_id', '=', customerId).execute()) {
      expect(['open', 'won', 'lost', 'reversed']).toContain(dispute.status);
      const [amount, held, taken, shortfall] = [dispute.amount, dispute.held_amount, dispute.taken_amount, dispute.shortfall_amount].map(Number);
      if (dispute.status === 'lost' || dispute.status === 'reversed') expect(taken + shortfall).toBe(amount);
      if (dispute.status === 'won') expect([taken, shortfall]).toEqual([0, 0]);
      if (dispute.status === 'open') expect([taken, held + shortfall]).toEqual([0, amount]);
      const disputeEntries = await db.selectFrom('ledger_entries').selectAll().where('reference_object_id', '=', dispute.id).execute();
      expect(disputeEntries.reduce((total, e) => total + Number(e.amount), 0)).toBe(taken);
    }
    expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
  }
});
