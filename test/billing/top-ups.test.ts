// Top-ups by card over HTTP on both stores: success (a pay_… payment of kind top_up and one credit entry referencing
// it), a decline (nothing written to the wallet), a repeat of the key, a processor that does not answer (the recovery
// job finishes it), bad input, and the service called directly (what auto-recharge does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentRecoveryDelayMs } from '../../src/billing/billing-limits.ts';
import { verifyStore } from '../../src/ops/verify.ts';
import { createCustomer } from '../support/fixtures.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { storeKinds } from '../support/stores.ts';
import { type TestApp, startTestApp } from '../support/test-app.ts';
import { attachMethod, entriesOf, walletOf } from './support.ts';

describe.each(storeKinds)('top-ups [%s]', (kind) => {
  let t: TestApp;
  const clock = new ManualClock(new Date('2026-04-01T00:00:00.000Z'));
  beforeAll(async () => {
    t = await startTestApp(kind, { COFFER_PAYMENT_PROCESSOR_TIMEOUT_MS: '200', COFFER_PAYMENT_SIMULATED_DELAY_MS: '20' }, { clock });
  });
  afterAll(async () => t?.close());

  const customerWith = async (method: string | null) => {
    const customer = await createCustomer(t);
    if (method !== null) await attachMethod(t, customer.customer_id, method);
    return customer.customer_id;
  };
  const topUp = (customerId: string, body: Record<string, unknown>) => t.request('POST', `/customers/${customerId}/wallets/top-ups`, { body: { currency: 'USD', ...body } });
  const chargesOf = (customerId: string) => t.coffer.store.db.selectFrom('simulated_charges').selectAll().where('customer_id', '=', customerId).execute();
  const expectClean = async () => expect((await verifyStore(t.coffer.store)).findings).toEqual([]);

  it('charges the card and credits the wallet: one payment, one entry referencing it', async () => {
    const customerId = await customerWith('pm_card_succeeds');
    const response = await topUp(customerId, { amount: 2500, idempotency_key: 'topup-1' });
    expect(response.statusCode, response.body).toBe(200);
    const { payment, entry } = response.json();
    expect(payment).toMatchObject({ status: 'succeeded', kind: 'top_up', total_amount: 2500, method_amount: 2500, wallet_amount: 0, invoice_id: null, payment_method: 'pm_card_succeeds' });
    expect(payment.payment_id).toMatch(/^pay_/);
    expect(payment.charge_id).toMatch(/^ch_/);
    expect(entry).toMatchObject({ is_credit: true, amount: 2500, event_type: 'payment', reference_object_id: payment.payment_id, after_balance: 2500 });
    expect(await walletOf(t, customerId)).toMatchObject({ balance: 2500 });
    const entries = await entriesOf(t, customerId);
    expect(entries.map((e) => [e.event_type, e.reference_object_id, e.amount, e.is_credit])).toEqual([['payment', payment.payment_id, 2500, true]]);
    // The credit is keyed by Coffer in its own scope; the client's key points to the payment.
    const records = await t.coffer.store.db.selectFrom('idempotency_records').selectAll().where('result_id', 'in', [entry.id, payment.payment_id]).orderBy('scope').execute();
    expect(records.map((r) => [r.scope, r.key])).toEqual([['client', 'topup-1'], ['coffer:top_up', `top_up:${payment.payment_id}:credit`]]);
    // The same key and body again: the same top-up, not charged or credited twice.
    const again = await topUp(customerId, { amount: 2500, idempotency_key: 'topup-1' });
    expect(again.statusCode).toBe(200);
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect(again.json().payment.payment_id).toBe(payment.payment_id);
    expect(again.json().entry.id).toBe(entry.id);
    expect((await chargesOf(customerId)).length).toBe(1);
    expect((await walletOf(t, customerId)).balance).toBe(2500);
    // Another body with the key is a conflict, and writes nothing.
    const conflict = await topUp(customerId, { amount: 2600, idempotency_key: 'topup-1' });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().code).toBe('IDEMPOTENCY_KEY_REUSED_WITH_DIFFERENT_REQUEST');
    // GET /payments/{id} shows it as a top-up.
    const read = (await t.request('GET', `/payments/${payment.payment_id}`)).json();
    expect(read).toMatchObject({ kind: 'top_up', invoice_id: null, status: 'succeeded', refunded_amount: 0 });
    await expectClean();
  });

  for (const [method, reason] of [
    ['pm_card_declines', 'card_declined'],
    ['pm_card_insufficient_funds', 'insufficient_funds'],
    ['pm_card_fails_after_delay', 'processing_error'],
  ] as const) {
    it(`${method}: the top-up fails with ${reason} and nothing is written to the wallet`, async () => {
      const customerId = await customerWith(method);
      const response = await topUp(customerId, { amount: 1000, idempotency_key: `decline-${method}` });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ payment: { status: 'failed', error_code: reason, kind: 'top_up' }, entry: null });
      expect(await entriesOf(t, customerId)).toEqual([]);
      expect(await walletOf(t, customerId)).toMatchObject({ balance: 0 });
      await expectClean();
    });
  }

  it('a customer without a method: failed with PAYMENT_METHOD_NOT_FOUND, nothing charged', async () => {
    const customerId = await customerWith(null);
    const response = await topUp(customerId, { amount: 1000, idempotency_key: 'no-method' });
    expect(response.json()).toMatchObject({ payment: { status: 'failed', error_code: 'PAYMENT_METHOD_NOT_FOUND' }, entry: null });
    expect(await chargesOf(customerId)).toEqual([]);
  });

  it('pm_card_times_out: processing, then the recovery job asks again with the same key and credits once', async () => {
    const customerId = await customerWith('pm_card_times_out');
    const response = await topUp(customerId, { amount: 700, idempotency_key: 'slow-1' });
    expect(response.json()).toMatchObject({ payment: { status: 'processing' }, entry: null });
    expect((await walletOf(t, customerId)).balance).toBe(0);
    clock.advance(paymentRecoveryDelayMs + 1);
    for (let i = 0; i < 5; i++) await t.coffer.jobs.tick();
    const after = await topUp(customerId, { amount: 700, idempotency_key: 'slow-1' });
    expect(after.json()).toMatchObject({ payment: { status: 'succeeded' }, entry: { amount: 700, event_type: 'payment' } });
    expect((await chargesOf(customerId)).length).toBe(1);
    expect((await walletOf(t, customerId)).balance).toBe(700);
    await expectClean();
  });

  it('bad input is a 4xx naming the field, and an unknown customer a 404; nothing is written', async () => {
    const customerId = await customerWith('pm_card_succeeds');
    for (const [body, field] of [
      [{ amount: 0, idempotency_key: 'bad-1' }, 'amount'],
      [{ amount: 1.5, idempotency_key: 'bad-2' }, 'amount'],
      [{ amount: 100 }, 'idempotency_key'],
      [{ amount: 100, idempotency_key: 'bad-3', extra: 1 }, 'extra'],
    ] as const) {
      const response = await topUp(customerId, body);
      expect(response.statusCode, response.body).toBe(422);
      expect(response.json().message).toContain(field);
    }
    const eur = await topUp(customerId, { currency: 'EUR', amount: 100, idempotency_key: 'bad-eur' });
    expect(eur.statusCode).toBeGreaterThanOrEqual(400);
    const unknown = await topUp('cus_missing', { amount: 100, idempotency_key: 'bad-4' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('CUSTOMER_NOT_FOUND');
    const other = await t.addBusiness('Other top-ups');
    const foreign = await t.request('POST', `/customers/${customerId}/wallets/top-ups`, { key: other.apiKey, body: { currency: 'USD', amount: 100, idempotency_key: 'x' } });
    expect(foreign.statusCode).toBe(404);
    expect(await chargesOf(customerId)).toEqual([]);
    expect(await entriesOf(t, customerId)).toEqual([]);
  });

  it('the service is callable without HTTP (auto-recharge): success and decline as values', async () => {
    const good = await customerWith('pm_card_succeeds');
    const businessId = (await t.coffer.store.db.selectFrom('customers').select('business_id').where('id', '=', good).executeTakeFirstOrThrow()).business_id;
    const result = await t.coffer.topUps.topUp({ businessId, customerId: good, currency: 'USD', amount: 300, idempotencyKey: 'svc-1' });
    expect(result.ok && result.value.payment.status).toBe('succeeded');
    expect(result.ok && result.value.entry?.amount).toBe(300);
    const bad = await customerWith('pm_card_declines');
    const declined = await t.coffer.topUps.topUp({ businessId, customerId: bad, currency: 'USD', amount: 300, idempotencyKey: 'svc-2' });
    expect(declined.ok && [declined.value.payment.status, declined.value.payment.error_code, declined.value.entry]).toEqual(['failed', 'card_declined', null]);
    const invalid = await t.coffer.topUps.topUp({ businessId, customerId: good, currency: 'USD', amount: -1, idempotencyKey: 'svc-3' });
    expect(!invalid.ok && invalid.code).toBe('INVALID_TOP_UP');
  });
});
