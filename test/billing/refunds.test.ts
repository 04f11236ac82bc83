// Refunds and disputes over HTTP (and the official SDK's refunds.*) on both stores: full and partial refunds to the
// wallet and to the card, two concurrent refunds that together would exceed the payment, a refund of a payment that
// drew on an expiring lot, a card refund the processor refuses, a top-up refunded to the card, disputes won and lost
// with and without enough available balance, a reversal; every entry's event_type and reference_object_id checked.
import type DodoPayments from 'dodopayments';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ops/verify.ts';
import { buildSiblingApp, createCustomer, credit } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { sdkClient } from '../support/sdk.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { attachMethod, createInvoice, entriesOf, pay, walletOf } from './support.ts';

describe.each(storeKinds)('refunds and disputes [%s]', (kind) => {
  let t: TestApp;
  let client: DodoPayments;
  const clock = new ManualClock(new Date('2026-04-01T00:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS: '200' }, { clock });
    client = sdkClient(await t.listen(), t.apiKey, { maxRetries: 0 });
  });
  afterAll(async () => t?.close());

  const expectClean = async () => expect((await verifyStore(t.coffer.store)).findings).toEqual([]);
  const runJobs = async () => {
    for (let i = 0; i < 3; i++) await t.coffer.jobs.tick();
  };
  /** A customer with `balance` and a card, and a paid invoice of `total`: the wallet paid min(balance, total). */
  const paidInvoice = async (balance: number, total: number) => {
    const customerId = (await createCustomer(t)).customer_id;
    if (balance > 0) await credit(t, customerId, balance);
    await attachMethod(t, customerId, 'pm_card_succeeds');
    const invoice = await createInvoice(t, customerId, [total]);
    const payment = await pay(t, invoice.invoice_id);
    expect(payment.status).toBe('succeeded');
    return { customerId, payment };
  };
  const refund = (body: Record<string, unknown>) => t.request('POST', '/refunds', { body });
  const cardRefundsOf = (chargeId: string) => t.coffer.store.db.selectFrom('simulated_refunds').selectAll().where('charge_id', '=', chargeId).execute();

  it('a full refund to the wallet through the SDK: everything back as balance, one refund entry per part', async () => {
    const { customerId, payment } = await paidInvoice(1500, 2000); // wallet 1500, card 500
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 0 });
    const created = await client.refunds.create({ payment_id: payment.payment_id, reason: 'Goodwill', destination: 'wallet' } as never);
    expect(created).toMatchObject({ status: 'succeeded', amount: 2000, currency: 'USD', payment_id: payment.payment_id, is_partial: false, reason: 'Goodwill' });
    expect(created.refund_id).toMatch(/^ref_/);
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 2000 });
    const refunds = (await entriesOf(t, customerId)).filter((e) => e.event_type === 'refund');
    expect(refunds.map((e) => [e.is_credit, e.reference_object_id])).toEqual([[true, created.refund_id], [true, created.refund_id]]);
    expect(refunds.reduce((sum, e) => sum + e.amount, 0)).toBe(2000);
    expect(await cardRefundsOf(payment.charge_id)).toEqual([]);
    expect(await client.refunds.retrieve(created.refund_id)).toMatchObject({ refund_id: created.refund_id, status: 'succeeded' });
    const listed = await client.refunds.list({ customer_id: customerId });
    expect(listed.items.map((r) => r.refund_id)).toEqual([created.refund_id]);
    expect((await t.request('GET', `/payments/${payment.payment_id}`)).json().refunded_amount).toBe(2000);
    // Nothing is left to refund.
    const again = await refund({ payment_id: payment.payment_id, amount: 1 });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toMatchObject({ code: 'REFUND_EXCEEDS_PAYMENT', refundable_amount: 0 });
    await expectClean();
  });

  it('a partial refund to the original method: the wallet part to the wallet, the card part by the job through the processor', async () => {
    const { customerId, payment } = await paidInvoice(300, 1000); // wallet 300, card 700
    const response = await refund({ payment_id: payment.payment_id, amount: 800 });
    expect(response.statusCode, response.body).toBe(200);
    const created = response.json();
    expect(created).toMatchObject({ status: 'pending', amount: 800, is_partial: true, destination: 'original', wallet_amount: 300, card_amount: 500, card_status: 'pending' });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 300 });
    await runJobs();
    expect((await t.request('GET', `/refunds/${created.refund_id}`)).json()).toMatchObject({ status: 'succeeded', card_status: 'succeeded' });
    expect((await cardRefundsOf(payment.charge_id)).map((r) => [Number(r.amount), r.status])).toEqual([[500, 'succeeded']]);
    const entries = (await entriesOf(t, customerId)).filter((e) => e.event_type === 'refund');
    expect(entries.map((e) => [e.amount, e.is_credit, e.reference_object_id])).toEqual([[300, true, created.refund_id]]);
    // The rest, 200, is card money: a second refund takes it.
    const rest = (await refund({ payment_id: payment.payment_id })).json();
    expect(rest).toMatchObject({ amount: 200, wallet_amount: 0, card_amount: 200 });
    await runJobs();
    expect((await cardRefundsOf(payment.charge_id)).map((r) => Number(r.amount)).sort()).toEqual([200, 500]);
    const types = (await t.coffer.store.db.selectFrom('events').select('type').where('customer_id', '=', customerId).execute()).map((e) => e.type);
    expect(types).toContain('refund.succeeded');
    await expectClean();
  });

  it('two concurrent refunds that together would exceed the payment: exactly one succeeds', async () => {
    const { customerId, payment } = await paidInvoice(5000, 1000);
    const [a, b] = await Promise.all([refund({ payment_id: payment.payment_id, amount: 600 }), refund({ payment_id: payment.payment_id, amount: 600 })]);
    const codes = [a, b].map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 400]);
    const loser = [a, b].find((r) => r.statusCode === 400)!;
    expect(loser.json()).toMatchObject({ code: 'REFUND_EXCEEDS_PAYMENT', refundable_amount: 400 });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 4000 + 600 });
    // Two that fit both succeed.
    const [c, d] = await Promise.all([refund({ payment_id: payment.payment_id, amount: 200 }), refund({ payment_id: payment.payment_id, amount: 200 })]);
    expect([c.statusCode, d.statusCode]).toEqual([200, 200]);
    expect((await t.request('GET', `/payments/${payment.payment_id}`)).json().refunded_amount).toBe(1000);
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 5000 });
    await expectClean();
  });

  it('an idempotency key: the same request again answers the same refund; racing twice (two processes) refunds once; another request under it is 409', async () => {
    const { customerId, payment } = await paidInvoice(5000, 1000);
    const body = { payment_id: payment.payment_id, amount: 300, destination: 'wallet', idempotency_key: `refund-key-${customerId}` };
    const first = await refund(body);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['x-idempotent-replay']).toBeUndefined();
    const again = await refund(body);
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect(again.json().refund_id).toBe(first.json().refund_id);
    // Without the amount, the key names the same refund too.
    expect((await refund({ ...body, amount: undefined })).json().refund_id).toBe(first.json().refund_id);
    for (const changed of [{ amount: 301 }, { destination: 'original' }]) {
      const other = await refund({ ...body, ...changed });
      expect(other.statusCode).toBe(409);
      expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST', refund_id: first.json().refund_id });
    }
    // A second process on the same database, both sent the same new key at once: one refund between them.
    const sibling = await buildSiblingApp(t, {});
    try {
      const raced = { ...body, idempotency_key: `refund-race-${customerId}` };
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? t.coffer.app : sibling.app).inject({ method: 'POST', url: '/refunds', headers: { authorization: `Bearer ${t.apiKey}` }, payload: raced })),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
      expect(new Set(answers.map((a) => a.json().refund_id)).size).toBe(1);
    } finally {
      await sibling.close();
    }
    const refunds = (await t.request('GET', `/refunds?payment_id=${payment.payment_id}`)).json().items;
    expect(refunds.map((r: { amount: number }) => r.amount)).toEqual([300, 300]);
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 4000 + 600 });
    expect((await t.request('GET', `/payments/${payment.payment_id}`)).json().refunded_amount).toBe(600);
    await expectClean();
  });

  it('money from an expiring lot goes back to a lot with the same expiry and category; after the expiry it comes back without one', async () => {
    const customerId = (await createCustomer(t)).customer_id;
    const expiresAt = new Date(clock.now().getTime() + 10 * 86_400_000).toISOString();
    await credit(t, customerId, 1000, 'USD', { expires_at: expiresAt, category: 'promotional' } as never);
    await attachMethod(t, customerId, 'pm_card_succeeds');
    const invoice = await createInvoice(t, customerId, [600]);
    const payment = await pay(t, invoice.invoice_id);
    expect(payment).toMatchObject({ wallet_amount: 600 });
    const first = (await refund({ payment_id: payment.payment_id, amount: 250 })).json();
    expect(first.status).toBe('succeeded');
    const lots = await t.coffer.store.db.selectFrom('credit_lots').selectAll().where('customer_id', '=', customerId).orderBy('wallet_seq').execute();
    expect(lots.map((l) => [Number(l.amount), l.expires_at, l.category])).toEqual([[1000, expiresAt, 'promotional'], [250, expiresAt, 'promotional']]);
    const entry = (await entriesOf(t, customerId)).at(-1)!;
    expect(entry).toMatchObject({ event_type: 'refund', reference_object_id: first.refund_id, amount: 250, is_credit: true });
    // After the lot's expiry, the rest comes back as balance that does not expire.
    clock.advance(11 * 86_400_000);
    const second = (await refund({ payment_id: payment.payment_id })).json();
    expect(second).toMatchObject({ status: 'succeeded', amount: 350 });
    const newest = await t.coffer.store.db.selectFrom('credit_lots').selectAll().where('customer_id', '=', customerId).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect([Number(newest.amount), newest.expires_at]).toEqual([350, null]);
    expect((await walletOf(t, customerId)).balance).toBe(350);
    await expectClean();
  });

  it('a card refund the processor refuses is credited to the wallet instead', async () => {
    const { customerId, payment } = await paidInvoice(0, 900);
    // The charge is refunded outside Coffer first, so the processor refuses Coffer's card refund.
    const outside = await t.coffer.payments.refund({ processor: 'simulated', idempotencyKey: 'outside', businessId: t.businessId, chargeId: payment.charge_id, currency: 'USD', amount: 900, reason: null });
    expect(outside.ok && outside.value.status).toBe('succeeded');
    const created = (await refund({ payment_id: payment.payment_id, amount: 400 })).json();
    expect(created).toMatchObject({ card_amount: 400, card_status: 'pending' });
    await runJobs();
    expect((await t.request('GET', `/refunds/${created.refund_id}`)).json()).toMatchObject({ status: 'succeeded', card_status: 'failed_to_wallet', error_code: 'amount_exceeds_refundable', wallet_amount: 400, card_amount: 0 });
    expect((await entriesOf(t, customerId)).at(-1)).toMatchObject({ event_type: 'refund', reference_object_id: created.refund_id, amount: 400, is_credit: true });
    expect((await walletOf(t, customerId)).balance).toBe(400);
    await expectClean();
  });

  const toppedUp = async (amount: number) => {
    const customerId = (await createCustomer(t)).customer_id;
    await attachMethod(t, customerId, 'pm_card_succeeds');
    const response = await t.request('POST', `/customers/${customerId}/wallets/top-ups`, { body: { currency: 'USD', amount, idempotency_key: `tu-${customerId}` } });
    expect(response.json().payment.status).toBe('succeeded');
    return { customerId, payment: response.json().payment };
  };

  it('a top-up refunded to the card takes the credit back out of the wallet; without the balance it fails and nothing moves', async () => {
    const { customerId, payment } = await toppedUp(1000);
    const created = (await refund({ payment_id: payment.payment_id, amount: 400 })).json();
    expect(created).toMatchObject({ wallet_amount: 0, card_amount: 400 });
    await runJobs();
    expect((await t.request('GET', `/refunds/${created.refund_id}`)).json().status).toBe('succeeded');
    expect((await entriesOf(t, customerId)).at(-1)).toMatchObject({ event_type: 'refund', reference_object_id: created.refund_id, amount: 400, is_credit: false });
    expect((await walletOf(t, customerId)).balance).toBe(600);
    expect((await refund({ payment_id: payment.payment_id, destination: 'wallet' })).json().code).toBe('INVALID_REFUND');
    // Spend the wallet; the rest of the top-up cannot be taken back: the refund fails, its amount is refundable again.
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 600, currency: 'USD', entry_type: 'debit' } });
    const failed = (await refund({ payment_id: payment.payment_id })).json();
    expect(failed).toMatchObject({ status: 'failed', error_code: 'INSUFFICIENT_WALLET_FUNDS' });
    expect((await t.request('GET', `/payments/${payment.payment_id}`)).json().refunded_amount).toBe(400);
    expect((await cardRefundsOf(payment.charge_id)).length).toBe(1);
    await expectClean();
  });

  it('a dispute lost with enough balance takes the disputed amount as a dispute entry', async () => {
    const { customerId, payment } = await toppedUp(1000);
    const opened = (await t.request('POST', `/payments/${payment.payment_id}/disputes`, { body: { amount: 700 } })).json();
    expect(opened).toMatchObject({ dispute_status: 'dispute_opened', amount: '700', held_amount: 700, shortfall_amount: 0 });
    expect(opened.dispute_id).toMatch(/^dis_/);
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 1000, held_amount: 700, available_balance: 300 });
    const lost = (await t.request('POST', `/disputes/${opened.dispute_id}/resolve`, { body: { outcome: 'lost' } })).json();
    expect(lost).toMatchObject({ dispute_status: 'dispute_lost', taken_amount: 700, shortfall_amount: 0 });
    expect((await entriesOf(t, customerId)).at(-1)).toMatchObject({ event_type: 'dispute', reference_object_id: opened.dispute_id, amount: 700, is_credit: false });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 300, held_amount: 0 });
    expect((await t.request('POST', `/disputes/${opened.dispute_id}/resolve`, { body: { outcome: 'won' } })).json().code).toBe('DISPUTE_NOT_OPEN');
    await expectClean();
  });

  it('a dispute lost without enough balance: the wallet gives what it has, the rest is the shortfall; it never goes negative', async () => {
    const { customerId, payment } = await toppedUp(1000);
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 800, currency: 'USD', entry_type: 'debit' } });
    const opened = (await t.request('POST', `/payments/${payment.payment_id}/disputes`, { body: {} })).json();
    expect(opened).toMatchObject({ amount: '1000', held_amount: 200, shortfall_amount: 800 });
    const lost = (await t.request('POST', `/disputes/${opened.dispute_id}/resolve`, { body: { outcome: 'lost' } })).json();
    expect(lost).toMatchObject({ taken_amount: 200, shortfall_amount: 800 });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 0 });
    // With nothing available at all, nothing is held and the whole amount is the shortfall.
    const second = (await t.request('POST', `/payments/${payment.payment_id}/disputes`, { body: { amount: 50 } })).json();
    expect(second).toMatchObject({ held_amount: 0, shortfall_amount: 50 });
    // The liability report shows what lost disputes could not take back: the lost one's 800, not the open one's 50.
    const day = clock.now().toISOString().slice(0, 10);
    const liability = (await t.request('GET', `/reports/liability?date=${day}`)).json();
    expect(liability.dispute_shortfalls).toContainEqual({ currency: 'USD', amount: 800 });
    await expectClean();
  });

  it('a dispute won releases the hold: no entry, the balance is available again', async () => {
    const { customerId, payment } = await toppedUp(1000);
    const before = (await entriesOf(t, customerId)).length;
    const opened = (await t.request('POST', `/payments/${payment.payment_id}/disputes`, { body: { amount: 400 } })).json();
    const won = (await t.request('POST', `/disputes/${opened.dispute_id}/resolve`, { body: { outcome: 'won' } })).json();
    expect(won).toMatchObject({ dispute_status: 'dispute_won', taken_amount: 0, shortfall_amount: 0 });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 1000, held_amount: 0, available_balance: 1000 });
    expect((await entriesOf(t, customerId)).length).toBe(before);
    const types = (await t.coffer.store.db.selectFrom('events').select('type').where('customer_id', '=', customerId).execute()).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['dispute.opened', 'dispute.won']));
  });

  it('a reversal takes what is available at once as a payment_reversal entry, the rest is the shortfall', async () => {
    const { customerId, payment } = await toppedUp(1000);
    await t.request('POST', `/customers/${customerId}/wallets/ledger-entries`, { body: { amount: 300, currency: 'USD', entry_type: 'debit' } });
    const reversed = (await t.request('POST', `/payments/${payment.payment_id}/disputes`, { body: { kind: 'reversal' } })).json();
    expect(reversed).toMatchObject({ kind: 'reversal', dispute_status: 'dispute_lost', taken_amount: 700, shortfall_amount: 300 });
    expect((await entriesOf(t, customerId)).at(-1)).toMatchObject({ event_type: 'payment_reversal', reference_object_id: reversed.dispute_id, amount: 700, is_credit: false });
    expect((await walletOf(t, customerId)).balance).toBe(0);
    await expectClean();
  });

  it('bad input is a 4xx naming the field; nothing changes', async () => {
    const { customerId, payment } = await paidInvoice(1000, 500);
    const balance = (await walletOf(t, customerId)).balance;
    for (const [body, status, text] of [
      [{ payment_id: payment.payment_id, amount: 0 }, 422, 'amount'],
      [{ payment_id: payment.payment_id, destination: 'bank' }, 422, 'destination'],
      [{ payment_id: payment.payment_id, amount: 10, items: [{ item_id: '0' }] }, 400, 'amount or items'],
      [{ payment_id: payment.payment_id, items: [{ item_id: '7' }] }, 400, 'items'],
      [{ payment_id: payment.payment_id, amount: 501 }, 400, '500'],
      [{ payment_id: 'pay_missing' }, 404, 'pay_missing'],
      [{ payment_id: payment.payment_id, surprise: true }, 422, 'surprise'],
    ] as const) {
      const response = await refund(body);
      expect(response.statusCode, response.body).toBe(status);
      expect(response.json().message).toContain(text);
    }
    expect((await walletOf(t, customerId)).balance).toBe(balance);
    expect((await t.request('GET', '/refunds/ref_missing')).json().code).toBe('REFUND_NOT_FOUND');
    expect((await t.request('POST', `/payments/${payment.payment_id}/disputes`, { body: {} })).json().code).toBe('PAYMENT_NOT_DISPUTABLE');
    expect((await t.request('POST', '/disputes/dis_missing/resolve', { body: { outcome: 'won' } })).json().code).toBe('DISPUTE_NOT_FOUND');
    const other = await t.addBusiness('Other refunds');
    expect((await t.request('POST', '/refunds', { key: other.apiKey, body: { payment_id: payment.payment_id } })).statusCode).toBe(404);
    // Items: line 0 of the invoice, in part.
    const byItem = (await refund({ payment_id: payment.payment_id, items: [{ item_id: '0', amount: 120 }] })).json();
    expect(byItem).toMatchObject({ status: 'succeeded', amount: 120 });
  });
});
