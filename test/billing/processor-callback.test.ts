// The HTTP processor's callback end to end over real HTTP on both stores, with real Standard Webhooks signatures:
// disputes opened, lost and won (with and without enough available balance), reversals, a card refund that failed
// late (callback and the simulated processor's route), replays that change nothing, and refusals — a wrong secret, an
// old timestamp, a tampered body, an unknown charge, another business's charge, a bad body — that change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { newWebhookSecret } from '../../src/webhooks/endpoint-service.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { startTestApp } from '../support/test-app.ts';
import { type ProcessorWorld, httpTopUp, newEventId, sendEvent, startProcessorWorld } from './processor-support.ts';
import { attachMethod, createInvoice, entriesOf, pay, walletOf } from './support.ts';

describe.each(storeKinds)('the HTTP processor callback [%s]', (kind) => {
  const clock = new ManualClock(new Date('2026-05-01T00:00:00.000Z'));
  let world: ProcessorWorld;
  beforeAll(async () => {
    world = await startProcessorWorld(kind, clock);
  });
  afterAll(async () => world?.close());

  const t = () => world.t;
  const send = (event: unknown, options = {}) => sendEvent(world, clock, event, options);
  const runJobs = async () => {
    for (let i = 0; i < 3; i++) await t().coffer.jobs.tick();
  };
  const expectClean = async () => expect((await verifyStore(t().coffer.store)).findings).toEqual([]);
  const eventsOf = async (type: string) => (await t().coffer.store.db.selectFrom('events').select(['type', 'data']).where('type', '=', type).execute()).map((row) => JSON.parse(row.data as string));
  /** What a refused or replayed request must leave as it was. */
  const snapshot = async (customerId: string) => ({
    wallet: await walletOf(t(), customerId),
    entries: (await entriesOf(t(), customerId)).length,
    disputes: (await t().coffer.store.db.selectFrom('disputes').select('id').execute()).length,
    events: (await t().coffer.store.db.selectFrom('events').select('id').execute()).length,
    recorded: (await t().coffer.store.db.selectFrom('processor_events').select('id').execute()).length,
  });
  const spend = async (customerId: string, amount: number) => {
    const response = await t().request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount, currency: 'USD', entry_type: 'debit' } });
    expect(response.statusCode, response.body).toBe(200);
  };

  it('dispute.opened holds the amount; a replay answers 200 and changes nothing; lost takes it as a dispute entry', async () => {
    const { customerId, paymentId, chargeId } = await httpTopUp(world, 5000);
    const opened = { type: 'dispute.opened', business_id: t().businessId, charge_id: chargeId, dispute_id: 'dp_enough_1', amount: 2000, reason: 'fraudulent' };
    const first = await send(opened);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ event_id: first.id, type: 'dispute.opened', refund: null, dispute: { payment_id: paymentId, dispute_status: 'dispute_opened', amount: '2000', held_amount: 2000, shortfall_amount: 0 } });
    expect(first.headers.get('x-idempotent-replay')).toBeNull();
    const disputeId = first.body.dispute.dispute_id;
    expect(await walletOf(t(), customerId)).toMatchObject({ balance: 5000, held_amount: 2000, available_balance: 3000 });

    const before = await snapshot(customerId);
    const replay = await send(opened, { id: first.id });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('x-idempotent-replay')).toBe('true');
    expect(replay.body.dispute).toMatchObject({ dispute_id: disputeId, held_amount: 2000 });
    // The same processor dispute under another event id is the same dispute too.
    const again = await send(opened);
    expect(again.body.dispute.dispute_id).toBe(disputeId);
    expect({ ...(await snapshot(customerId)), recorded: 0 }).toEqual({ ...before, recorded: 0 });
    // The same event id with another body is refused and applies nothing.
    const reused = await send({ ...opened, amount: 10 }, { id: first.id });
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({ code: 'PROCESSOR_EVENT_ID_REUSED' });

    const lost = await send({ type: 'dispute.lost', business_id: t().businessId, dispute_id: 'dp_enough_1' });
    expect(lost.status, JSON.stringify(lost.body)).toBe(200);
    expect(lost.body.dispute).toMatchObject({ dispute_id: disputeId, dispute_status: 'dispute_lost', taken_amount: 2000, shortfall_amount: 0 });
    expect(await walletOf(t(), customerId)).toMatchObject({ balance: 3000, held_amount: 0 });
    const taken = (await entriesOf(t(), customerId)).filter((e) => e.event_type === 'dispute');
    expect(taken.map((e) => [e.amount, e.is_credit, e.reference_object_id])).toEqual([[2000, false, disputeId]]);
    const afterLost = await snapshot(customerId);
    expect((await send({ type: 'dispute.lost', business_id: t().businessId, dispute_id: 'dp_enough_1' }, { id: lost.id })).status).toBe(200);
    expect(await snapshot(customerId)).toEqual(afterLost);
    // Won after lost is refused, and records nothing.
    const won = await send({ type: 'dispute.won', business_id: t().businessId, dispute_id: 'dp_enough_1' });
    expect(won.status).toBe(409);
    expect(won.body).toMatchObject({ code: 'DISPUTE_NOT_OPEN' });
    expect(await snapshot(customerId)).toEqual(afterLost);
    expect((await eventsOf('dispute.opened')).some((data) => data.dispute_id === disputeId)).toBe(true);
    expect((await eventsOf('dispute.lost')).filter((data) => data.dispute_id === disputeId)).toHaveLength(1);
    await expectClean();
  });

  it('dispute.opened without enough available balance holds what it can; lost records the shortfall; won releases', async () => {
    const short = await httpTopUp(world, 3000);
    await spend(short.customerId, 2500); // 500 left
    const opened = await send({ type: 'dispute.opened', business_id: t().businessId, charge_id: short.chargeId, dispute_id: 'dp_short_1', amount: 3000 });
    expect(opened.body.dispute).toMatchObject({ held_amount: 500, shortfall_amount: 2500 });
    const lost = await send({ type: 'dispute.lost', business_id: t().businessId, dispute_id: 'dp_short_1' });
    expect(lost.body.dispute).toMatchObject({ dispute_status: 'dispute_lost', taken_amount: 500, shortfall_amount: 2500 });
    expect(await walletOf(t(), short.customerId)).toMatchObject({ balance: 0, held_amount: 0 });

    const wins = await httpTopUp(world, 1000);
    await spend(wins.customerId, 400);
    const openedWin = await send({ type: 'dispute.opened', business_id: t().businessId, charge_id: wins.chargeId, dispute_id: 'dp_win_1', amount: 1000 });
    expect(openedWin.body.dispute).toMatchObject({ held_amount: 600, shortfall_amount: 400 });
    expect(await walletOf(t(), wins.customerId)).toMatchObject({ balance: 600, available_balance: 0 });
    const won = await send({ type: 'dispute.won', business_id: t().businessId, dispute_id: 'dp_win_1' });
    expect(won.body.dispute).toMatchObject({ dispute_status: 'dispute_won', taken_amount: 0, shortfall_amount: 0 });
    expect(await walletOf(t(), wins.customerId)).toMatchObject({ balance: 600, held_amount: 0, available_balance: 600 });
    expect((await entriesOf(t(), wins.customerId)).filter((e) => e.event_type === 'dispute')).toEqual([]);
    expect((await eventsOf('dispute.won')).filter((data) => data.dispute_id === won.body.dispute.dispute_id)).toHaveLength(1);
    await expectClean();
  });

  it('payment.reversed takes what is available as a payment_reversal entry; the rest is the shortfall', async () => {
    const { customerId, chargeId } = await httpTopUp(world, 2000);
    await spend(customerId, 1200);
    const reversed = await send({ type: 'payment.reversed', business_id: t().businessId, charge_id: chargeId, amount: 2000 });
    expect(reversed.status, JSON.stringify(reversed.body)).toBe(200);
    expect(reversed.body.dispute).toMatchObject({ kind: 'reversal', dispute_status: 'dispute_lost', taken_amount: 800, shortfall_amount: 1200 });
    const entries = (await entriesOf(t(), customerId)).filter((e) => e.event_type === 'payment_reversal');
    expect(entries.map((e) => [e.amount, e.is_credit, e.reference_object_id])).toEqual([[800, false, reversed.body.dispute.dispute_id]]);
    const before = await snapshot(customerId);
    expect((await send({ type: 'payment.reversed', business_id: t().businessId, charge_id: chargeId, amount: 2000 }, { id: reversed.id })).status).toBe(200);
    expect(await snapshot(customerId)).toEqual(before);
    await expectClean();
  });

  it('refund.failed: a card refund the processor had accepted fails later and is credited to the wallet, once', async () => {
    const { customerId, paymentId } = await httpTopUp(world, 5000);
    const created = await t().request('POST', '/refunds', { body: { payment_id: paymentId, amount: 2000 } });
    expect(created.statusCode, created.body).toBe(200);
    const refundId = created.json().refund_id;
    await runJobs();
    const refunded = (await t().request('GET', `/refunds/${refundId}`)).json();
    expect(refunded).toMatchObject({ status: 'succeeded', card_status: 'succeeded', card_amount: 2000 });
    expect(await walletOf(t(), customerId)).toMatchObject({ balance: 3000 });
    const processorRefundId = (await t().coffer.store.db.selectFrom('refunds').select('processor_refund_id').where('id', '=', refundId).executeTakeFirstOrThrow()).processor_refund_id!;

    const failed = await send({ type: 'refund.failed', business_id: t().businessId, refund_id: processorRefundId, reason: 'card_expired' });
    expect(failed.status, JSON.stringify(failed.body)).toBe(200);
    expect(failed.body).toMatchObject({ type: 'refund.failed', dispute: null, refund: { refund_id: refundId, status: 'succeeded', card_status: 'failed_to_wallet', error_code: 'card_expired', wallet_amount: 2000, card_amount: 0 } });
    expect(await walletOf(t(), customerId)).toMatchObject({ balance: 5000 });
    const credits = (await entriesOf(t(), customerId)).filter((e) => e.event_type === 'refund' && e.is_credit);
    expect(credits.map((e) => [e.amount, e.reference_object_id])).toEqual([[2000, refundId]]);
    const sent = (await eventsOf('refund.failed')).filter((data) => data.refund_id === refundId);
    expect(sent).toEqual([expect.objectContaining({ payload_type: 'Refund', card_status: 'failed_to_wallet', error_code: 'card_expired' })]);

    const before = await snapshot(customerId);
    expect((await send({ type: 'refund.failed', business_id: t().businessId, refund_id: processorRefundId, reason: 'card_expired' }, { id: failed.id })).status).toBe(200);
    // Reported again under another event id: still credited once.
    const twice = await send({ type: 'refund.failed', business_id: t().businessId, refund_id: processorRefundId });
    expect(twice.status).toBe(200);
    expect({ ...(await snapshot(customerId)), recorded: 0 }).toEqual({ ...before, recorded: 0 });
    await expectClean();
  });

  it('POST /refunds/{id}/fail: the simulated processor reports a late failure; refused for a refund without a card part that succeeded', async () => {
    const customerId = (await t().request('POST', '/customers', { body: { email: 'late-sim@example.com', name: 'Late' } })).json().customer_id;
    await t().request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 300, currency: 'USD', entry_type: 'credit' } });
    await attachMethod(t(), customerId, 'pm_card_succeeds');
    const payment = await pay(t(), (await createInvoice(t(), customerId, [1000])).invoice_id); // wallet 300, card 700
    const refund = (await t().request('POST', '/refunds', { body: { payment_id: payment.payment_id } })).json();
    expect(refund).toMatchObject({ wallet_amount: 300, card_amount: 700, card_status: 'pending' });
    const early = await t().request('POST', `/refunds/${refund.refund_id}/fail`, { body: {} });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'REFUND_NOT_FAILABLE' });
    await runJobs();
    expect(await walletOf(t(), customerId)).toMatchObject({ balance: 300 });
    const failed = await t().request('POST', `/refunds/${refund.refund_id}/fail`, { body: { reason: 'account_closed' } });
    expect(failed.statusCode, failed.body).toBe(200);
    expect(failed.json()).toMatchObject({ status: 'succeeded', card_status: 'failed_to_wallet', error_code: 'account_closed', wallet_amount: 1000, card_amount: 0 });
    expect(await walletOf(t(), customerId)).toMatchObject({ balance: 1000 });
    const again = await t().request('POST', `/refunds/${refund.refund_id}/fail`, { body: { reason: 'account_closed' } });
    expect(again.statusCode).toBe(200);
    expect(await walletOf(t(), customerId)).toMatchObject({ balance: 1000 });
    const credits = (await entriesOf(t(), customerId)).filter((e) => e.event_type === 'refund');
    expect(credits.map((e) => [e.amount, e.reference_object_id])).toEqual([[300, refund.refund_id], [700, refund.refund_id]]);
    // A bad reason is refused naming the field; an unknown refund is 404; a read-only key cannot.
    const bad = await t().request('POST', `/refunds/${refund.refund_id}/fail`, { body: { reason: 'Not A Code' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().message).toMatch(/reason/);
    expect((await t().request('POST', '/refunds/ref_nope/fail', { body: {} })).json()).toMatchObject({ code: 'REFUND_NOT_FOUND' });
    expect((await t().request('POST', `/refunds/${refund.refund_id}/fail`, { body: {}, key: t().readOnlyKey })).statusCode).toBe(403);
    // A refund through the HTTP processor is reported by its callback only.
    const http = await httpTopUp(world, 400);
    const httpRefund = (await t().request('POST', '/refunds', { body: { payment_id: http.paymentId } })).json();
    await runJobs();
    expect((await t().request('POST', `/refunds/${httpRefund.refund_id}/fail`, { body: {} })).json()).toMatchObject({ code: 'REFUND_NOT_FAILABLE' });
    await expectClean();
  });

  it('refuses a wrong secret, missing headers, an old or future timestamp, a tampered body, an unknown or foreign charge and a bad body, changing nothing', async () => {
    const { customerId, chargeId } = await httpTopUp(world, 1000);
    const other = await t().addBusiness('Other');
    const event = { type: 'dispute.opened', business_id: t().businessId, charge_id: chargeId, dispute_id: 'dp_refused', amount: 100 };
    // The simulated processor's charges are not the HTTP processor's to report.
    const simulated = (await t().request('POST', '/customers', { body: { email: 'sim-cb@example.com', name: 'Sim' } })).json().customer_id;
    await attachMethod(t(), simulated, 'pm_card_succeeds');
    const topUp = (await t().request('POST', `/customers/${simulated}/wallets/top-ups`, { body: { currency: 'USD', amount: 100, idempotency_key: 'cb-sim' } })).json();
    const simulatedCharge = (await t().coffer.store.db.selectFrom('payments').select('charge_id').where('id', '=', topUp.payment.payment_id).executeTakeFirstOrThrow()).charge_id;
    const before = await snapshot(customerId);
    const refusals: Array<[string, Promise<{ status: number; body: Record<string, any> }>, number, string, RegExp]> = [
      ['a wrong secret', send(event, { secret: newWebhookSecret() }), 401, 'PROCESSOR_SIGNATURE_INVALID', /does not match/],
      ['no signature', send(event, { headers: { 'webhook-signature': '' } }), 401, 'PROCESSOR_SIGNATURE_INVALID', /does not match|required/],
      ['a timestamp 6 minutes old', send(event, { signedAt: new Date(clock.now().getTime() - 6 * 60_000) }), 401, 'PROCESSOR_TIMESTAMP_OUT_OF_TOLERANCE', /webhook-timestamp/],
      ['a timestamp 6 minutes ahead', send(event, { signedAt: new Date(clock.now().getTime() + 6 * 60_000) }), 401, 'PROCESSOR_TIMESTAMP_OUT_OF_TOLERANCE', /webhook-timestamp/],
      ['a body changed after signing', send(event, { bodySent: JSON.stringify({ ...event, amount: 999 }) }), 401, 'PROCESSOR_SIGNATURE_INVALID', /does not match/],
      ['an unknown charge', send({ ...event, charge_id: 'ch_unknown' }), 404, 'PAYMENT_NOT_FOUND', /charge_id/],
      ["another business's charge", send({ ...event, business_id: other.businessId }), 404, 'PAYMENT_NOT_FOUND', /charge_id/],
      ['an unknown dispute', send({ type: 'dispute.lost', business_id: t().businessId, dispute_id: 'dp_nope' }), 404, 'DISPUTE_NOT_FOUND', /dispute_id/],
      ['an unknown refund', send({ type: 'refund.failed', business_id: t().businessId, refund_id: 're_nope' }), 404, 'REFUND_NOT_FOUND', /refund_id/],
      ['more than was charged', send({ ...event, amount: 1001 }), 409, 'PAYMENT_NOT_DISPUTABLE', /1001/],
      ['a negative amount', send({ ...event, amount: -5 }), 422, 'INVALID_REQUEST_BODY', /amount/],
      ['an unknown field', send({ ...event, extra: 1 }), 422, 'INVALID_REQUEST_BODY', /extra|additional/],
      ['an unknown type', send({ type: 'charge.captured', business_id: t().businessId }), 422, 'INVALID_REQUEST_BODY', /type|body/],
      ['not JSON', send('{"type":', {}), 400, 'INVALID_JSON', /JSON/],
    ];
    for (const [name, pending, status, code, message] of refusals) {
      const response = await pending;
      expect(response.status, `${name}: ${JSON.stringify(response.body)}`).toBe(status);
      expect(response.body, name).toMatchObject({ code });
      expect(response.body.message, name).toMatch(message);
    }
    expect((await send({ ...event, charge_id: simulatedCharge })).status).toBe(404);
    expect(await snapshot(customerId)).toEqual(before);
    // No API key is needed, and one does not help a bad signature.
    const withKey = await sendEvent(world, clock, event, { secret: newWebhookSecret(), headers: { authorization: `Bearer ${t().apiKey}` } });
    expect(withKey.status).toBe(401);
    await expectClean();
  });
});

describe.each(storeKinds)('the HTTP processor callback without a secret [%s]', (kind) => {
  it('answers 422 PAYMENT_PROCESSOR_NOT_CONFIGURED', async () => {
    const t = await startTestApp(kind);
    try {
      const response = await t.request('POST', '/processor/events', { key: null, body: { type: 'dispute.won', business_id: t.businessId, dispute_id: 'dp_1' }, headers: { 'webhook-id': newEventId() } });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'PAYMENT_PROCESSOR_NOT_CONFIGURED' });
    } finally {
      await t.close();
    }
  });
});
