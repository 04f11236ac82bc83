// A model-based test (fast-check) of the HTTP processor's callback on both stores: random top-ups through the HTTP
// processor, spending, disputes opened and resolved, reversals, card refunds and their late failures, each event sent
// over real HTTP with a real signature, some replayed with their id and some reported again under a new id. After
// every step: a replay changed nothing; the wallet's balance and held amount are the model's (a dispute holds
// min(available, amount), lost takes the hold, won releases it, a reversal takes min(available, amount), a late
// failure credits the card part once); a refund's card part went to the wallet at most once; `coffer verify` is clean.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type ProcessorWorld, httpTopUp, sendEvent, startProcessorWorld } from './processor-support.ts';
import { entriesOf, walletOf } from './support.ts';

type Step =
  | { kind: 'top_up'; amount: number }
  | { kind: 'spend'; amount: number }
  | { kind: 'open'; payment: number; amount: number }
  | { kind: 'resolve'; dispute: number; outcome: 'won' | 'lost' }
  | { kind: 'reverse'; payment: number; amount: number }
  | { kind: 'refund'; payment: number; amount: number }
  | { kind: 'fail'; refund: number }
  | { kind: 'replay'; event: number; newId: boolean };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('top_up' as const), amount: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('spend' as const), amount: fc.integer({ min: 1, max: 2000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('open' as const), payment: fc.nat(9), amount: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('resolve' as const), dispute: fc.nat(9), outcome: fc.constantFrom('won' as const, 'lost' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), payment: fc.nat(9), amount: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('refund' as const), payment: fc.nat(9), amount: fc.integer({ min: 1, max: 1500 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('fail' as const), refund: fc.nat(9) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), event: fc.nat(19), newId: fc.boolean() }) },
);

describe.each(storeKinds)('the processor callback, model-based [%s]', (kind) => {
  const clock = new ManualClock(new Date('2026-06-01T00:00:00.000Z'));
  let world: ProcessorWorld;
  beforeAll(async () => {
    world = await startProcessorWorld(kind, clock);
  });
  afterAll(async () => world?.close());

  it('random disputes, reversals, refunds and late failures keep the model and every invariant; replays change nothing', async () => {
    const t = world.t;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 14 }), async (steps) => {
        run += 1;
        let customerId: string | undefined;
        const payments: Array<{ id: string; chargeId: string; total: number; refundable: number }> = [];
        const disputes: Array<{ processorId: string; held: number; ended: 'won' | 'lost' | null }> = [];
        const refunds: Array<{ processorRefundId: string; card: number; failed: boolean }> = [];
        const sent: Array<{ id: string; event: Record<string, unknown> }> = [];
        let balance = 0;
        let held = 0;
        const send = async (event: Record<string, unknown>, id?: string) => {
          const response = await sendEvent(world, clock, event, { id });
          if (id === undefined && response.status === 200) sent.push({ id: response.id, event });
          return response;
        };
        for (const [i, s] of steps.entries()) {
          if (s.kind === 'top_up') {
            const made = await httpTopUp(world, s.amount, customerId);
            customerId = made.customerId;
            payments.push({ id: made.paymentId, chargeId: made.chargeId, total: s.amount, refundable: s.amount });
            balance += s.amount;
          } else if (!customerId) {
            continue;
          } else if (s.kind === 'spend') {
            const response = await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: s.amount, currency: 'USD', entry_type: 'debit' } });
            if (s.amount <= balance - held) {
              expect(response.statusCode, response.body).toBe(200);
              balance -= s.amount;
            } else expect(response.statusCode).toBe(400);
          } else if ((s.kind === 'open' || s.kind === 'reverse') && payments.length > 0) {
            const payment = payments[s.payment % payments.length];
            const processorId = `dp_${run}_${i}`;
            const event = s.kind === 'open'
              ? { type: 'dispute.opened', business_id: t.businessId, charge_id: payment.chargeId, dispute_id: processorId, amount: s.amount }
              : { type: 'payment.reversed', business_id: t.businessId, charge_id: payment.chargeId, amount: s.amount };
            const response = await send(event);
            if (s.amount > payment.total) {
              expect(response.status).toBe(409);
              continue;
            }
            expect(response.status, JSON.stringify(response.body)).toBe(200);
            const take = Math.min(balance - held, s.amount);
            if (s.kind === 'open') {
              expect(response.body.dispute).toMatchObject({ held_amount: take, shortfall_amount: s.amount - take });
              disputes.push({ processorId, held: take, ended: null });
              held += take;
            } else {
              expect(response.body.dispute).toMatchObject({ taken_amount: take, shortfall_amount: s.amount - take });
              balance -= take;
            }
          } else if (s.kind === 'resolve' && disputes.length > 0) {
            const dispute = disputes[s.dispute % disputes.length];
            const response = await send({ type: `dispute.${s.outcome}`, business_id: t.businessId, dispute_id: dispute.processorId });
            if (dispute.ended !== null) {
              // Resolved already: the same outcome again answers it and moves nothing; the other is refused.
              expect(response.status).toBe(dispute.ended === s.outcome ? 200 : 409);
              continue;
            }
            expect(response.status, JSON.stringify(response.body)).toBe(200);
            dispute.ended = s.outcome;
            held -= dispute.held;
            if (s.outcome === 'lost') balance -= dispute.held;
          } else if (s.kind === 'refund' && payments.length > 0) {
            const payment = payments[s.payment % payments.length];
            const response = await t.request('POST', '/refunds', { body: { payment_id: payment.id, amount: s.amount } });
            if (s.amount > payment.refundable) {
              expect(response.statusCode).toBe(400);
              continue;
            }
            expect(response.statusCode, response.body).toBe(200);
            const refundId = response.json().refund_id;
            for (let tick = 0; tick < 3; tick++) await t.coffer.jobs.tick();
            const row = await t.coffer.store.db.selectFrom('refunds').selectAll().where('id', '=', refundId).executeTakeFirstOrThrow();
            // A top-up's refund takes the credit back out of the wallet first; without the available money it fails.
            if (s.amount <= balance - held) {
              expect(row).toMatchObject({ status: 'succeeded', card_status: 'succeeded' });
              balance -= s.amount;
              payment.refundable -= s.amount;
              refunds.push({ processorRefundId: row.processor_refund_id!, card: s.amount, failed: false });
            } else expect(row.status).toBe('failed');
          } else if (s.kind === 'fail' && refunds.length > 0) {
            const refund = refunds[s.refund % refunds.length];
            const response = await send({ type: 'refund.failed', business_id: t.businessId, refund_id: refund.processorRefundId, reason: 'card_closed' });
            expect(response.status, JSON.stringify(response.body)).toBe(200);
            expect(response.body.refund).toMatchObject({ card_status: 'failed_to_wallet', card_amount: 0 });
            if (!refund.failed) balance += refund.card;
            refund.failed = true;
          } else if (s.kind === 'replay' && sent.length > 0) {
            const earlier = sent[s.event % sent.length];
            const before = [await walletOf(t, customerId), (await entriesOf(t, customerId)).length];
            const response = await send(earlier.event, s.newId ? undefined : earlier.id);
            // Again under its own id: answered from the record. Under a new id: the same dispute or refund, or a
            // refusal of a dispute resolved already; a reversal under a new id is a new reversal (the processor's word).
            if (!s.newId) expect(response.headers.get('x-idempotent-replay')).toBe('true');
            if (s.newId && earlier.event.type === 'payment.reversed') {
              sent.pop();
              const take = Math.min(balance - held, earlier.event.amount as number);
              balance -= take;
              continue;
            }
            expect([200, 409]).toContain(response.status);
            expect([await walletOf(t, customerId), (await entriesOf(t, customerId)).length]).toEqual(before);
          }
          if (customerId) expect(await walletOf(t, customerId)).toMatchObject({ balance, held_amount: held, available_balance: balance - held });
        }
        if (customerId) {
          const entries = await entriesOf(t, customerId);
          for (const refund of refunds) {
            const refundId = (await t.coffer.store.db.selectFrom('refunds').select('id').where('processor_refund_id', '=', refund.processorRefundId).executeTakeFirstOrThrow()).id;
            const credits = entries.filter((e) => e.is_credit && e.event_type === 'refund' && e.reference_object_id === refundId);
            expect(credits.map((e) => e.amount)).toEqual(refund.failed ? [refund.card] : []);
          }
        }
        expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
      }),
      { numRuns: 30, seed: 20260601, endOnFailure: true },
    );
  }, 300_000);
});
